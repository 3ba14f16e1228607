/* Writing JSON text (the caller holds flockfile(out) around a batch): strings (always valid UTF-8 on output) and the number
 * forms OTLP/JSON and Chrome traces need. */
#ifndef WO_JSON_TEXT_H
#define WO_JSON_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The length of the valid UTF-8 sequence at p (1 to 4), or 0 if invalid
 * (a NUL inside a sequence makes it invalid). Shared with the protobuf encoder. */
size_t wo_utf8_sequence(const unsigned char *p);
/* Writes `s` as a JSON string with its quotes. Bytes that are not valid UTF-8
 * become U+FFFD, so a module's odd names cannot make the file unparseable. */
void wo_json_string(FILE *out, const char *s);
/* A NUL-terminated text as it is (keys, punctuation). */
void wo_json_put(FILE *out, const char *text);
/* An unsigned integer in decimal. */
void wo_json_u64(FILE *out, uint64_t value);
/* Lowercase hex of `n` bytes, as OTLP/JSON writes trace and span ids. */
void wo_json_hex(FILE *out, const uint8_t *bytes, size_t n);
/* Nanoseconds as exact decimal microseconds ("12.345"), as Chrome traces use. */
void wo_json_micros(FILE *out, uint64_t ns);

#endif
