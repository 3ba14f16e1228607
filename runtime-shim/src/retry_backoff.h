/* How long the OTLP/HTTP exporter waits before sending a batch again when
 * the collector gave no Retry-After: exponential backoff with jitter. */
#ifndef WO_RETRY_BACKOFF_H
#define WO_RETRY_BACKOFF_H

#include <stdint.h>

/* The wait before retry number `attempt` + 1 (attempt 0 is the first retry):
 * the exponential delay first_ms << attempt, at most max_ms, of which the
 * upper half is replaced by `random` (any 64-bit value; the same value gives
 * the same delay). The result is in [delay / 2, delay]. */
uint64_t wo_backoff_ms(unsigned attempt, uint64_t first_ms, uint64_t max_ms, uint64_t random);

/* A small generator for `random` (splitmix64): advances *state, returns the
 * next value. Any seed is fine, 0 included. Not for anything secret. */
uint64_t wo_backoff_random(uint64_t *state);

#endif
