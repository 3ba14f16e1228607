#include "text_buffer.h"

#include <stdint.h>
#include <stdlib.h>

enum { FIRST_CAPACITY = 4096 };

bool wo_buf_grow(wo_buf *b, size_t more) {
  if (b->capacity - b->size >= more) return true;
  if (more > SIZE_MAX - b->size) {
    b->failed = true;
    return false;
  }
  size_t need = b->size + more;
  /* Doubling: a batch of any size is copied O(1) times per byte. */
  size_t capacity = b->capacity ? b->capacity : FIRST_CAPACITY;
  while (capacity < need) capacity = capacity > SIZE_MAX / 2 ? need : capacity * 2;
  char *data = realloc(b->data, capacity);
  if (!data) {
    b->failed = true;
    return false;
  }
  b->data = data;
  b->capacity = capacity;
  return true;
}

void wo_buf_clear(wo_buf *b) {
  b->size = 0;
  b->failed = false;
}

void wo_buf_free(wo_buf *b) {
  free(b->data);
  *b = (wo_buf){0};
}

char *wo_buf_take(wo_buf *b, size_t *size) {
  char *data = b->data;
  *size = b->size;
  *b = (wo_buf){0};
  return data;
}
