/* A monotonic nanosecond clock from the CPU's invariant time-stamp counter
 * (x86-64), calibrated against CLOCK_MONOTONIC. */
#ifndef WO_TSC_CLOCK_H
#define WO_TSC_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  uint64_t tsc_base;
  uint64_t ns_base;
  uint64_t ns_per_tick_q32; /* nanoseconds per tick, 32.32 fixed point */
} wo_tsc_clock;

/* Calibrates for about 10 ms. False where there is no invariant TSC. */
bool wo_tsc_clock_init(wo_tsc_clock *clock);
/* Nanoseconds on the CLOCK_MONOTONIC scale; `state` is a wo_tsc_clock. */
uint64_t wo_tsc_clock_now(void *state);

#endif
