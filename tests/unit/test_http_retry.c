/* Unit tests: when the OTLP/HTTP exporter sends a batch again: the
 * Retry-After parser (runtime-shim/src/http_retry_after.c) and the jittered
 * backoff (runtime-shim/src/retry_backoff.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "http_retry_after.h"
#include "retry_backoff.h"

enum { MAX_MS = 60000 };
#define NOV_6_1994_08_49_37 784111777LL /* Sun, 06 Nov 1994 08:49:37 GMT, Unix seconds */
#define MAR_1_2024 1709251200LL          /* Fri, 01 Mar 2024 00:00:00 GMT */
#define JAN_1_2069 3124224000LL          /* Tue, 01 Jan 2069 00:00:00 GMT */

static const uint64_t UNTOUCHED = 0xdeadbeef;

/* The parsed delay for a NUL-terminated value, or UNTOUCHED when refused. */
static uint64_t delay(const char *value, int64_t now_ms, uint64_t max_ms) {
  uint64_t ms = UNTOUCHED;
  bool ok = wo_http_retry_after(value, strlen(value), now_ms, max_ms, &ms);
  if (!ok) assert_int_equal(ms, UNTOUCHED);
  return ok ? ms : UNTOUCHED;
}

/* ---- Retry-After ---- */

static void delta_seconds(void **state) {
  (void)state;
  assert_int_equal(delay("120", 0, 200000), 120000);
  assert_int_equal(delay("1", 0, MAX_MS), 1000);
  assert_int_equal(delay("0", 0, MAX_MS), 0);
  assert_int_equal(delay("007", 0, MAX_MS), 7000);
  assert_int_equal(delay("60", 0, MAX_MS), 60000);
  /* Not NUL-terminated: only `len` bytes are read. */
  uint64_t ms = UNTOUCHED;
  assert_true(wo_http_retry_after("12345", 2, 0, MAX_MS, &ms));
  assert_int_equal(ms, 12000);
}

static void delta_seconds_capped_and_overflowing(void **state) {
  (void)state;
  assert_int_equal(delay("61", 0, MAX_MS), MAX_MS);
  assert_int_equal(delay("3600", 0, MAX_MS), MAX_MS);
  assert_int_equal(delay("99999999999999999999999999999999999999", 0, MAX_MS), MAX_MS);
  /* Seconds whose milliseconds do not fit in 64 bits saturate. */
  assert_int_equal(delay("18446744073709552", 0, UINT64_MAX), UINT64_MAX);
  assert_int_equal(delay("99999999999999999999999999999999999999", 0, UINT64_MAX), UINT64_MAX);
  assert_int_equal(delay("18446744073709551", 0, UINT64_MAX), 18446744073709551000ULL);
}

static void negative_and_other_numbers_refused(void **state) {
  (void)state;
  const char *bad[] = {"-1",  "-0",  "+5",  "1.5", "1e3",
                       "0x10", "1 2", "1,5", "5s",  "\xd9\xa1" /* Arabic-Indic one */};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_int_equal(delay(bad[i], 0, MAX_MS), UNTOUCHED);
  uint64_t ms = UNTOUCHED;
  assert_false(wo_http_retry_after("1\0" "5", 3, 0, MAX_MS, &ms)); /* a NUL inside */
  assert_false(wo_http_retry_after(NULL, 0, 0, MAX_MS, &ms));
  assert_int_equal(ms, UNTOUCHED);
}

static void whitespace(void **state) {
  (void)state;
  assert_int_equal(delay("  7 \r\n", 0, MAX_MS), 7000);
  assert_int_equal(delay("\t3\t", 0, MAX_MS), 3000);
  const int64_t now = (NOV_6_1994_08_49_37 - 10) * 1000;
  assert_int_equal(delay(" Sun, 06 Nov 1994 08:49:37 GMT\r\n", now, MAX_MS), 10000);
  assert_int_equal(delay("", 0, MAX_MS), UNTOUCHED);
  assert_int_equal(delay("   ", 0, MAX_MS), UNTOUCHED);
  assert_int_equal(delay("\r\n", 0, MAX_MS), UNTOUCHED);
  /* Inside a date the single spaces are part of the grammar. */
  assert_int_equal(delay("Sun,  06 Nov 1994 08:49:37 GMT", now, MAX_MS), UNTOUCHED);
  assert_int_equal(delay("Sun, 06 Nov 1994 08:49:37  GMT", now, MAX_MS), UNTOUCHED);
  assert_int_equal(delay("Sun,\t06 Nov 1994 08:49:37 GMT", now, MAX_MS), UNTOUCHED);
}

static void imf_fixdate(void **state) {
  (void)state;
  const char *date = "Sun, 06 Nov 1994 08:49:37 GMT";
  const int64_t at = NOV_6_1994_08_49_37 * 1000;
  assert_int_equal(delay(date, at - 10000, MAX_MS), 10000);
  assert_int_equal(delay(date, at - 1500, MAX_MS), 1500); /* to the millisecond */
  assert_int_equal(delay(date, at - 1, MAX_MS), 1);
  assert_int_equal(delay(date, at, MAX_MS), 0);
  assert_int_equal(delay(date, at + 5000, MAX_MS), 0);              /* past: retry now */
  assert_int_equal(delay(date, at + 86400000LL * 9000, MAX_MS), 0); /* long past */
  assert_int_equal(delay(date, at - 100000000, MAX_MS), MAX_MS);    /* capped */
  assert_int_equal(delay(date, at - 100000000, UINT64_MAX), 100000000);
  assert_int_equal(delay("sun, 06 nov 1994 08:49:37 gmt", at - 10000, MAX_MS), 10000);
  /* Leap years, a leap second, the last representable year. */
  assert_int_equal(delay("Thu, 29 Feb 1996 00:00:00 GMT", 0, UINT64_MAX), 825552000000ULL);
  assert_int_equal(delay("Fri, 01 Mar 2024 00:00:00 GMT", 0, UINT64_MAX), MAR_1_2024 * 1000);
  assert_int_equal(delay("Thu, 29 Feb 2024 23:59:60 GMT", 0, UINT64_MAX), MAR_1_2024 * 1000);
  assert_int_equal(delay("Wed, 01 Mar 2000 00:00:00 GMT", 0, UINT64_MAX), 951868800000ULL);
  assert_int_equal(delay("Fri, 31 Dec 9999 23:59:59 GMT", MAR_1_2024 * 1000, MAX_MS), MAX_MS);
  assert_int_equal(delay("Sat, 01 Jan 0000 00:00:00 GMT", MAR_1_2024 * 1000, MAX_MS), 0);
}

/* The obsolete RFC 850 form. */
static void two_digit_year_date(void **state) {
  (void)state;
  const int64_t at = NOV_6_1994_08_49_37 * 1000;
  assert_int_equal(delay("Sunday, 06-Nov-94 08:49:37 GMT", at - 10000, MAX_MS), 10000);
  assert_int_equal(delay("Sunday, 06-Nov-94 08:49:37 GMT", at + 10000, MAX_MS), 0);
  /* Two-digit years: up to 50 years ahead stay ahead, further ones are the past. */
  const int64_t now = MAR_1_2024 * 1000;
  assert_int_equal(delay("Tuesday, 01-Jan-69 00:00:00 GMT", now, UINT64_MAX),
                   (uint64_t)(JAN_1_2069 * 1000 - now));
  assert_int_equal(delay("Wednesday, 01-Jan-75 00:00:00 GMT", now, UINT64_MAX), 0); /* 1975 */
  assert_int_equal(delay("Friday, 01-Mar-24 00:00:05 GMT", now, MAX_MS), 5000);
  assert_int_equal(delay("Wednesday, 01-Mar-00 00:00:00 GMT", now, MAX_MS), 0); /* 2000 */
  /* In January and February too (the year of `now` is computed, not looked up). */
  const int64_t feb = (MAR_1_2024 - 86400 * 14) * 1000;
  assert_int_equal(delay("Monday, 01-Jan-74 00:00:00 GMT", feb, MAX_MS), MAX_MS); /* 2074 */
  assert_int_equal(delay("Wednesday, 01-Jan-75 00:00:00 GMT", feb, MAX_MS), 0);      /* 1975 */
  /* The long day name is its form's; the short one is the other forms'. */
  assert_int_equal(delay("Sun, 06-Nov-94 08:49:37 GMT", at - 10000, MAX_MS), UNTOUCHED);
  assert_int_equal(delay("Sunday, 06 Nov 1994 08:49:37 GMT", at - 10000, MAX_MS), UNTOUCHED);
  assert_int_equal(delay("Sunday, 06-Nov-1994 08:49:37 GMT", at - 10000, MAX_MS), UNTOUCHED);
  assert_int_equal(delay("Sundays, 06-Nov-94 08:49:37 GMT", at - 10000, MAX_MS), UNTOUCHED);
}

static void asctime_date(void **state) {
  (void)state;
  const int64_t at = NOV_6_1994_08_49_37 * 1000;
  assert_int_equal(delay("Sun Nov  6 08:49:37 1994", at - 10000, MAX_MS), 10000);
  assert_int_equal(delay("Sun Nov 06 08:49:37 1994", at - 10000, MAX_MS), 10000);
  assert_int_equal(delay("Sun Nov  6 08:49:37 1994", at + 1, MAX_MS), 0);
  assert_int_equal(delay("Thu Feb 29 12:00:00 1996", 0, UINT64_MAX), 825595200000ULL);
  assert_int_equal(delay("Sun Nov 6 08:49:37 1994", at - 10000, MAX_MS), UNTOUCHED);
  assert_int_equal(delay("Sun Nov  6 08:49:37 94", at - 10000, MAX_MS), UNTOUCHED);
  assert_int_equal(delay("Sun Nov  6 08:49:37 1994 GMT", at - 10000, MAX_MS), UNTOUCHED);
}

static void garbage_refused(void **state) {
  (void)state;
  const int64_t now = (NOV_6_1994_08_49_37 - 10) * 1000;
  const char *bad[] = {
      "soon",
      "Sun",
      "Sun,",
      "Sun, ",
      "Sun, 06 Nov 1994",
      "Sun, 06 Nov 1994 08:49:37",
      "Sun, 06 Nov 1994 08:49:37 UTC",
      "Sun, 06 Nov 1994 08:49:37 +0000",
      "Sun, 06 Nov 1994 08:49:37 GMT x",
      "Sun, 06 Nov 1994 08:49:37 GMTGMT",
      "Sun, 6 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 94 08:49:37 GMT",
      "Sun, 06 Nov 19945 08:49:37 GMT",
      "Sun, 06 Foo 1994 08:49:37 GMT",
      "Sun, 06 November 1994 08:49:37 GMT",
      "Sun, 00 Nov 1994 08:49:37 GMT",
      "Sun, 31 Nov 1994 08:49:37 GMT",
      "Sun, 29 Feb 1995 08:49:37 GMT",
      "Sun, 29 Feb 1900 08:49:37 GMT",
      "Sun, 06 Nov 1994 24:00:00 GMT",
      "Sun, 06 Nov 1994 08:60:00 GMT",
      "Sun, 06 Nov 1994 08:49:61 GMT",
      "Sun, 06 Nov 1994 8:49:37 GMT",
      "Sun, 06 Nov 1994 08-49-37 GMT",
      "Sun, 06 Nov -994 08:49:37 GMT",
      "Xyz, 06 Nov 1994 08:49:37 GMT",
      "Su, 06 Nov 1994 08:49:37 GMT",
      "1994-11-06T08:49:37Z",
      "7 seconds",
      ",",
      "GMT",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    if (delay(bad[i], now, MAX_MS) != UNTOUCHED) fail_msg("accepted \"%s\"", bad[i]);
  }
}

/* Every prefix of valid values, and random text from the grammar's alphabet,
 * in buffers of exactly their length (ASan sees any read past the end). */
static void any_input_is_safe(void **state) {
  (void)state;
  const char *valid[] = {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                         "Sun Nov  6 08:49:37 1994", "12345"};
  const int64_t now = (NOV_6_1994_08_49_37 - 10) * 1000;
  for (size_t v = 0; v < sizeof valid / sizeof *valid; v++) {
    size_t n = strlen(valid[v]);
    for (size_t len = 0; len <= n; len++) {
      char *copy = malloc(len ? len : 1);
      memcpy(copy, valid[v], len);
      uint64_t ms = UNTOUCHED;
      bool ok = wo_http_retry_after(copy, len, now, MAX_MS, &ms);
      if (len == n) assert_true(ok);
      if (ok) assert_true(ms <= MAX_MS);
      free(copy);
    }
  }
  static const char alphabet[] = "0123456789 ,:-\t\r\nSunMonNovFebGMTday";
  uint64_t rng = 1;
  for (int i = 0; i < 20000; i++) {
    size_t len = wo_backoff_random(&rng) % 36;
    char *text = malloc(len ? len : 1);
    for (size_t k = 0; k < len; k++)
      text[k] = alphabet[wo_backoff_random(&rng) % (sizeof alphabet - 1)];
    uint64_t ms = UNTOUCHED;
    if (wo_http_retry_after(text, len, now, MAX_MS, &ms)) assert_true(ms <= MAX_MS);
    free(text);
  }
}

/* ---- backoff ---- */

static uint64_t expected_delay(unsigned attempt) {
  uint64_t d = attempt >= 6 ? 5000 : 100u << attempt;
  return d > 5000 ? 5000 : d;
}

static void backoff_is_exponential_with_equal_jitter(void **state) {
  (void)state;
  assert_int_equal(wo_backoff_ms(0, 100, 5000, 0), 50);
  assert_int_equal(wo_backoff_ms(0, 100, 5000, 50), 100);
  assert_int_equal(wo_backoff_ms(0, 100, 5000, 51), 50);
  assert_int_equal(wo_backoff_ms(1, 100, 5000, 0), 100);
  assert_int_equal(wo_backoff_ms(1, 100, 5000, 100), 200);
  assert_int_equal(wo_backoff_ms(5, 100, 5000, 0), 1600);
  assert_int_equal(wo_backoff_ms(6, 100, 5000, 0), 2500); /* 6400 capped to 5000 */
  assert_int_equal(wo_backoff_ms(6, 100, 5000, 2500), 5000);
  assert_int_equal(wo_backoff_ms(1000, 100, 5000, 0), 2500);
  assert_int_equal(wo_backoff_ms(UINT32_MAX, 100, UINT64_MAX, 0), UINT64_MAX / 2);
  assert_int_equal(wo_backoff_ms(0, 0, 5000, 12345), 0);
  uint64_t rng = 42;
  for (unsigned attempt = 0; attempt < 12; attempt++) {
    uint64_t d = expected_delay(attempt);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int i = 0; i < 2000; i++) {
      uint64_t ms = wo_backoff_ms(attempt, 100, 5000, wo_backoff_random(&rng));
      lo = ms < lo ? ms : lo;
      hi = ms > hi ? ms : hi;
    }
    /* Within [d/2, d], and spread over it: jitter, not a fixed wait. */
    assert_true(lo >= d / 2 && hi <= d);
    assert_true(lo <= d / 2 + d / 20 && hi >= d - d / 20);
  }
}

static void backoff_random_is_seeded(void **state) {
  (void)state;
  uint64_t a = 7, b = 7, c = 8;
  uint64_t first = wo_backoff_random(&a);
  assert_int_equal(first, wo_backoff_random(&b));
  assert_int_not_equal(first, wo_backoff_random(&c));
  assert_int_not_equal(first, wo_backoff_random(&a));
  uint64_t zero = 0;
  assert_int_not_equal(wo_backoff_random(&zero), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(delta_seconds),
      cmocka_unit_test(delta_seconds_capped_and_overflowing),
      cmocka_unit_test(negative_and_other_numbers_refused),
      cmocka_unit_test(whitespace),
      cmocka_unit_test(imf_fixdate),
      cmocka_unit_test(two_digit_year_date),
      cmocka_unit_test(asctime_date),
      cmocka_unit_test(garbage_refused),
      cmocka_unit_test(any_input_is_safe),
      cmocka_unit_test(backoff_is_exponential_with_equal_jitter),
      cmocka_unit_test(backoff_random_is_seeded),
  };
  return cmocka_run_group_tests_name("http_retry", tests, NULL, NULL);
}
