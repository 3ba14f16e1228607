/* A growable byte buffer for encoding WebAssembly sections. An allocation
 * failure is sticky: check `failed` once at the end. */
#ifndef WI_BYTE_WRITER_H
#define WI_BYTE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t *data; /* owned; free() it */
  size_t size, capacity;
  bool failed;
} wi_writer;

void wi_put_bytes(wi_writer *w, const void *bytes, size_t n);
void wi_put_u32(wi_writer *w, uint32_t v);           /* unsigned LEB128 */
void wi_put_name(wi_writer *w, const void *name, size_t len); /* length-prefixed */
void wi_put_cstr(wi_writer *w, const char *s);       /* NULL writes an empty name */

#endif
