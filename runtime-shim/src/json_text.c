#include "json_text.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

size_t wo_utf8_sequence(const unsigned char *p) {
  unsigned char c = p[0];
  size_t n;
  uint32_t min, cp;
  if (c < 0x80) return 1;
  if ((c & 0xe0) == 0xc0) {
    n = 2;
    min = 0x80;
    cp = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3;
    min = 0x800;
    cp = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4;
    min = 0x10000;
    cp = c & 0x07;
  } else {
    return 0;
  }
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0; /* also stops at the NUL */
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

static const char hex_digits[] = "0123456789abcdef"; /* for \u00XX */

char *wo_json_put_string(char *o, const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  *o++ = '"';
  while (p < end) {
    unsigned char c = *p;
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') { /* most names: plain ASCII */
      *o++ = (char)c;
      p++;
    } else if (c == '"' || c == '\\') {
      *o++ = '\\';
      *o++ = (char)c;
      p++;
    } else if (c < 0x20 || c == 0x7f) {
      memcpy(o, "\\u00", 4);
      o[4] = hex_digits[c >> 4];
      o[5] = hex_digits[c & 15];
      o += 6;
      p++;
    } else {
      size_t n = wo_utf8_sequence(p); /* stops at the terminating NUL */
      if (n > 0) {
        memcpy(o, p, n);
        o += n;
        p += n;
      } else {
        memcpy(o, "\\ufffd", 6); /* not valid UTF-8: one byte at a time */
        o += 6;
        p++;
      }
    }
  }
  *o++ = '"';
  return o;
}

/* Hex of 4 bytes at once in a 64-bit word (ids are 8 and 16 bytes): each
 * nibble spread into a byte of its own, then '0' + n, plus 39 more for the
 * nibbles of 10 and up ('a' - '0' - 10). No carry crosses a byte. */
static void hex_of_4(char *o, const uint8_t *b) {
  uint64_t t = (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 | (uint64_t)b[2] << 8 | b[3];
  t = (t | t << 16) & 0x0000ffff0000ffffULL;
  t = (t | t << 8) & 0x00ff00ff00ff00ffULL;
  t = (t | t << 4) & 0x0f0f0f0f0f0f0f0fULL; /* nibbles, the first in the top byte */
  uint64_t letters = ((t + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;
  t += 0x3030303030303030ULL + letters * 39;
  /* Straight-line stores, which compilers merge into one (byte-swapped) store. */
  o[0] = (char)(t >> 56);
  o[1] = (char)(t >> 48);
  o[2] = (char)(t >> 40);
  o[3] = (char)(t >> 32);
  o[4] = (char)(t >> 24);
  o[5] = (char)(t >> 16);
  o[6] = (char)(t >> 8);
  o[7] = (char)t;
}

char *wo_json_put_hex(char *o, const uint8_t *bytes, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) hex_of_4(o + 2 * i, bytes + i);
  for (; i < n; i++) {
    o[2 * i] = hex_digits[bytes[i] >> 4];
    o[2 * i + 1] = hex_digits[bytes[i] & 15];
  }
  return o + 2 * n;
}

/* Decimal digits two at a time from a table, in 32-bit arithmetic where the
 * value allows (64-bit divisions are the slow part): timestamps have 19. */
static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static size_t decimal_length(uint64_t v) {
  static const uint64_t powers[20] = {1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL,
                                      1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL,
                                      10000000000ULL, 100000000000ULL, 1000000000000ULL,
                                      10000000000000ULL, 100000000000000ULL,
                                      1000000000000000ULL, 10000000000000000ULL,
                                      100000000000000000ULL, 1000000000000000000ULL,
                                      10000000000000000000ULL};
#if defined(__GNUC__)
  /* log10 from the bit length (1233 / 4096 ~ log10 2), then one correction. */
  uint64_t x = v | 1; /* the same digit count, and clz is undefined for 0 */
  unsigned bits = 64u - (unsigned)__builtin_clzll(x);
  unsigned guess = (bits * 1233u) >> 12;
  return guess + (x >= powers[guess]);
#else
  size_t n = 1;
  while (n < 20 && v >= powers[n]) n++;
  return n;
#endif
}

/* Writes the 8 digits of v < 10^8 ending at `end`. */
static void eight_digits(char *end, uint32_t v) {
  uint32_t high = v / 10000, low = v % 10000;
  memcpy(end - 8, digit_pairs + 2 * (high / 100), 2);
  memcpy(end - 6, digit_pairs + 2 * (high % 100), 2);
  memcpy(end - 4, digit_pairs + 2 * (low / 100), 2);
  memcpy(end - 2, digit_pairs + 2 * (low % 100), 2);
}

char *wo_json_put_u64(char *o, uint64_t value) {
  char *end = o + decimal_length(value), *p = end; /* written from the last digit back */
  while (value >= 100000000) {
    eight_digits(p, (uint32_t)(value % 100000000));
    value /= 100000000;
    p -= 8;
  }
  uint32_t v = (uint32_t)value;
  while (v >= 100) {
    p -= 2;
    memcpy(p, digit_pairs + 2 * (v % 100), 2);
    v /= 100;
  }
  if (v >= 10) memcpy(p - 2, digit_pairs + 2 * v, 2);
  else p[-1] = (char)('0' + v);
  return end;
}

char *wo_json_put_micros(char *o, uint64_t ns) {
  o = wo_json_put_u64(o, ns / 1000);
  o[0] = '.';
  o[1] = (char)('0' + ns % 1000 / 100);
  o[2] = (char)('0' + ns % 100 / 10);
  o[3] = (char)('0' + ns % 10);
  return o + 4;
}

/* ---- the buffer versions: make room, write, count ---- */

void wo_json_put(wo_buf *out, const char *text) { wo_buf_append(out, text, strlen(text)); }

void wo_json_string(wo_buf *out, const char *s) {
  size_t len = strlen(s), max = wo_json_string_max(len);
  char *o = max == SIZE_MAX ? NULL : wo_buf_reserve(out, max);
  if (!o) {
    out->failed = true;
    return;
  }
  out->size += (size_t)(wo_json_put_string(o, s, len) - o);
}

void wo_json_hex(wo_buf *out, const uint8_t *bytes, size_t n) {
  char *o = n > SIZE_MAX / 2 ? NULL : wo_buf_reserve(out, 2 * n);
  if (!o) {
    out->failed = true;
    return;
  }
  out->size += (size_t)(wo_json_put_hex(o, bytes, n) - o);
}

void wo_json_u64(wo_buf *out, uint64_t value) {
  char *o = wo_buf_reserve(out, WO_JSON_U64_MAX);
  if (o) out->size += (size_t)(wo_json_put_u64(o, value) - o);
}

void wo_json_micros(wo_buf *out, uint64_t ns) {
  char *o = wo_buf_reserve(out, WO_JSON_MICROS_MAX);
  if (o) out->size += (size_t)(wo_json_put_micros(o, ns) - o);
}
