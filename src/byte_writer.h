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
void wi_put_s33(wi_writer *w, uint32_t v);           /* a non-negative signed LEB128 (s33) */
void wi_put_name(wi_writer *w, const void *name, size_t len); /* length-prefixed */
void wi_put_cstr(wi_writer *w, const char *s);       /* NULL writes an empty name */

/* Hands over the bytes: returns w->data (size in *out_size) if `ok` and no
 * allocation failed; otherwise frees them and returns NULL. */
uint8_t *wi_writer_take(wi_writer *w, bool ok, size_t *out_size);

/* Appends a section, or a subsection of the name section: `id`, then the
 * bytes of `payload`, length-prefixed. Takes `payload`: frees its data and
 * carries its allocation failure over to `w`. */
void wi_put_section(wi_writer *w, uint8_t id, wi_writer *payload);

#endif
