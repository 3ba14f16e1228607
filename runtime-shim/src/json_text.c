#include "json_text.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>

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

void wo_json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    unsigned char c = *p;
    if (c == '"' || c == '\\') {
      fputc('\\', out);
      fputc(c, out);
      p++;
    } else if (c < 0x20 || c == 0x7f) {
      fprintf(out, "\\u%04x", c);
      p++;
    } else {
      size_t n = wo_utf8_sequence(p);
      if (n == 0) {
        fputs("\\ufffd", out);
        p++;
      } else {
        fwrite(p, 1, n, out);
        p += n;
      }
    }
  }
  fputc('"', out);
}

void wo_json_hex(FILE *out, const uint8_t *bytes, size_t n) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    fputc(digits[bytes[i] >> 4], out);
    fputc(digits[bytes[i] & 15], out);
  }
}

void wo_json_micros(FILE *out, uint64_t ns) {
  fprintf(out, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
}
