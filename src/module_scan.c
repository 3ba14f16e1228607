#include "module_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byte_reader.h"
#include "byte_writer.h"
#include "name_section.h"

#define SITE_TABLE_SECTION "wasm-instrument.sites"

enum { SEC_CUSTOM = 0, SEC_TYPE = 1, SEC_IMPORT = 2, SEC_FUNCTION = 3, SEC_START = 8, SEC_CODE = 10,
       SEC_DATA_COUNT = 12, SEC_TAG = 13, SEC_LAST_KNOWN = 13 };

static bool name_is(const uint8_t *name, uint32_t len, const char *text) {
  return len == strlen(text) && memcmp(name, text, len) == 0;
}

static bool name_has_prefix(const uint8_t *name, uint32_t len, const char *prefix) {
  size_t n = strlen(prefix);
  return len >= n && memcmp(name, prefix, n) == 0;
}

/* The place of each known section id in the order the spec requires
 * (DataCount before code, tag between memory and global). */
static int section_rank(uint8_t id) {
  static const int rank[14] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6};
  return id < 14 ? rank[id] : -1;
}

static int malformed(char *why, size_t why_size, const char *what, size_t offset) {
  snprintf(why, why_size, "malformed module: %s (at byte offset %zu)", what, offset);
  return WI_SCAN_MALFORMED;
}

/* Says what is wrong with the section header at `start`. */
static int truncated_section(const uint8_t *data, size_t size, size_t start, char *why,
                             size_t why_size) {
  wi_reader header = wi_reader_make(data, size);
  header.pos = start;
  uint8_t id;
  uint32_t claimed;
  if (!wi_read_u8(&header, &id) || !wi_read_u32(&header, &claimed))
    return malformed(why, why_size, "truncated section header", start);
  char what[96];
  snprintf(what, sizeof what, "section %u claims %u bytes but only %zu remain", id, claimed,
           wi_reader_left(&header));
  return malformed(why, why_size, what, start);
}


static bool is_observe_sdk_module(const uint8_t *name, uint32_t len) {
  return name_is(name, len, "dylibso:observe/instrument") || name_is(name, len, "dylibso_observe");
}

static int scan_imports(wi_reader *r, wi_module_scan *out) {
  uint32_t count;
  if (!wi_read_u32(r, &count)) return -1;
  for (uint32_t i = 0; i < count; i++) {
    wi_import import;
    if (!wi_read_import(r, &import)) return -1;
    if (is_observe_sdk_module(import.module, import.module_len) ||
        name_is(import.module, import.module_len, "wasm-instrument:hooks/trace@0.1.0"))
      out->already_instrumented = true;
    if (import.kind == WI_IMPORT_FUNC) out->imported_funcs++;
    if (import.kind == WI_IMPORT_TAG) out->uses_exceptions = true;
  }
  return 0;
}

/* Typed references are encoded as 0x63/0x64 followed by a heap type. */
static bool is_typed_reference(uint8_t code) { return code == 0x63 || code == 0x64; }

/* Notes typed references in function signatures; any other form of type
 * (struct, array, rec, sub) is GC. A type section it cannot follow counts as
 * using them, which only turns a workaround off. */
static void scan_types(wi_reader r, wi_module_scan *out) {
  uint32_t count;
  if (!wi_read_u32(&r, &count)) {
    out->uses_typed_references = true;
    return;
  }
  for (uint32_t i = 0; i < count && !out->uses_typed_references; i++) {
    uint8_t form;
    if (!wi_read_u8(&r, &form) || form != 0x60) {
      out->uses_typed_references = true;
      return;
    }
    for (int vector = 0; vector < 2; vector++) {
      uint32_t n;
      if (!wi_read_u32(&r, &n)) {
        out->uses_typed_references = true;
        return;
      }
      for (uint32_t k = 0; k < n; k++) {
        uint8_t code = r.pos < r.size ? r.data[r.pos] : 0;
        if (is_typed_reference(code)) out->uses_typed_references = true;
        if (!wi_skip_ref_type(&r)) {
          out->uses_typed_references = true;
          return;
        }
      }
    }
  }
}

/* The number of locals a body declares (saturating), from its local
 * declarations: a vector of (count, value type). */
static bool count_locals(wi_reader body, uint32_t *total, bool *typed) {
  uint32_t groups;
  uint64_t sum = 0;
  if (!wi_read_u32(&body, &groups)) return false;
  for (uint32_t i = 0; i < groups; i++) {
    uint32_t count;
    if (!wi_read_u32(&body, &count)) return false;
    if (body.pos < body.size && is_typed_reference(body.data[body.pos])) *typed = true;
    if (!wi_skip_ref_type(&body)) return false;
    sum += count;
  }
  *total = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
  return true;
}

static int scan_code(wi_reader *r, wi_module_scan *out) {
  uint32_t count;
  if (!wi_read_u32(r, &count)) return -1;
  if (count != out->defined_funcs) return -2;
  free(out->body_sizes);
  free(out->local_counts);
  out->body_sizes = calloc(count ? count : 1, sizeof *out->body_sizes);
  out->local_counts = calloc(count ? count : 1, sizeof *out->local_counts);
  if (!out->body_sizes || !out->local_counts) return -3;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t body_size;
    if (!wi_read_u32(r, &body_size) || body_size > wi_reader_left(r)) return -1;
    wi_reader body = wi_reader_make(r->data, r->pos + body_size);
    body.pos = r->pos;
    if (!count_locals(body, &out->local_counts[i], &out->uses_typed_references)) return -1;
    wi_skip(r, body_size);
    out->body_sizes[i] = body_size;
  }
  return 0;
}

/* Reads function names (name subsection 1). Bad entries are ignored: the
 * name section is advisory and Binaryen decides what it accepts. */
static int scan_name_section(wi_reader *r, wi_module_scan *out) {
  uint32_t total = out->imported_funcs + out->defined_funcs;
  while (r->ok && wi_reader_left(r) > 0) {
    wi_section subsection;
    if (!wi_next_section(r, &subsection)) return 0;
    if (subsection.id != WI_FUNCTION_NAMES) continue;
    wi_reader sub = subsection.payload;
    uint32_t count;
    if (!wi_read_u32(&sub, &count)) return 0;
    if (!out->func_names && total > 0) {
      out->func_names = calloc(total, sizeof *out->func_names);
      if (!out->func_names) return -3;
      out->func_name_count = total;
    }
    for (uint32_t i = 0; i < count; i++) {
      uint32_t index, len;
      const uint8_t *name;
      if (!wi_read_u32(&sub, &index) || !wi_read_name(&sub, &name, &len)) return 0;
      if (index >= out->func_name_count || out->func_names[index] || len == 0) continue;
      char *copy = malloc((size_t)len + 1);
      if (!copy) return -3;
      memcpy(copy, name, len);
      copy[len] = '\0';
      out->func_names[index] = copy;
    }
  }
  return 0;
}

static bool target_features_has_eh(wi_reader r) {
  uint32_t count;
  if (!wi_read_u32(&r, &count)) return false;
  for (uint32_t i = 0; i < count; i++) {
    uint8_t prefix;
    const uint8_t *name;
    uint32_t len;
    if (!wi_read_u8(&r, &prefix) || !wi_read_name(&r, &name, &len)) return false;
    if (prefix == '+' && name_is(name, len, "exception-handling")) return true;
  }
  return false;
}

static int add_custom(wi_module_scan *out, wi_custom_section section) {
  wi_custom_section *grown = realloc(out->customs, (out->custom_count + 1) * sizeof *grown);
  if (!grown) return -3;
  out->customs = grown;
  out->customs[out->custom_count++] = section;
  return 0;
}

static int scan_custom(wi_reader *payload, size_t start, size_t end, wi_module_scan *out) {
  const uint8_t *name;
  uint32_t len;
  if (!wi_read_name(payload, &name, &len)) return -1;
  wi_custom_section section = {false, false, false, start, end};
  if (name_has_prefix(name, len, ".debug_") || name_is(name, len, "sourceMappingURL") ||
      name_is(name, len, "external_debug_info")) {
    section.is_debug = true;
    out->debug_section_count++;
  } else if (name_is(name, len, "producers")) {
    section.is_producers = true;
    out->producers = payload->data + payload->pos;
    out->producers_size = wi_reader_left(payload);
  } else if (name_is(name, len, "name")) {
    section.is_name = true;
    int rc = scan_name_section(payload, out);
    if (rc) return rc;
  } else if (name_is(name, len, "target_features")) {
    out->has_target_features = true;
    if (target_features_has_eh(*payload)) out->uses_exceptions = true;
  } else if (name_is(name, len, "linking") || name_has_prefix(name, len, "reloc.")) {
    out->is_relocatable = true;
  } else if (name_is(name, len, SITE_TABLE_SECTION)) {
    out->already_instrumented = true;
  }
  return add_custom(out, section);
}

int wi_scan_module(const uint8_t *data, size_t size, wi_module_scan *out, char *why,
                   size_t why_size) {
  memset(out, 0, sizeof *out);
  static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6d};
  if (size == 0) {
    snprintf(why, why_size, "empty file, not a WebAssembly binary");
    return WI_SCAN_NOT_WASM;
  }
  if (size < 4 || memcmp(data, magic, 4) != 0) {
    snprintf(why, why_size, "not a WebAssembly binary (no \\0asm magic)");
    return WI_SCAN_NOT_WASM;
  }
  if (size < 8) return malformed(why, why_size, "truncated header", size);
  if (data[4] == 0x0d && data[5] == 0x00 && data[6] == 0x01 && data[7] == 0x00) {
    snprintf(why, why_size,
             "this is a WebAssembly component; wasm-instrument handles core modules only "
             "for now");
    return WI_SCAN_COMPONENT;
  }
  if (!(data[4] == 1 && data[5] == 0 && data[6] == 0 && data[7] == 0)) {
    snprintf(why, why_size, "unsupported binary version %u (only core modules, version 1)",
             (unsigned)(data[4] | data[5] << 8 | data[6] << 16 | (unsigned)data[7] << 24));
    return WI_SCAN_BAD_VERSION;
  }
  wi_reader r = wi_reader_make(data, size);
  wi_skip(&r, 8);
  bool have_code = false;
  int last_rank = 0;
  while (wi_reader_left(&r) > 0) {
    wi_section section;
    size_t start = r.pos;
    if (!wi_next_section(&r, &section)) return truncated_section(data, size, start, why, why_size);
    uint8_t id = section.id;
    if (id > SEC_LAST_KNOWN) {
      char what[64];
      snprintf(what, sizeof what, "unknown section id %u", id);
      return malformed(why, why_size, what, start);
    }
    if (id != SEC_CUSTOM) {
      if (section_rank(id) <= last_rank) {
        char what[64];
        snprintf(what, sizeof what, "section %u is out of order or repeated", id);
        return malformed(why, why_size, what, start);
      }
      last_rank = section_rank(id);
    }
    wi_reader payload = section.payload;
    uint32_t section_size = (uint32_t)wi_reader_left(&payload);
    int rc = 0;
    switch (id) {
      case SEC_CUSTOM:
        rc = scan_custom(&payload, start, r.pos, out);
        break;
      case SEC_TYPE:
        scan_types(payload, out);
        break;
      case SEC_IMPORT:
        rc = scan_imports(&payload, out);
        break;
      case SEC_FUNCTION:
        /* Each function takes at least a byte: a larger count is a lie that
         * would make the name table huge. */
        rc = wi_read_u32(&payload, &out->defined_funcs) &&
                     out->defined_funcs <= wi_reader_left(&payload)
                 ? 0
                 : -1;
        break;
      case SEC_START:
        rc = wi_read_u32(&payload, &out->start_index) ? 0 : -1;
        out->has_start = rc == 0;
        break;
      case SEC_CODE:
        rc = scan_code(&payload, out);
        out->code_section_size = section_size;
        have_code = true;
        break;
      case SEC_DATA_COUNT:
        out->has_data_count = true;
        break;
      case SEC_TAG:
        out->uses_exceptions = true;
        break;
      default:
        break;
    }
    if (rc == -3) {
      snprintf(why, why_size, "out of memory");
      return WI_SCAN_NO_MEMORY;
    }
    if (rc == -2) return malformed(why, why_size, "code and function section counts differ", start);
    if (rc != 0) {
      char what[64];
      snprintf(what, sizeof what, "bad contents in section %u", id);
      return malformed(why, why_size, what, payload.pos);
    }
  }
  if (out->defined_funcs > 0 && !have_code)
    return malformed(why, why_size, "function section without a code section", size);
  return WI_SCAN_OK;
}

void wi_scan_free(wi_module_scan *scan) {
  for (uint32_t i = 0; i < scan->func_name_count; i++) free(scan->func_names[i]);
  free(scan->func_names);
  free(scan->body_sizes);
  free(scan->local_counts);
  free(scan->customs);
  memset(scan, 0, sizeof *scan);
}

const char *wi_scan_func_name(const wi_module_scan *scan, uint32_t index) {
  return index < scan->func_name_count ? scan->func_names[index] : NULL;
}

bool wi_strip_changes(const wi_module_scan *scan, bool drop_debug, bool drop_producers) {
  for (size_t i = 0; i < scan->custom_count; i++) {
    const wi_custom_section *s = &scan->customs[i];
    if ((drop_debug && s->is_debug) || (drop_producers && s->is_producers) || s->is_name)
      return true;
  }
  return false;
}

uint8_t *wi_strip_custom_sections(const uint8_t *data, size_t size, const wi_module_scan *scan,
                                  bool drop_debug, bool drop_producers, size_t *out_size) {
  wi_writer w = {0};
  size_t from = 0;
  for (size_t i = 0; i < scan->custom_count; i++) {
    const wi_custom_section *s = &scan->customs[i];
    bool drop = (drop_debug && s->is_debug) || (drop_producers && s->is_producers);
    if (!drop && !s->is_name) continue;
    wi_put_bytes(&w, data + from, s->start - from);
    from = s->end;
    if (s->is_name) wi_put_name_section_for_binaryen(&w, data + s->start, s->end - s->start);
  }
  wi_put_bytes(&w, data + from, size - from);
  return wi_writer_take(&w, true, out_size);
}
