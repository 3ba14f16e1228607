/* The two libc functions clang may emit calls to (struct copies and
 * clears). Built with -ffreestanding, so these loops are not turned back into
 * calls to themselves. */
#include "guest.h"

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}
