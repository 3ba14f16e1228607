#include "component_names.h"

#include <stdlib.h>
#include <string.h>

#include "byte_reader.h"
#include "byte_writer.h"

bool wi_custom_section_is(const wi_csection *s, const char *name) {
  if (s->id != WI_CSEC_CUSTOM) return false;
  uint32_t len;
  size_t data_offset;
  const uint8_t *n = wi_custom_section_name(s, &len, &data_offset);
  return n && len == strlen(name) && memcmp(n, name, len) == 0;
}

/* Positions the reader after the section's name. */
static wi_reader names_reader(const wi_csection *s) {
  uint32_t len;
  size_t data_offset = 0;
  wi_custom_section_name(s, &len, &data_offset);
  wi_reader r = wi_reader_make(s->payload, s->size);
  r.pos = data_offset;
  return r;
}

/* Reads a sort (one byte, two for a core sort) and returns its space, or -1. */
static int read_sort(wi_reader *r, uint8_t sort_bytes[2], size_t *sort_len) {
  uint8_t sort, core_sort = 0;
  *sort_len = 0;
  if (!wi_read_u8(r, &sort)) return -1;
  *sort_len = 1;
  sort_bytes[0] = sort;
  if (sort == 0x00) {
    if (!wi_read_u8(r, &core_sort)) return -1;
    sort_bytes[1] = core_sort;
    *sort_len = 2;
  }
  return wi_sort_space(sort, core_sort);
}

bool wi_component_core_module_names(const wi_csection *s, char **names, size_t count) {
  wi_reader r = names_reader(s);
  while (wi_reader_left(&r) > 0) {
    uint8_t id;
    uint32_t size;
    if (!wi_read_u8(&r, &id) || !wi_read_u32(&r, &size) || size > wi_reader_left(&r)) return false;
    wi_reader sub = wi_reader_make(r.data + r.pos, size);
    r.pos += size;
    if (id != 1) continue;
    uint8_t sort_bytes[2];
    size_t sort_len;
    if (read_sort(&sub, sort_bytes, &sort_len) != WI_SPACE_CORE_MODULE) continue;
    uint32_t entries;
    if (!wi_read_u32(&sub, &entries)) return false;
    for (uint32_t i = 0; i < entries; i++) {
      uint32_t index, len;
      const uint8_t *name;
      if (!wi_read_u32(&sub, &index) || !wi_read_name(&sub, &name, &len)) return false;
      if (index >= count || names[index]) continue;
      names[index] = malloc((size_t)len + 1);
      if (!names[index]) return false;
      memcpy(names[index], name, len);
      names[index][len] = '\0';
    }
  }
  return r.ok;
}

/* Writes one namemap entry per fragment name of `space` (they are in index order). */
static size_t fragment_names_of(const wi_fragment *f, wi_space space) {
  size_t n = 0;
  for (size_t i = 0; f && i < f->name_count; i++) n += f->names[i].space == space;
  return n;
}

static void put_fragment_names_below(wi_writer *w, const wi_fragment *f, wi_space space,
                                     uint32_t limit, size_t *next) {
  for (; f && *next < f->name_count; (*next)++) {
    const wi_fragment_name *n = &f->names[*next];
    if (n->space != space) continue;
    if (n->index >= limit) break;
    wi_put_u32(w, n->index);
    wi_put_cstr(w, n->name);
  }
}

/* Rewrites one sort's namemap (`sub` is positioned after the sort). */
static bool rewrite_namemap(wi_reader *sub, wi_writer *w, int space, const wi_index_shift *shift,
                            const wi_fragment *f) {
  uint32_t entries;
  if (!wi_read_u32(sub, &entries)) return false;
  size_t extra = space >= 0 ? fragment_names_of(f, (wi_space)space) : 0;
  wi_put_u32(w, entries + (uint32_t)extra);
  size_t next = 0;
  for (uint32_t i = 0; i < entries; i++) {
    uint32_t index, len;
    const uint8_t *name;
    if (!wi_read_u32(sub, &index) || !wi_read_name(sub, &name, &len)) return false;
    uint32_t moved = space >= 0 ? wi_shift_index(shift, (wi_space)space, index) : index;
    if (space >= 0) put_fragment_names_below(w, f, (wi_space)space, moved, &next);
    wi_put_u32(w, moved);
    wi_put_name(w, name, len);
  }
  if (space >= 0) put_fragment_names_below(w, f, (wi_space)space, UINT32_MAX, &next);
  return wi_reader_left(sub) == 0;
}

static void put_sort(wi_writer *w, wi_space space) {
  static const uint8_t core_sorts[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x10, 0x11, 0x12};
  uint8_t bytes[2];
  size_t n;
  if (space <= WI_SPACE_CORE_INSTANCE) {
    bytes[0] = 0x00;
    bytes[1] = core_sorts[space];
    n = 2;
  } else {
    bytes[0] = (uint8_t)(space - WI_SPACE_FUNC + 1); /* func 1, value 2, type 3, component 4, instance 5 */
    n = 1;
  }
  wi_put_bytes(w, bytes, n);
}

uint8_t *wi_component_names_rewrite(const wi_csection *s, const wi_index_shift *shift,
                                    const wi_fragment *f, size_t *size, bool *malformed) {
  *malformed = false;
  wi_reader r = names_reader(s);
  wi_writer out = {0};
  wi_put_cstr(&out, WI_COMPONENT_NAME_SECTION);
  bool seen[WI_SPACE_COUNT] = {false};
  bool ok = true;
  while (ok && wi_reader_left(&r) > 0) {
    uint8_t id;
    uint32_t sub_size;
    if (!wi_read_u8(&r, &id) || !wi_read_u32(&r, &sub_size) || sub_size > wi_reader_left(&r)) {
      ok = false;
      break;
    }
    wi_reader sub = wi_reader_make(r.data + r.pos, sub_size);
    r.pos += sub_size;
    wi_writer payload = {0};
    if (id == 1) {
      uint8_t sort_bytes[2];
      size_t sort_len;
      int space = read_sort(&sub, sort_bytes, &sort_len);
      if (space >= 0) seen[space] = true;
      wi_put_bytes(&payload, sort_bytes, sort_len);
      ok = sub.ok && rewrite_namemap(&sub, &payload, space, shift, f);
    } else {
      wi_put_bytes(&payload, sub.data, sub_size); /* the component's own name, or unknown */
    }
    wi_put_section(&out, id, &payload);
  }
  for (int space = 0; ok && space < WI_SPACE_COUNT; space++) {
    if (seen[space] || fragment_names_of(f, (wi_space)space) == 0) continue;
    wi_writer payload = {0};
    put_sort(&payload, (wi_space)space);
    wi_put_u32(&payload, (uint32_t)fragment_names_of(f, (wi_space)space));
    size_t next = 0;
    put_fragment_names_below(&payload, f, (wi_space)space, UINT32_MAX, &next);
    wi_put_section(&out, 1, &payload);
  }
  if (!ok) {
    *malformed = true;
    free(out.data);
    return NULL;
  }
  return wi_writer_take(&out, true, size);
}
