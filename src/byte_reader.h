/* Bounds-checked reading of WebAssembly binary encodings (LEB128, names).
 *
 * A reader never reads past its end: every call reports failure instead, and
 * a failed reader stays failed, so a caller may check `ok` once at the end of
 * a sequence of reads. Nothing here allocates. */
#ifndef WI_BYTE_READER_H
#define WI_BYTE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  const uint8_t *data; /* borrowed; must outlive the reader */
  size_t size;
  size_t pos;
  bool ok;
} wi_reader;

wi_reader wi_reader_make(const uint8_t *data, size_t size);
bool wi_read_u8(wi_reader *r, uint8_t *out);
/* Unsigned LEB128 of at most 32 bits (at most 5 bytes, no excess bits). */
bool wi_read_u32(wi_reader *r, uint32_t *out);
/* Skips a signed LEB128 of at most `bits` bits (33 or 64). */
bool wi_skip_sleb(wi_reader *r, unsigned bits);
/* A length-prefixed byte string; *out points into the reader's data. */
bool wi_read_name(wi_reader *r, const uint8_t **out, uint32_t *len);
bool wi_skip(wi_reader *r, size_t n);
size_t wi_reader_left(const wi_reader *r);

/* Appends the unsigned LEB128 encoding of `v` to buf (5 bytes of room). Returns the length. */
size_t wi_encode_u32(uint8_t *buf, uint32_t v);

#endif
