/* Writing JSON text: strings (always valid UTF-8 on output) and the number
 * forms OTLP/JSON and Chrome traces need.
 *
 * Two levels. The wo_json_* functions append to a wo_buf, each making room
 * for the most it can write (if the buffer cannot grow they set `failed` and
 * write nothing). The wo_json_put_* cursor writers write at `o` without any
 * check and return the end of what they wrote: a caller that makes room for
 * a whole record at once (the WO_JSON_*_MAX bounds) keeps its cursor in a
 * register instead of updating the buffer's size in memory after every
 * piece, which was most of the remaining cost of an OTLP/JSON span. */
#ifndef WO_JSON_TEXT_H
#define WO_JSON_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "text_buffer.h"

/* The length of the valid UTF-8 sequence at p (1 to 4), or 0 if invalid
 * (a NUL inside a sequence makes it invalid). Shared with the protobuf encoder. */
size_t wo_utf8_sequence(const unsigned char *p);

/* ---- appending to a buffer ---- */

/* Writes `s` as a JSON string with its quotes. Bytes that are not valid UTF-8
 * become U+FFFD, so a module's odd names cannot make the file unparseable. */
void wo_json_string(wo_buf *out, const char *s);
/* A NUL-terminated text as it is (keys, punctuation); for a literal,
 * WO_BUF_LITERAL saves the strlen. */
void wo_json_put(wo_buf *out, const char *text);
/* An unsigned integer in decimal. */
void wo_json_u64(wo_buf *out, uint64_t value);
/* Lowercase hex of `n` bytes, as OTLP/JSON writes trace and span ids. */
void wo_json_hex(wo_buf *out, const uint8_t *bytes, size_t n);
/* Nanoseconds as exact decimal microseconds ("12.345"), as Chrome traces use. */
void wo_json_micros(wo_buf *out, uint64_t ns);

/* ---- cursor writers: the caller has made room ---- */

enum {
  WO_JSON_U64_MAX = 20,    /* digits of UINT64_MAX */
  WO_JSON_MICROS_MAX = 21, /* 17 digits, '.', 3 digits */
};
/* The most wo_json_put_string writes for a string of `len` bytes: 6 per byte
 * ("\u001f", "\ufffd") and the quotes. SIZE_MAX if that does not fit. */
static inline size_t wo_json_string_max(size_t len) {
  return len > (SIZE_MAX - 2) / 6 ? SIZE_MAX : 6 * len + 2;
}
/* `len` is strlen(s). */
char *wo_json_put_string(char *o, const char *s, size_t len);
char *wo_json_put_u64(char *o, uint64_t value);
/* Writes 2 * n bytes. */
char *wo_json_put_hex(char *o, const uint8_t *bytes, size_t n);
char *wo_json_put_micros(char *o, uint64_t ns);
/* A string literal. */
#define WO_JSON_PUT_LITERAL(o, text) \
  ((char *)memcpy((o), "" text, sizeof(text) - 1) + sizeof(text) - 1)

#endif
