#include "name_section.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "byte_reader.h"
#include "byte_writer.h"
#include "module_copy.h"

bool wi_is_site_global_name(const uint8_t *name, size_t len) {
  size_t prefix = strlen(WI_LIVE_GLOBAL_PREFIX);
  return len > prefix && memcmp(name, WI_LIVE_GLOBAL_PREFIX, prefix) == 0;
}

/* The global-names subsection `sub` without the patchable sites' globals;
 * as it was when it cannot be read. */
static void put_global_names(wi_writer *w, wi_section *sub, const uint8_t *raw, size_t raw_size) {
  wi_reader r = sub->payload;
  uint32_t count, index, len;
  const uint8_t *name;
  wi_writer kept = {0};
  uint32_t kept_count = 0;
  bool ok = wi_read_u32(&r, &count);
  for (uint32_t i = 0; ok && i < count; i++) {
    ok = wi_read_u32(&r, &index) && wi_read_name(&r, &name, &len);
    if (!ok || wi_is_site_global_name(name, len)) continue;
    wi_put_u32(&kept, index);
    wi_put_name(&kept, name, len);
    kept_count++;
  }
  if (!ok || wi_reader_left(&r) != 0 || kept.failed) {
    wi_put_bytes(w, raw, raw_size);
  } else if (kept_count > 0) {
    wi_writer payload = {0};
    wi_put_u32(&payload, kept_count);
    wi_put_bytes(&payload, kept.data, kept.size);
    wi_put_section(w, WI_GLOBAL_NAMES, &payload);
  }
  free(kept.data);
}

static void put_function_names(wi_writer *w, const wi_function_name *names, size_t count) {
  wi_writer sub = {0};
  wi_put_u32(&sub, (uint32_t)count);
  for (size_t i = 0; i < count; i++) {
    wi_put_u32(&sub, names[i].index);
    wi_put_cstr(&sub, names[i].name);
  }
  wi_put_section(w, WI_FUNCTION_NAMES, &sub);
}

/* The payload of a new name section: the old subsections with function names
 * replaced (subsections are ordered by id: 0 module, 1 functions, 2 locals...). */
static bool build_payload(wi_reader *old, wi_writer *w, const wi_function_name *names,
                          size_t count) {
  bool written = count == 0;
  while (old && wi_reader_left(old) > 0) {
    wi_section sub;
    if (!wi_next_section(old, &sub)) return false;
    if (sub.id >= WI_FUNCTION_NAMES && !written) {
      put_function_names(w, names, count);
      written = true;
    }
    if (sub.id == WI_GLOBAL_NAMES)
      put_global_names(w, &sub, old->data + sub.start, old->pos - sub.start);
    else if (sub.id != WI_FUNCTION_NAMES)
      wi_put_bytes(w, old->data + sub.start, old->pos - sub.start);
  }
  if (!written) put_function_names(w, names, count);
  return true;
}

static bool put_name_section(wi_writer *w, wi_reader *old, const wi_function_name *names,
                             size_t count) {
  wi_writer payload = {0};
  wi_put_cstr(&payload, "name");
  bool ok = build_payload(old, &payload, names, count);
  if (payload.size > 5) { /* "name" alone: nothing to say */
    wi_put_section(w, 0, &payload);
  } else {
    w->failed |= payload.failed;
    free(payload.data);
  }
  return ok;
}

typedef struct {
  const wi_function_name *names;
  size_t count;
  bool replaced;
} names_job;

/* wi_copy_module's callback: replaces the `name` custom section. */
static wi_section_action replace_names(void *ctx, wi_section *section, wi_writer *w) {
  names_job *job = ctx;
  const uint8_t *section_name;
  uint32_t len;
  if (section->id != 0 || !wi_read_name(&section->payload, &section_name, &len) || len != 4 ||
      memcmp(section_name, "name", 4) != 0)
    return WI_SECTION_COPY;
  job->replaced = true;
  return put_name_section(w, &section->payload, job->names, job->count) ? WI_SECTION_REWRITTEN
                                                                        : WI_SECTION_MALFORMED;
}

uint8_t *wi_replace_function_names(const uint8_t *binary, size_t size,
                                   const wi_function_name *names, size_t count,
                                   size_t *out_size) {
  wi_writer w = {0};
  names_job job = {names, count, false};
  bool ok = wi_copy_module(&w, binary, size, replace_names, &job);
  if (ok && !job.replaced && count > 0) ok = put_name_section(&w, NULL, names, count);
  return wi_writer_take(&w, ok, out_size);
}

/* Where Binaryen writes its name section: after the last standard section. */
static bool name_section_offset(const uint8_t *binary, size_t size, size_t *offset) {
  enum { HEADER_SIZE = 8 };
  if (size < HEADER_SIZE) return false;
  wi_reader r = wi_reader_make(binary, size);
  wi_skip(&r, HEADER_SIZE);
  *offset = HEADER_SIZE;
  while (wi_reader_left(&r) > 0) {
    wi_section section;
    if (!wi_next_section(&r, &section)) return false;
    if (section.id != 0) *offset = r.pos;
  }
  return true;
}

static void put_subsection(wi_writer *w, const wi_name_subsection *s) {
  wi_writer sub = {0};
  wi_put_u32(&sub, (uint32_t)s->count);
  for (size_t i = 0; i < s->count; i++) {
    wi_put_u32(&sub, s->names[i].index);
    wi_put_cstr(&sub, s->names[i].name);
  }
  wi_put_section(w, s->id, &sub);
}

uint8_t *wi_insert_name_section(const uint8_t *binary, size_t size, const wi_function_name *names,
                                size_t count, const wi_name_subsection *others,
                                size_t other_count, size_t *out_size) {
  size_t offset;
  if (!name_section_offset(binary, size, &offset)) return NULL;
  wi_writer payload = {0};
  wi_put_cstr(&payload, "name");
  size_t empty = payload.size;
  if (count > 0) put_function_names(&payload, names, count);
  for (size_t i = 0; i < other_count; i++)
    if (others[i].count > 0) put_subsection(&payload, &others[i]);
  wi_writer w = {0};
  wi_put_bytes(&w, binary, offset);
  if (payload.size > empty) {
    wi_put_section(&w, 0, &payload);
  } else {
    w.failed |= payload.failed;
    free(payload.data);
  }
  wi_put_bytes(&w, binary + offset, size - offset);
  return wi_writer_take(&w, true, out_size);
}

void wi_put_name_section_for_binaryen(wi_writer *w, const uint8_t *section, size_t size) {
  enum { FIRST_UNREAD_SUBSECTION = 10 };
  wi_reader r = wi_reader_make(section, size);
  uint8_t id;
  uint32_t payload_size;
  const uint8_t *name;
  uint32_t name_len;
  if (!wi_read_u8(&r, &id) || !wi_read_u32(&r, &payload_size) ||
      !wi_read_name(&r, &name, &name_len)) {
    wi_put_bytes(w, section, size); /* not ours to judge: Binaryen decides */
    return;
  }
  wi_writer payload = {0};
  wi_put_name(&payload, name, name_len);
  while (wi_reader_left(&r) > 0) {
    size_t start = r.pos;
    wi_section sub;
    if (!wi_next_section(&r, &sub)) {
      wi_put_bytes(&payload, section + start, size - start); /* keep a malformed tail as is */
      break;
    }
    if (sub.id < FIRST_UNREAD_SUBSECTION) wi_put_bytes(&payload, section + start, r.pos - start);
  }
  wi_put_section(w, id, &payload);
}
