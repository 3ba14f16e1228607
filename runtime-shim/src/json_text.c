#define _GNU_SOURCE /* fwrite_unlocked */
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

/* Writers go through whole runs of bytes and the stdio calls that do not
 * lock: per-character locked calls and printf formats cost most of the
 * exporters' time (about 750 ns a span). Callers hold flockfile(out). */
static void put_bytes(const void *bytes, size_t size, size_t count, FILE *out) {
#ifdef __GLIBC__
  fwrite_unlocked(bytes, size, count, out);
#else
  fwrite(bytes, size, count, out);
#endif
}

void wo_json_put(FILE *out, const char *text) { put_bytes(text, 1, strlen(text), out); }

void wo_json_string(FILE *out, const char *s) {
  const unsigned char *p = (const unsigned char *)s, *run = p;
  put_bytes("\"", 1, 1, out);
  while (*p) {
    unsigned char c = *p;
    size_t n = c >= 0x20 && c != 0x7f && c != '"' && c != '\\' ? wo_utf8_sequence(p) : 0;
    if (n > 0) {
      p += n;
      continue;
    }
    put_bytes(run, 1, (size_t)(p - run), out);
    char escape[8];
    if (c == '"' || c == '\\') {
      escape[0] = '\\';
      escape[1] = (char)c;
      put_bytes(escape, 1, 2, out);
    } else if (c < 0x20 || c == 0x7f) {
      static const char digits[] = "0123456789abcdef";
      memcpy(escape, "\\u00", 4);
      escape[4] = digits[c >> 4];
      escape[5] = digits[c & 15];
      put_bytes(escape, 1, 6, out);
    } else {
      wo_json_put(out, "\\ufffd"); /* not valid UTF-8 */
    }
    run = ++p;
  }
  put_bytes(run, 1, (size_t)(p - run), out);
  put_bytes("\"", 1, 1, out);
}

void wo_json_hex(FILE *out, const uint8_t *bytes, size_t n) {
  static const char digits[] = "0123456789abcdef";
  char text[64];
  size_t k = 0;
  for (size_t i = 0; i < n && k + 2 <= sizeof text; i++) {
    text[k++] = digits[bytes[i] >> 4];
    text[k++] = digits[bytes[i] & 15];
  }
  put_bytes(text, 1, k, out);
}

void wo_json_u64(FILE *out, uint64_t value) {
  char text[20];
  size_t k = sizeof text;
  do {
    text[--k] = (char)('0' + value % 10);
    value /= 10;
  } while (value);
  put_bytes(text + k, 1, sizeof text - k, out);
}

void wo_json_micros(FILE *out, uint64_t ns) {
  char fraction[4] = {'.', (char)('0' + ns % 1000 / 100), (char)('0' + ns % 100 / 10),
                      (char)('0' + ns % 10)};
  wo_json_u64(out, ns / 1000);
  put_bytes(fraction, 1, 4, out);
}
