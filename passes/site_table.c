#include "site_table.h"

#include <stdlib.h>
#include <string.h>

#include "byte_writer.h"

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
