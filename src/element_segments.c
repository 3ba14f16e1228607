#include "element_segments.h"

#include <stdlib.h>

#include "byte_reader.h"
#include "byte_writer.h"
#include "module_copy.h"

enum {
  ELEMENT_SECTION = 9,
  OP_END = 0x0b,
  OP_GLOBAL_GET = 0x23,
  OP_I32_CONST = 0x41,
  OP_I64_CONST = 0x42,
  OP_F32_CONST = 0x43,
  OP_F64_CONST = 0x44,
  OP_REF_NULL = 0xd0,
  OP_REF_FUNC = 0xd2,
  OP_SIMD_PREFIX = 0xfd,
  SIMD_V128_CONST = 12,
  /* Segment flags (the binary format's element segment kinds 0 to 7). */
  FLAG_NOT_ACTIVE = 1,   /* passive, or with FLAG_TABLE_OR_DECLARE, declarative */
  FLAG_TABLE_OR_DECLARE = 2,
  FLAG_EXPRESSIONS = 4,  /* items are constant expressions, not function indices */
};

typedef struct {
  uint32_t *to;  /* [limit]: the new index of item `from`, or UINT32_MAX */
  bool *hit;     /* [limit]: an item `from` was redirected */
  uint32_t limit;
  bool changed, declare;
} redirect_map;

static uint32_t redirected(redirect_map *map, uint32_t index) {
  if (index >= map->limit || map->to[index] == UINT32_MAX) return index;
  map->changed = map->hit[index] = true;
  return map->to[index];
}

/* A reference type: a one-byte code, or (ref ht) / (ref null ht) followed by a
 * heap type (0x6b/0x6c as Binaryen 108 writes them, 0x64/0x63 in the final
 * GC encoding). */
static bool skip_ref_type(wi_reader *r) {
  uint8_t code;
  if (!wi_read_u8(r, &code)) return false;
  if (code == 0x6b || code == 0x6c || code == 0x63 || code == 0x64) return wi_skip_sleb(r, 33);
  return true;
}

/* A constant expression up to and including its `end`. */
static bool skip_const_expr(wi_reader *r) {
  for (;;) {
    uint8_t op;
    uint32_t u;
    if (!wi_read_u8(r, &op)) return false;
    switch (op) {
      case OP_END: return true;
      case OP_I32_CONST: if (!wi_skip_sleb(r, 32)) return false; break;
      case OP_I64_CONST: if (!wi_skip_sleb(r, 64)) return false; break;
      case OP_F32_CONST: if (!wi_skip(r, 4)) return false; break;
      case OP_F64_CONST: if (!wi_skip(r, 8)) return false; break;
      case OP_GLOBAL_GET:
      case OP_REF_FUNC: if (!wi_read_u32(r, &u)) return false; break;
      case OP_REF_NULL: if (!wi_skip_sleb(r, 33)) return false; break;
      case 0x6a: case 0x6b: case 0x6c: /* i32.add/sub/mul (extended-const) */
      case 0x7c: case 0x7d: case 0x7e: /* i64.add/sub/mul */
        break;
      case OP_SIMD_PREFIX:
        if (!wi_read_u32(r, &u) || u != SIMD_V128_CONST || !wi_skip(r, 16)) return false;
        break;
      default: return false;
    }
  }
}

/* One expression item: `ref.func x` is redirected, anything else copied. */
static bool copy_expression_item(redirect_map *map, wi_reader *r, wi_writer *w) {
  size_t start = r->pos;
  uint8_t op, end;
  uint32_t index;
  if (wi_read_u8(r, &op) && op == OP_REF_FUNC && wi_read_u32(r, &index) && wi_read_u8(r, &end) &&
      end == OP_END) {
    uint8_t ref_func = OP_REF_FUNC, end_op = OP_END;
    wi_put_bytes(w, &ref_func, 1);
    wi_put_u32(w, redirected(map, index));
    wi_put_bytes(w, &end_op, 1);
    return true;
  }
  *r = wi_reader_make(r->data, r->size);
  r->pos = start;
  if (!skip_const_expr(r)) return false;
  wi_put_bytes(w, r->data + start, r->pos - start);
  return true;
}

static bool copy_segment(redirect_map *map, wi_reader *r, wi_writer *w) {
  size_t start = r->pos;
  uint32_t flags, table, count;
  uint8_t kind;
  if (!wi_read_u32(r, &flags) || flags > 7) return false;
  if (!(flags & FLAG_NOT_ACTIVE)) {
    if ((flags & FLAG_TABLE_OR_DECLARE) && !wi_read_u32(r, &table)) return false;
    if (!skip_const_expr(r)) return false;
  }
  if (flags & (FLAG_NOT_ACTIVE | FLAG_TABLE_OR_DECLARE)) {
    if (flags & FLAG_EXPRESSIONS ? !skip_ref_type(r) : !wi_read_u8(r, &kind)) return false;
  }
  if (!wi_read_u32(r, &count)) return false;
  bool declarative = (flags & (FLAG_NOT_ACTIVE | FLAG_TABLE_OR_DECLARE)) ==
                     (FLAG_NOT_ACTIVE | FLAG_TABLE_OR_DECLARE);
  if (declarative) {
    for (uint32_t i = 0; i < count; i++) {
      uint32_t index;
      if (flags & FLAG_EXPRESSIONS ? !skip_const_expr(r) : !wi_read_u32(r, &index)) return false;
    }
    wi_put_bytes(w, r->data + start, r->pos - start);
    return true;
  }
  wi_put_bytes(w, r->data + start, r->pos - start);
  for (uint32_t i = 0; i < count; i++) {
    if (flags & FLAG_EXPRESSIONS) {
      if (!copy_expression_item(map, r, w)) return false;
      continue;
    }
    uint32_t index;
    if (!wi_read_u32(r, &index)) return false;
    wi_put_u32(w, redirected(map, index));
  }
  return true;
}

/* wi_copy_module's callback: rewrites the element section. */
static wi_section_action rewrite_section(void *ctx, wi_section *section, wi_writer *w) {
  redirect_map *map = ctx;
  if (section->id != ELEMENT_SECTION) return WI_SECTION_COPY;
  wi_reader *r = &section->payload;
  wi_writer segments = {0};
  uint32_t count;
  bool ok = wi_read_u32(r, &count);
  for (uint32_t i = 0; ok && i < count; i++) ok = copy_segment(map, r, &segments);
  ok = ok && wi_reader_left(r) == 0;
  uint32_t declared = 0;
  for (uint32_t i = 0; map->declare && i < map->limit; i++) declared += map->hit[i];
  wi_writer payload = {0};
  wi_put_u32(&payload, count + (declared > 0));
  wi_put_bytes(&payload, segments.data, segments.size);
  payload.failed |= segments.failed;
  free(segments.data);
  if (declared > 0) { /* (elem declare func ...) */
    uint8_t head[2] = {FLAG_NOT_ACTIVE | FLAG_TABLE_OR_DECLARE, 0x00};
    wi_put_bytes(&payload, head, sizeof head);
    wi_put_u32(&payload, declared);
    for (uint32_t i = 0; i < map->limit; i++)
      if (map->hit[i]) wi_put_u32(&payload, i);
  }
  wi_put_section(w, section->id, &payload);
  return ok ? WI_SECTION_REWRITTEN : WI_SECTION_MALFORMED;
}

uint8_t *wi_redirect_element_items(const uint8_t *binary, size_t size,
                                   const wi_index_redirect *redirects, size_t count,
                                   bool declare, bool *changed, size_t *out_size) {
  *changed = false;
  redirect_map map = {.declare = declare};
  for (size_t i = 0; i < count; i++)
    if (redirects[i].from >= map.limit) map.limit = redirects[i].from + 1;
  map.to = malloc((map.limit ? map.limit : 1) * sizeof *map.to);
  map.hit = calloc(map.limit ? map.limit : 1, sizeof *map.hit);
  if (!map.to || !map.hit) {
    free(map.to);
    free(map.hit);
    return NULL;
  }
  for (uint32_t i = 0; i < map.limit; i++) map.to[i] = UINT32_MAX;
  for (size_t i = 0; i < count; i++) map.to[redirects[i].from] = redirects[i].to;
  wi_writer w = {0};
  bool ok = wi_copy_module(&w, binary, size, rewrite_section, &map);
  free(map.to);
  free(map.hit);
  *changed = map.changed;
  return wi_writer_take(&w, ok, out_size);
}
