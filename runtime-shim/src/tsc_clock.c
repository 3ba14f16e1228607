#include "tsc_clock.h"

#include <time.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

static uint64_t monotonic_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

#if defined(__x86_64__)

/* CPUID 0x80000007 EDX bit 8: the TSC runs at a constant rate in every
 * P-, C- and T-state (what Linux shows as nonstop_tsc). */
static bool has_invariant_tsc(void) {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(0x80000000, &eax, &ebx, &ecx, &edx) || eax < 0x80000007) return false;
  __get_cpuid(0x80000007, &eax, &ebx, &ecx, &edx);
  return (edx >> 8) & 1;
}

bool wo_tsc_clock_init(wo_tsc_clock *c) {
  enum { CALIBRATION_NS = 10000000 };
  if (!has_invariant_tsc()) return false;
  uint64_t ns0 = monotonic_now(), tsc0 = __rdtsc(), ns1, tsc1;
  do {
    ns1 = monotonic_now();
    tsc1 = __rdtsc();
  } while (ns1 - ns0 < CALIBRATION_NS);
  if (tsc1 <= tsc0) return false;
  c->ns_per_tick_q32 = (uint64_t)(((unsigned __int128)(ns1 - ns0) << 32) / (tsc1 - tsc0));
  c->tsc_base = tsc1;
  c->ns_base = ns1;
  return c->ns_per_tick_q32 != 0;
}

uint64_t wo_tsc_clock_now(void *state) {
  const wo_tsc_clock *c = state;
  uint64_t ticks = __rdtsc() - c->tsc_base;
  return c->ns_base + (uint64_t)(((unsigned __int128)ticks * c->ns_per_tick_q32) >> 32);
}

#else

bool wo_tsc_clock_init(wo_tsc_clock *c) {
  (void)c;
  return false;
}

uint64_t wo_tsc_clock_now(void *state) {
  (void)state;
  return monotonic_now();
}

#endif
