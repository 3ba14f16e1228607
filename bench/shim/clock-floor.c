/* bench/shim/clock-floor.c: the native clock floor.
 *
 *   clock-floor N ROUNDS   prints the best ns per pair of
 *                          clock_gettime(CLOCK_MONOTONIC) calls over ROUNDS
 *                          loops of N pairs, "clock_pair=X", and on x86-64
 *                          the same for a pair of rdtsc reads, "rdtsc_pair=Y"
 *                          (what a TSC-based clock would cost; the recorder
 *                          uses clock_gettime). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 10000000;
  int rounds = argc > 2 ? atoi(argv[2]) : 3;
  if (n < 1 || rounds < 1) return 2;
  double best = 1e300;
  volatile uint64_t sink = 0;
  for (int r = 0; r < rounds; r++) {
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++) {
      uint64_t a = now_ns();
      uint64_t b = now_ns();
      sink += b - a;
    }
    double per = (double)(now_ns() - t0) / (double)n;
    if (per < best) best = per;
  }
  printf("clock_pair=%.2f", best);
#if defined(__x86_64__)
  best = 1e300;
  for (int r = 0; r < rounds; r++) {
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++) {
      uint64_t a = __rdtsc();
      uint64_t b = __rdtsc();
      sink += b - a;
    }
    double per = (double)(now_ns() - t0) / (double)n;
    if (per < best) best = per;
  }
  printf(" rdtsc_pair=%.2f", best);
#endif
  putchar('\n');
  return 0;
}
