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
#define SITE_TABLE_VERSION 1u

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
  wi_reader site_table, names, imports, functions;
  bool has_site_table, has_names, has_imports, has_functions;
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

static wo_status read_site_table(wi_reader *r, wo_sites *s) {
  uint32_t version, count;
  if (!wi_read_u32(r, &version)) return WO_ERR_MALFORMED;
  if (version != SITE_TABLE_VERSION) return WO_ERR_UNSUPPORTED_VERSION;
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
  rc = by_index ? read_function_space(&m, s) : read_site_table(&m.site_table, s);
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
