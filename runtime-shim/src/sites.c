/* The site table of an instrumented module: from its `wasm-instrument.sites`
 * section (docs/hook-contract.md), or, for observe-sdk modules, from the
 * function index space named by the `name` section. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byte_reader.h"
#include "demangle_name.h"
#include "wasm_observe.h"

#define SITE_TABLE_SECTION "wasm-instrument.sites"
#define SITE_TABLE_V1 1u /* every string inline */
#define SITE_TABLE_V2 2u /* compact: a string pool, names by reference to the module */

struct wo_sites {
  wo_site *items;
  uint32_t count;
  char **strings; /* every string the sites point to */
  size_t string_count, string_capacity;
};

static const char *keep(wo_sites *s, char *copy) {
  if (!copy) return NULL;
  if (s->string_count == s->string_capacity) {
    size_t capacity = s->string_capacity ? s->string_capacity * 2 : 64;
    char **grown = realloc(s->strings, capacity * sizeof *grown);
    if (!grown) {
      free(copy);
      return NULL;
    }
    s->strings = grown;
    s->string_capacity = capacity;
  }
  s->strings[s->string_count++] = copy;
  return copy;
}

static const char *keep_bytes(wo_sites *s, const uint8_t *bytes, uint32_t len) {
  char *copy = malloc((size_t)len + 1);
  if (!copy) return NULL;
  memcpy(copy, bytes, len);
  copy[len] = '\0';
  return keep(s, copy);
}

void wo_sites_free(wo_sites *s) {
  if (!s) return;
  for (size_t i = 0; i < s->string_count; i++) free(s->strings[i]);
  free(s->strings);
  free(s->items);
  free(s);
}

uint32_t wo_sites_count(const wo_sites *s) { return s ? s->count : 0; }

const wo_site *wo_sites_get(const wo_sites *s, uint32_t id) {
  return s && id < s->count ? &s->items[id] : NULL;
}

/* The byte ranges of the sections this file needs. */
typedef struct {
  wi_reader site_table, names, imports, functions, exports;
  bool has_site_table, has_names, has_imports, has_functions, has_exports;
  bool observe_sdk; /* imports dylibso:observe/instrument: ids are function indices */
} module_sections;

static bool imports_observe_sdk(wi_reader r) {
  uint32_t count;
  if (!wi_read_u32(&r, &count)) return false;
  for (uint32_t i = 0; i < count; i++) {
    wi_import import;
    if (!wi_read_import(&r, &import)) return false;
    static const char observe[] = "dylibso:observe/instrument", legacy[] = "dylibso_observe";
    if ((import.module_len == sizeof observe - 1 && !memcmp(import.module, observe, import.module_len)) ||
        (import.module_len == sizeof legacy - 1 && !memcmp(import.module, legacy, import.module_len)))
      return true;
  }
  return false;
}

static bool custom_name_is(wi_reader *payload, const char *name) {
  const uint8_t *bytes;
  uint32_t len;
  return wi_read_name(payload, &bytes, &len) && len == strlen(name) && memcmp(bytes, name, len) == 0;
}

static wo_status find_sections(const uint8_t *wasm, size_t size, module_sections *out) {
  static const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  memset(out, 0, sizeof *out);
  if (size < 8 || memcmp(wasm, header, 8) != 0) return WO_ERR_NOT_WASM;
  wi_reader r = wi_reader_make(wasm, size);
  wi_skip(&r, 8);
  while (wi_reader_left(&r) > 0) {
    wi_section section;
    if (!wi_next_section(&r, &section)) return WO_ERR_NOT_WASM;
    wi_reader payload = section.payload;
    if (section.id == 2) {
      out->imports = payload;
      out->has_imports = true;
      out->observe_sdk = imports_observe_sdk(payload);
    } else if (section.id == 7) {
      out->exports = payload;
      out->has_exports = true;
    } else if (section.id == 3) {
      out->functions = payload;
      out->has_functions = true;
    } else if (section.id == 0) {
      wi_reader named = payload;
      if (custom_name_is(&named, SITE_TABLE_SECTION)) {
        out->site_table = named;
        out->has_site_table = true;
      }
      named = payload;
      if (custom_name_is(&named, "name")) {
        out->names = named;
        out->has_names = true;
      }
    }
  }
  return WO_OK;
}

static wo_status read_site_table_v1(wi_reader *r, wo_sites *s) {
  uint32_t count;
  /* Each site takes at least 8 bytes: a count beyond that is a lie. */
  if (!wi_read_u32(r, &count) || count > wi_reader_left(r) / 8) return WO_ERR_MALFORMED;
  s->items = calloc(count ? count : 1, sizeof *s->items);
  if (!s->items) return WO_ERR_NO_MEMORY;
  for (uint32_t i = 0; i < count; i++) {
    wo_site *site = &s->items[i];
    uint8_t kind, flags;
    uint32_t input_index, output_index;
    const uint8_t *strings[4];
    uint32_t lengths[4];
    if (!wi_read_u8(r, &kind) || !wi_read_u8(r, &flags) || !wi_read_u32(r, &input_index) ||
        !wi_read_u32(r, &output_index) || kind > WO_SITE_EXPORT)
      return WO_ERR_MALFORMED;
    for (int k = 0; k < 4; k++)
      if (!wi_read_name(r, &strings[k], &lengths[k])) return WO_ERR_MALFORMED;
    site->kind = (wo_site_kind)kind;
    site->function_index = output_index;
    site->name = keep_bytes(s, strings[0], lengths[0]);
    site->symbol = keep_bytes(s, strings[1], lengths[1]);
    site->module = keep_bytes(s, strings[2], lengths[2]);
    site->field = keep_bytes(s, strings[3], lengths[3]);
    if (!site->name || !site->symbol || !site->module || !site->field) return WO_ERR_NO_MEMORY;
    s->count = i + 1;
  }
  return WO_OK;
}

/* Function imports, with their module and field, in index order. */
static wo_status read_imports(wi_reader *r, wo_sites *s, uint32_t capacity) {
  uint32_t count;
  if (!wi_read_u32(r, &count)) return WO_ERR_MALFORMED;
  for (uint32_t i = 0; i < count; i++) {
    wi_import import;
    if (!wi_read_import(r, &import)) return WO_ERR_MALFORMED;
    if (import.kind != WI_IMPORT_FUNC) continue;
    if (s->count >= capacity) return WO_ERR_MALFORMED;
    wo_site *site = &s->items[s->count];
    site->kind = WO_SITE_IMPORT;
    site->function_index = s->count++;
    site->module = keep_bytes(s, import.module, import.module_len);
    site->field = keep_bytes(s, import.field, import.field_len);
    if (!site->module || !site->field) return WO_ERR_NO_MEMORY;
  }
  return WO_OK;
}

/* Names from the name section's function subsection, demangled. */
static wo_status read_function_names(wi_reader *r, wo_sites *s) {
  while (wi_reader_left(r) > 0) {
    wi_section subsection;
    if (!wi_next_section(r, &subsection)) return WO_ERR_MALFORMED;
    if (subsection.id != 1) continue;
    wi_reader sub = subsection.payload;
    uint32_t count;
    if (!wi_read_u32(&sub, &count)) return WO_ERR_MALFORMED;
    for (uint32_t i = 0; i < count; i++) {
      uint32_t index, len;
      const uint8_t *name;
      if (!wi_read_u32(&sub, &index) || !wi_read_name(&sub, &name, &len)) return WO_ERR_MALFORMED;
      if (index >= s->count || s->items[index].symbol) continue;
      s->items[index].symbol = keep_bytes(s, name, len);
      if (!s->items[index].symbol) return WO_ERR_NO_MEMORY;
      char *demangled = wo_demangle(s->items[index].symbol);
      s->items[index].name = demangled ? keep(s, demangled) : s->items[index].symbol;
      if (!s->items[index].name) return WO_ERR_NO_MEMORY;
    }
  }
  return WO_OK;
}

static char *format_index_name(uint32_t index) {
  char *name = malloc(24);
  if (name) {
    char digits[12];
    int n = 0;
    do digits[n++] = (char)('0' + index % 10); while ((index /= 10) > 0);
    memcpy(name, "func[", 5);
    for (int i = 0; i < n; i++) name[5 + i] = digits[n - 1 - i];
    memcpy(name + 5 + n, "]", 2);
  }
  return name;
}

static char *join_dotted(const wo_site *site) {
  size_t a = strlen(site->module), b = strlen(site->field);
  char *name = malloc(a + b + 2);
  if (name) {
    memcpy(name, site->module, a);
    name[a] = '.';
    memcpy(name + a + 1, site->field, b + 1);
  }
  return name;
}

/* observe-sdk ids are function indices: one site per function. */
static wo_status read_function_space(module_sections *m, wo_sites *s) {
  uint32_t defined = 0;
  wi_reader functions = m->functions;
  if (m->has_functions && !wi_read_u32(&functions, &defined)) return WO_ERR_MALFORMED;
  /* A function's type index takes at least a byte: a count beyond that is a lie. */
  if (defined > wi_reader_left(&functions)) return WO_ERR_MALFORMED;
  uint32_t imports_upper_bound = m->has_imports ? (uint32_t)wi_reader_left(&m->imports) / 4 : 0;
  uint32_t capacity = defined + imports_upper_bound;
  s->items = calloc(capacity ? capacity : 1, sizeof *s->items);
  if (!s->items) return WO_ERR_NO_MEMORY;
  wo_status rc = m->has_imports ? read_imports(&m->imports, s, capacity) : WO_OK;
  for (uint32_t i = 0; rc == WO_OK && i < defined; i++) {
    if (s->count >= capacity) return WO_ERR_MALFORMED;
    s->items[s->count].kind = WO_SITE_FUNCTION;
    s->items[s->count].function_index = s->count;
    s->items[s->count].module = s->items[s->count].field = "";
    s->count++;
  }
  if (rc == WO_OK) rc = read_function_names(&m->names, s);
  for (uint32_t i = 0; rc == WO_OK && i < s->count; i++) {
    wo_site *site = &s->items[i];
    if (!site->symbol) site->symbol = "";
    if (!site->name && site->kind == WO_SITE_IMPORT) site->name = keep(s, join_dotted(site));
    if (!site->name) site->name = keep(s, format_index_name(i));
    if (!site->name) rc = WO_ERR_NO_MEMORY;
  }
  return rc;
}

/* ---- version 2 ----------------------------------------------------------- */

/* A string of the module (or of the pool), copied on first use. */
typedef struct {
  const uint8_t *bytes;
  uint32_t len;
  const char *copy;
} lazy_string;

static const char *lazy_text(wo_sites *s, lazy_string *l) {
  if (!l->copy) l->copy = keep_bytes(s, l->bytes, l->len);
  return l->copy;
}

/* What a version 2 table names by reference: the module's exports (in
 * export section order), its function imports (in function index order) and
 * the name section's function names. */
typedef struct {
  lazy_string *pool, *exports, *import_modules, *import_fields, *names;
  const char **import_displays;
  uint32_t *name_indices; /* ascending */
  uint32_t pool_count, export_count, import_count, name_count;
} v2_refs;

static void v2_refs_free(v2_refs *v) {
  free(v->pool);
  free(v->exports);
  free(v->import_modules);
  free(v->import_fields);
  free(v->import_displays);
  free(v->names);
  free(v->name_indices);
}

/* The export section's names; a malformed section is a malformed module. */
static wo_status read_export_names(wi_reader r, v2_refs *v) {
  uint32_t count;
  /* An export takes at least 3 bytes (name length, kind, index). */
  if (!wi_read_u32(&r, &count) || count > wi_reader_left(&r) / 3) return WO_ERR_MALFORMED;
  v->exports = calloc(count ? count : 1, sizeof *v->exports);
  if (!v->exports) return WO_ERR_NO_MEMORY;
  for (uint32_t i = 0; i < count; i++) {
    uint8_t kind;
    uint32_t index;
    if (!wi_read_name(&r, &v->exports[i].bytes, &v->exports[i].len) || !wi_read_u8(&r, &kind) ||
        !wi_read_u32(&r, &index))
      return WO_ERR_MALFORMED;
  }
  v->export_count = count;
  return WO_OK;
}

static wo_status read_import_names(wi_reader r, v2_refs *v) {
  uint32_t count;
  /* An import takes at least 4 bytes. */
  if (!wi_read_u32(&r, &count) || count > wi_reader_left(&r) / 4) return WO_ERR_MALFORMED;
  size_t n = count ? count : 1;
  v->import_modules = calloc(n, sizeof *v->import_modules);
  v->import_fields = calloc(n, sizeof *v->import_fields);
  v->import_displays = calloc(n, sizeof *v->import_displays);
  if (!v->import_modules || !v->import_fields || !v->import_displays) return WO_ERR_NO_MEMORY;
  for (uint32_t i = 0; i < count; i++) {
    wi_import import;
    if (!wi_read_import(&r, &import)) return WO_ERR_MALFORMED;
    if (import.kind != WI_IMPORT_FUNC) continue;
    v->import_modules[v->import_count] = (lazy_string){import.module, import.module_len, NULL};
    v->import_fields[v->import_count++] = (lazy_string){import.field, import.field_len, NULL};
  }
  return WO_OK;
}

/* The function names subsection. Names are a convenience: a name section that
 * is malformed or out of order is ignored (its functions have no name). */
static wo_status read_name_refs(wi_reader r, v2_refs *v) {
  while (wi_reader_left(&r) > 0) {
    wi_section subsection;
    if (!wi_next_section(&r, &subsection)) return WO_OK;
    if (subsection.id != 1) continue;
    wi_reader sub = subsection.payload;
    uint32_t count;
    /* A name takes at least 2 bytes (index, length). */
    if (!wi_read_u32(&sub, &count) || count > wi_reader_left(&sub) / 2) return WO_OK;
    v->names = calloc(count ? count : 1, sizeof *v->names);
    v->name_indices = calloc(count ? count : 1, sizeof *v->name_indices);
    if (!v->names || !v->name_indices) return WO_ERR_NO_MEMORY;
    for (uint32_t i = 0; i < count; i++) {
      if (!wi_read_u32(&sub, &v->name_indices[i]) ||
          !wi_read_name(&sub, &v->names[i].bytes, &v->names[i].len) ||
          (i > 0 && v->name_indices[i] <= v->name_indices[i - 1])) {
        v->name_count = 0;
        return WO_OK;
      }
    }
    v->name_count = count;
    return WO_OK;
  }
  return WO_OK;
}

static lazy_string *name_of(v2_refs *v, uint32_t index) {
  uint32_t lo = 0, hi = v->name_count;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (v->name_indices[mid] < index) lo = mid + 1;
    else hi = mid;
  }
  return lo < v->name_count && v->name_indices[lo] == index ? &v->names[lo] : NULL;
}

/* The head byte of a site: kind (bits 0-1), flags (2-4: exported, start,
 * named), and how the rest is written. */
enum { HEAD_NAMED = 1u << 4, HEAD_INLINE = 1u << 5, HEAD_SAME_OFFSET = 1u << 6,
       HEAD_NEXT_EXPORT = 1u << 7 };

/* The inverse of the writer's zigzag step: a signed difference modulo 2^32. */
static uint32_t unzigzag(uint32_t z) { return (z >> 1) ^ (uint32_t)-(int32_t)(z & 1); }

static bool read_pool_ref(wi_reader *r, const v2_refs *v, uint32_t *out) {
  return wi_read_u32(r, out) && *out < v->pool_count;
}

/* One site in the by-reference form (docs/hook-contract.md). */
static wo_status resolve_site(wi_reader *r, wo_sites *s, v2_refs *v, wo_site *site,
                              uint32_t input_index, uint8_t head, uint32_t *previous_export) {
  if ((head & HEAD_NEXT_EXPORT) && site->kind == WO_SITE_IMPORT) return WO_ERR_MALFORMED;
  lazy_string *named = (head & HEAD_NAMED) ? name_of(v, site->function_index) : NULL;
  site->symbol = named ? lazy_text(s, named) : "";
  site->module = site->field = "";
  if (site->kind == WO_SITE_FUNCTION) {
    uint32_t display = 6; /* next_export: 2z + 2 with z = 2, the zigzag of a step of +1 */
    if (!(head & HEAD_NEXT_EXPORT) && !wi_read_u32(r, &display)) return WO_ERR_MALFORMED;
    if (display == 0) {
      site->name = named ? site->symbol : keep(s, format_index_name(input_index));
    } else if (display & 1) {
      if (display / 2 >= v->pool_count) return WO_ERR_MALFORMED;
      site->name = lazy_text(s, &v->pool[display / 2]);
    } else {
      *previous_export += unzigzag(display / 2 - 1);
      if (*previous_export >= v->export_count) return WO_ERR_MALFORMED;
      site->name = lazy_text(s, &v->exports[*previous_export]);
    }
  } else if (site->kind == WO_SITE_IMPORT) {
    uint32_t i = site->function_index;
    if (i >= v->import_count) return WO_ERR_MALFORMED;
    site->module = lazy_text(s, &v->import_modules[i]);
    site->field = lazy_text(s, &v->import_fields[i]);
    if (!site->module || !site->field) return WO_ERR_NO_MEMORY;
    if (!v->import_displays[i]) v->import_displays[i] = keep(s, join_dotted(site));
    site->name = v->import_displays[i];
  } else {
    uint32_t step = 1;
    if (!(head & HEAD_NEXT_EXPORT) && !wi_read_u32(r, &step)) return WO_ERR_MALFORMED;
    *previous_export += (head & HEAD_NEXT_EXPORT) ? 1 : unzigzag(step);
    if (*previous_export >= v->export_count) return WO_ERR_MALFORMED;
    site->name = site->field = lazy_text(s, &v->exports[*previous_export]);
  }
  return site->name && site->symbol && site->field ? WO_OK : WO_ERR_NO_MEMORY;
}

static wo_status read_sites_v2(wi_reader *r, wo_sites *s, v2_refs *v) {
  uint32_t count;
  /* Read the counts first: each string takes at least a byte, each site 2. */
  if (!wi_read_u32(r, &count) || count > wi_reader_left(r) / 2) return WO_ERR_MALFORMED;
  if (!wi_read_u32(r, &v->pool_count) || v->pool_count > wi_reader_left(r)) return WO_ERR_MALFORMED;
  v->pool = calloc(v->pool_count ? v->pool_count : 1, sizeof *v->pool);
  s->items = calloc(count ? count : 1, sizeof *s->items);
  if (!v->pool || !s->items) return WO_ERR_NO_MEMORY;
  for (uint32_t i = 0; i < v->pool_count; i++)
    if (!wi_read_name(r, &v->pool[i].bytes, &v->pool[i].len)) return WO_ERR_MALFORMED;
  uint32_t input_index = 0, offset = 0, previous_export = 0;
  for (uint32_t i = 0; i < count; i++) {
    wo_site *site = &s->items[i];
    uint8_t head;
    uint32_t input_step, output_step = 0;
    if (!wi_read_u8(r, &head) || !wi_read_u32(r, &input_step) ||
        (!(head & HEAD_SAME_OFFSET) && !wi_read_u32(r, &output_step)))
      return WO_ERR_MALFORMED;
    uint8_t kind = head & 3;
    if (kind > WO_SITE_EXPORT) return WO_ERR_MALFORMED;
    input_index += unzigzag(input_step);
    if (!(head & HEAD_SAME_OFFSET)) offset = unzigzag(output_step);
    site->kind = (wo_site_kind)kind;
    site->function_index = input_index + offset;
    wo_status rc;
    if (head & HEAD_INLINE) {
      if (head & HEAD_NEXT_EXPORT) return WO_ERR_MALFORMED;
      uint32_t refs[4];
      for (int k = 0; k < 4; k++)
        if (!read_pool_ref(r, v, &refs[k])) return WO_ERR_MALFORMED;
      site->name = lazy_text(s, &v->pool[refs[0]]);
      site->symbol = lazy_text(s, &v->pool[refs[1]]);
      site->module = lazy_text(s, &v->pool[refs[2]]);
      site->field = lazy_text(s, &v->pool[refs[3]]);
      rc = site->name && site->symbol && site->module && site->field ? WO_OK : WO_ERR_NO_MEMORY;
    } else {
      rc = resolve_site(r, s, v, site, input_index, head, &previous_export);
    }
    if (rc != WO_OK) return rc;
    s->count = i + 1;
  }
  return wi_reader_left(r) == 0 ? WO_OK : WO_ERR_MALFORMED;
}

static wo_status read_site_table(const module_sections *m, wo_sites *s) {
  wi_reader r = m->site_table;
  uint32_t version;
  if (!wi_read_u32(&r, &version)) return WO_ERR_MALFORMED;
  if (version == SITE_TABLE_V1) return read_site_table_v1(&r, s);
  if (version != SITE_TABLE_V2) return WO_ERR_UNSUPPORTED_VERSION;
  v2_refs v = {0};
  wo_status rc = m->has_exports ? read_export_names(m->exports, &v) : WO_OK;
  if (rc == WO_OK && m->has_imports) rc = read_import_names(m->imports, &v);
  if (rc == WO_OK && m->has_names) rc = read_name_refs(m->names, &v);
  if (rc == WO_OK) rc = read_sites_v2(&r, s, &v);
  v2_refs_free(&v);
  return rc;
}

wo_status wo_sites_from_module(const uint8_t *wasm, size_t size, wo_sites **out) {
  *out = NULL;
  if (!wasm) return WO_ERR_INVALID_ARGUMENT;
  module_sections m;
  wo_status rc = find_sections(wasm, size, &m);
  if (rc != WO_OK) return rc;
  if (!m.has_site_table && !m.has_names && !m.observe_sdk) return WO_ERR_NO_SITE_TABLE;
  wo_sites *s = calloc(1, sizeof *s);
  if (!s) return WO_ERR_NO_MEMORY;
  /* Under the observe-sdk ABI the ids are function indices even where
   * wasm-instrument also wrote its site table; the name section names them. */
  bool by_index = m.observe_sdk || !m.has_site_table;
  rc = by_index ? read_function_space(&m, s) : read_site_table(&m, s);
  if (rc != WO_OK) {
    wo_sites_free(s);
    return rc;
  }
  *out = s;
  return WO_OK;
}

wo_status wo_sites_from_file(const char *path, wo_sites **out) {
  *out = NULL;
  if (!path) return WO_ERR_INVALID_ARGUMENT;
  FILE *f = fopen(path, "rb");
  if (!f) return WO_ERR_IO;
  size_t capacity = 1 << 16, size = 0;
  uint8_t *bytes = malloc(capacity);
  bool out_of_memory = !bytes;
  while (!out_of_memory) {
    if (size == capacity) {
      uint8_t *grown = realloc(bytes, capacity * 2);
      out_of_memory = !grown;
      if (out_of_memory) break;
      bytes = grown;
      capacity *= 2;
    }
    size_t n = fread(bytes + size, 1, capacity - size, f);
    size += n;
    if (n == 0) break;
  }
  bool read_error = ferror(f);
  fclose(f);
  if (out_of_memory || read_error) {
    free(bytes);
    return out_of_memory ? WO_ERR_NO_MEMORY : WO_ERR_IO;
  }
  wo_status rc = wo_sites_from_module(bytes, size, out);
  free(bytes);
  return rc;
}
