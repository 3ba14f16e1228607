/* The value of an HTTP Retry-After header field (RFC 9110, section 10.2.3),
 * read by the OTLP/HTTP exporter. */
#ifndef WO_HTTP_RETRY_AFTER_H
#define WO_HTTP_RETRY_AFTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads `len` bytes at `value` (not NUL-terminated; spaces, tabs, CR and LF
 * around it are ignored) as delay-seconds ("120") or an HTTP-date in any of
 * the three forms RFC 9110 (5.6.7) has recipients accept: IMF-fixdate
 * ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT",
 * its two-digit year taken as the most recent past year when it would be more
 * than 50 years ahead) and asctime ("Sun Nov  6 08:49:37 1994"). Dates are
 * compared with `now_unix_ms`, the current wall-clock time.
 *
 * Returns true and stores in *delay_ms how long to wait before retrying: the
 * seconds given or the time left until the date, at most `max_ms` (also when
 * the number is too large to represent), 0 for a date in the past. Returns
 * false and leaves *delay_ms alone for anything else (empty, negative or
 * fractional numbers, malformed or impossible dates, trailing text): the
 * caller then keeps its own backoff. */
bool wo_http_retry_after(const char *value, size_t len, int64_t now_unix_ms, uint64_t max_ms,
                         uint64_t *delay_ms);

#endif
