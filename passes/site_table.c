#include "site_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byte_writer.h"
#include "name_map.h"

uint32_t wi_site_table_add(wi_site_table *t, const wi_site *site) {
  if (t->count == t->capacity) {
    size_t capacity = t->capacity ? t->capacity * 2 : 64;
    wi_site *grown = realloc(t->items, capacity * sizeof *grown);
    if (!grown) return UINT32_MAX;
    t->items = grown;
    t->capacity = capacity;
  }
  t->items[t->count] = *site;
  return (uint32_t)t->count++;
}

void wi_site_table_free(wi_site_table *t) {
  free(t->items);
  memset(t, 0, sizeof *t);
}

const char *wi_site_kind_name(wi_site_kind kind) {
  switch (kind) {
    case WI_SITE_FUNCTION: return "function";
    case WI_SITE_IMPORT: return "import";
    case WI_SITE_EXPORT: return "export";
  }
  return "?";
}

uint8_t *wi_site_table_encode(const wi_site_table *t, size_t *size) {
  wi_writer b = {0};
  wi_put_u32(&b, WI_SITE_TABLE_VERSION);
  wi_put_u32(&b, (uint32_t)t->count);
  for (size_t i = 0; i < t->count; i++) {
    const wi_site *s = &t->items[i];
    uint8_t head[2] = {(uint8_t)s->kind, s->flags};
    wi_put_bytes(&b, head, 2);
    wi_put_u32(&b, s->input_index);
    wi_put_u32(&b, s->output_index);
    wi_put_cstr(&b, s->display);
    wi_put_cstr(&b, s->symbol);
    wi_put_cstr(&b, s->module);
    wi_put_cstr(&b, s->field);
  }
  if (b.failed) {
    free(b.data);
    return NULL;
  }
  *size = b.size;
  return b.data;
}

/* ---- version 2 -------------------------------------------------------------
 * Every step is a signed difference, zigzag-encoded into an unsigned LEB128,
 * so that the usual small steps take one byte. */

/* The head byte: kind (bits 0-1), flags (2-4), and these. */
enum { HEAD_INLINE = 1u << 5, HEAD_SAME_OFFSET = 1u << 6, HEAD_NEXT_EXPORT = 1u << 7 };

static uint32_t zigzag(uint32_t to, uint32_t from) {
  uint32_t d = to - from; /* modulo 2^32, as the readers add it back */
  return (d << 1) ^ (uint32_t)-(int32_t)(d >> 31);
}

typedef struct {
  wi_name_map index; /* string -> pool index */
  const char **items;
  size_t count, capacity;
  bool failed;
} string_pool;

static uint32_t pool_add(string_pool *p, const char *s) {
  uint32_t index;
  if (wi_name_map_get(&p->index, s, &index)) return index;
  if (p->count == p->capacity) {
    size_t capacity = p->capacity ? p->capacity * 2 : 64;
    const char **grown = realloc(p->items, capacity * sizeof *grown);
    if (!grown) {
      p->failed = true;
      return 0;
    }
    p->items = grown;
    p->capacity = capacity;
  }
  index = (uint32_t)p->count;
  if (!wi_name_map_put(&p->index, s, index)) {
    p->failed = true;
    return 0;
  }
  p->items[p->count++] = s;
  return index;
}

/* The output name section's name of function `index`, or NULL. */
static const char *name_at(const wi_site_refs *refs, uint32_t index) {
  size_t lo = 0, hi = refs->name_count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (refs->names[mid].index < index) lo = mid + 1;
    else hi = mid;
  }
  return lo < refs->name_count && refs->names[lo].index == index ? refs->names[lo].name : NULL;
}

/* What a by-reference site stands for: the readers' rules, written once. */
static const char *referenced_symbol(const wi_site_refs *refs, const wi_site *s) {
  if (!(s->flags & WI_FLAG_NAMED)) return "";
  return name_at(refs, s->output_index);
}

static bool is_index_name(const char *display, uint32_t index) {
  char expected[24];
  snprintf(expected, sizeof expected, "func[%u]", index);
  return strcmp(display, expected) == 0;
}

static bool same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

/* The display reference of a function site: 0 the default, 2k+1 pool string
 * k, 2z+2 the name of the export `z` steps from the previous one named; none
 * (*next set) for the export right after the previous one named. */
static uint32_t function_display(const wi_site_refs *refs, const wi_name_map *exports,
                                 string_pool *pool, const wi_site *s, uint32_t *previous_export,
                                 bool *next) {
  const char *symbol = referenced_symbol(refs, s);
  if ((s->flags & WI_FLAG_NAMED) ? same(symbol, s->display) : is_index_name(s->display, s->input_index))
    return 0;
  uint32_t export_index;
  if (wi_name_map_get(exports, s->display, &export_index)) {
    *next = export_index == *previous_export + 1;
    uint32_t z = zigzag(export_index, *previous_export);
    if (*next || z < UINT32_MAX / 2) {
      *previous_export = export_index;
      return *next ? 0 : 2 * z + 2;
    }
  }
  return 2 * pool_add(pool, s->display) + 1;
}

/* Whether the by-reference form reproduces the site's strings (the import's
 * module and field are the output's own: the rewriter keeps every import). */
static bool by_reference(const wi_site_refs *refs, const wi_name_map *exports, const wi_site *s,
                         uint32_t *export_index) {
  if (!same(referenced_symbol(refs, s), s->symbol)) return false;
  switch (s->kind) {
    case WI_SITE_FUNCTION:
      return s->module[0] == 0 && s->field[0] == 0;
    case WI_SITE_IMPORT: {
      size_t m = strlen(s->module);
      return strncmp(s->display, s->module, m) == 0 && s->display[m] == '.' &&
             strcmp(s->display + m + 1, s->field) == 0;
    }
    case WI_SITE_EXPORT:
      return s->module[0] == 0 && same(s->display, s->field) &&
             wi_name_map_get(exports, s->field, export_index);
  }
  return false;
}

uint8_t *wi_site_table_encode_v2(const wi_site_table *t, const wi_site_refs *refs, size_t *size) {
  wi_name_map exports = {0};
  string_pool pool = {0};
  wi_writer sites = {0};
  bool ok = true;
  for (size_t i = refs->export_count; ok && i-- > 0;)
    ok = wi_name_map_put(&exports, refs->export_names[i], (uint32_t)i);
  /* The state the steps are relative to (docs/hook-contract.md). */
  uint32_t previous_input = 0, previous_offset = 0, previous_export = 0;
  for (size_t i = 0; ok && i < t->count; i++) {
    const wi_site *s = &t->items[i];
    uint32_t export_index = 0;
    bool inline_names = !by_reference(refs, &exports, s, &export_index);
    uint32_t display = 0;
    bool next_export = false;
    if (!inline_names && s->kind == WI_SITE_FUNCTION)
      display = function_display(refs, &exports, &pool, s, &previous_export, &next_export);
    uint32_t offset = s->output_index - s->input_index;
    bool same_offset = offset == previous_offset;
    if (!inline_names && s->kind == WI_SITE_EXPORT) next_export = export_index == previous_export + 1;
    uint8_t head = (uint8_t)(s->kind | (s->flags & 7u) << 2 | (inline_names ? HEAD_INLINE : 0) |
                             (same_offset ? HEAD_SAME_OFFSET : 0) |
                             (next_export ? HEAD_NEXT_EXPORT : 0));
    wi_put_bytes(&sites, &head, 1);
    wi_put_u32(&sites, zigzag(s->input_index, previous_input));
    if (!same_offset) wi_put_u32(&sites, zigzag(s->output_index, s->input_index));
    previous_input = s->input_index;
    previous_offset = offset;
    if (inline_names) {
      wi_put_u32(&sites, pool_add(&pool, s->display));
      wi_put_u32(&sites, pool_add(&pool, s->symbol));
      wi_put_u32(&sites, pool_add(&pool, s->module));
      wi_put_u32(&sites, pool_add(&pool, s->field));
    } else if (s->kind == WI_SITE_FUNCTION) {
      if (!next_export) wi_put_u32(&sites, display);
    } else if (s->kind == WI_SITE_EXPORT) {
      if (!next_export) wi_put_u32(&sites, zigzag(export_index, previous_export));
      previous_export = export_index;
    }
    ok = !pool.failed && !sites.failed;
  }
  wi_writer b = {0};
  wi_put_u32(&b, WI_SITE_TABLE_VERSION_2);
  wi_put_u32(&b, (uint32_t)t->count);
  wi_put_u32(&b, (uint32_t)pool.count);
  for (size_t i = 0; ok && i < pool.count; i++) wi_put_cstr(&b, pool.items[i]);
  if (sites.size) wi_put_bytes(&b, sites.data, sites.size);
  free(sites.data);
  free(pool.items);
  wi_name_map_free(&pool.index);
  wi_name_map_free(&exports);
  return wi_writer_take(&b, ok, size);
}
