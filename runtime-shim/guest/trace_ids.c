/* splitmix64 (Steele, Lea, Flood 2014): one 64-bit state, full period, good
 * enough for ids that only need to be unique, not secret. */
#include "trace_ids.h"

static uint64_t prng_state;

void trace_ids_seed(uint64_t seed) { prng_state = seed; }

static uint64_t next_u64(void) {
  uint64_t z = (prng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void hex64(uint64_t v, char *out) {
  static const char digits[16] = "0123456789abcdef";
  for (int i = 15; i >= 0; i--) {
    out[i] = digits[v & 15];
    v >>= 4;
  }
}

void trace_ids_new_span(char out[16]) {
  uint64_t v;
  do v = next_u64();
  while (v == 0);
  hex64(v, out);
}

void trace_ids_new_trace(char out[32]) {
  uint64_t hi, lo;
  do {
    hi = next_u64();
    lo = next_u64();
  } while (hi == 0 && lo == 0);
  hex64(hi, out);
  hex64(lo, out + 16);
}

int trace_ids_valid(const char *text, uint32_t len, uint32_t digits) {
  if (len != digits) return 0;
  int nonzero = 0;
  for (uint32_t i = 0; i < len; i++) {
    char c = text[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return 0;
    nonzero |= c != '0';
  }
  return nonzero;
}
