/* Equal jitter rather than full jitter (a uniform wait in [0, delay]): many
 * exporters turned away by one collector at the same moment (a restart, an
 * overload) still spread their retries over half the window instead of coming
 * back in step, yet none returns sooner than half the exponential delay, so
 * a struggling collector keeps the breathing room the backoff is for. */
#include "retry_backoff.h"

uint64_t wo_backoff_ms(unsigned attempt, uint64_t first_ms, uint64_t max_ms, uint64_t random) {
  uint64_t delay = first_ms;
  for (unsigned i = 0; i < attempt && delay && delay < max_ms; i++)
    delay = delay > UINT64_MAX / 2 ? UINT64_MAX : delay * 2;
  if (delay > max_ms) delay = max_ms;
  uint64_t half = delay / 2;
  return half + random % (delay - half + 1);
}

uint64_t wo_backoff_random(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
