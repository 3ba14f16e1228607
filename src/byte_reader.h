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
/* A signed LEB128 of at most 33 bits that must be a non-negative u32 (a type
 * index where a value type is expected). */
bool wi_read_s33_index(wi_reader *r, uint32_t *out);
/* A length-prefixed byte string; *out points into the reader's data. */
bool wi_read_name(wi_reader *r, const uint8_t **out, uint32_t *len);
bool wi_skip(wi_reader *r, size_t n);
size_t wi_reader_left(const wi_reader *r);

/* ---- Module structure ---- */

/* A section: its id, its first byte (the id) and its payload. */
typedef struct {
  uint8_t id;
  size_t start;
  wi_reader payload; /* bounded to the section */
} wi_section;

/* Reads the section header at `r` and moves past its payload. Returns false
 * (and fails `r`) on a truncated header or a payload that overruns. */
bool wi_next_section(wi_reader *r, wi_section *out);

/* Skips a reference type (a one-byte shorthand, or 0x63/0x64 and a heap type). */
bool wi_skip_ref_type(wi_reader *r);
/* Skips table or memory limits (memory64 limits are 64-bit). */
bool wi_skip_limits(wi_reader *r);

enum { WI_IMPORT_FUNC = 0, WI_IMPORT_TABLE = 1, WI_IMPORT_MEMORY = 2, WI_IMPORT_GLOBAL = 3,
       WI_IMPORT_TAG = 4 };

/* One entry of the import section; names point into the reader's data. */
typedef struct {
  const uint8_t *module, *field;
  uint32_t module_len, field_len;
  uint8_t kind;        /* WI_IMPORT_* */
  uint32_t type_index; /* for functions and tags */
} wi_import;

/* Reads one import entry, skipping the description of non-function kinds. */
bool wi_read_import(wi_reader *r, wi_import *out);

/* Appends the unsigned LEB128 encoding of `v` to buf (5 bytes of room). Returns the length. */
size_t wi_encode_u32(uint8_t *buf, uint32_t v);

#endif
