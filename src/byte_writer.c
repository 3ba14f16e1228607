#include "byte_writer.h"

#include <stdlib.h>
#include <string.h>

#include "byte_reader.h"

void wi_put_bytes(wi_writer *w, const void *bytes, size_t n) {
  if (w->failed || n == 0) return;
  if (w->size + n > w->capacity) {
    size_t capacity = w->capacity ? w->capacity : 256;
    while (capacity < w->size + n) capacity *= 2;
    uint8_t *grown = realloc(w->data, capacity);
    if (!grown) {
      w->failed = true;
      return;
    }
    w->data = grown;
    w->capacity = capacity;
  }
  memcpy(w->data + w->size, bytes, n);
  w->size += n;
}

void wi_put_u32(wi_writer *w, uint32_t v) {
  uint8_t leb[5];
  wi_put_bytes(w, leb, wi_encode_u32(leb, v));
}

void wi_put_s33(wi_writer *w, uint32_t v) {
  uint8_t leb[5];
  size_t n = 0;
  uint64_t rest = v;
  for (;;) {
    uint8_t byte = rest & 0x7f;
    rest >>= 7;
    if (rest == 0 && (byte & 0x40) == 0) { /* the sign bit is clear: done */
      leb[n++] = byte;
      break;
    }
    leb[n++] = byte | 0x80;
  }
  wi_put_bytes(w, leb, n);
}

void wi_put_name(wi_writer *w, const void *name, size_t len) {
  wi_put_u32(w, (uint32_t)len);
  wi_put_bytes(w, name, len);
}

void wi_put_cstr(wi_writer *w, const char *s) { wi_put_name(w, s, s ? strlen(s) : 0); }

uint8_t *wi_writer_take(wi_writer *w, bool ok, size_t *out_size) {
  if (!ok || w->failed) {
    free(w->data);
    return NULL;
  }
  *out_size = w->size;
  return w->data;
}

void wi_put_section(wi_writer *w, uint8_t id, wi_writer *payload) {
  wi_put_bytes(w, &id, 1);
  wi_put_name(w, payload->data, payload->size);
  w->failed |= payload->failed;
  free(payload->data);
  *payload = (wi_writer){0};
}
