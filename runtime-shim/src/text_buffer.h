/* A growing byte buffer that the exporters format a whole batch into, so that
 * a batch costs one fwrite instead of dozens of stdio calls per span (those
 * calls were most of the OTLP/JSON exporter's time). The appends are inline:
 * one capacity check and a memcpy the compiler sizes for constant text. */
#ifndef WO_TEXT_BUFFER_H
#define WO_TEXT_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Zero-initialise ({0}) before use. Owns `data` (malloc'd, NULL until the
 * first append); release it with wo_buf_free or take it with wo_buf_take.
 * When growing fails, `failed` is set, `data` keeps what it had and later
 * appends may be dropped: the contents are then incomplete, and whoever
 * formats a batch checks `failed` before using them. */
typedef struct {
  char *data;
  size_t size;     /* bytes written */
  size_t capacity; /* bytes allocated */
  bool failed;
} wo_buf;

/* Makes room for `more` bytes; false (and `failed` set) if it cannot. */
bool wo_buf_grow(wo_buf *b, size_t more);

/* Room for `more` bytes at the end: write into it, then add what was written
 * to b->size. NULL if it cannot grow. */
static inline char *wo_buf_reserve(wo_buf *b, size_t more) {
  if (b->capacity - b->size < more && !wo_buf_grow(b, more)) return NULL;
  return b->data + b->size;
}

static inline void wo_buf_append(wo_buf *b, const void *bytes, size_t n) {
  char *p = wo_buf_reserve(b, n);
  if (!p) return;
  memcpy(p, bytes, n);
  b->size += n;
}

/* A string literal, without strlen. */
#define WO_BUF_LITERAL(b, text) wo_buf_append((b), "" text, sizeof(text) - 1)

/* Empties the buffer and clears `failed`; keeps the memory for the next batch. */
void wo_buf_clear(wo_buf *b);
/* Releases the memory; the buffer is empty and usable again. */
void wo_buf_free(wo_buf *b);
/* Hands over the contents (malloc'd, `*size` bytes; NULL if nothing was ever
 * written) and leaves the buffer empty. */
char *wo_buf_take(wo_buf *b, size_t *size);

#endif
