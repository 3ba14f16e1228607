/* Retry-After: delay-seconds or an HTTP-date, parsed by hand rather than with
 * strptime (its names follow the locale) and timegm (not POSIX): the grammar
 * is small and fixed, and GMT is the only zone it allows. */
#include "http_retry_after.h"

#include <string.h>
#include <strings.h>

typedef struct {
  const char *p, *end;
} cursor;

static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const day_names[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const long_day_names[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                              "Friday", "Saturday", "Sunday"};

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* The exact text `s` (names compared without case, as lenient recipients do). */
static bool take(cursor *c, const char *s, size_t n) {
  if ((size_t)(c->end - c->p) < n || strncasecmp(c->p, s, n) != 0) return false;
  c->p += n;
  return true;
}

static bool take_char(cursor *c, char ch) {
  if (c->p == c->end || *c->p != ch) return false;
  c->p++;
  return true;
}

/* Exactly `n` digits. */
static bool take_digits(cursor *c, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (c->p == c->end || !is_digit(*c->p)) return false;
    v = v * 10 + (*c->p++ - '0');
  }
  *out = v;
  return true;
}

static bool take_month(cursor *c, int *month) {
  for (int m = 0; m < 12; m++)
    if (take(c, month_names[m], 3)) {
      *month = m + 1;
      return true;
    }
  return false;
}

/* time-of-day = hour ":" minute ":" second (a leap second 60 is allowed). */
static bool take_time(cursor *c, int *seconds_of_day) {
  int h, m, s;
  if (!take_digits(c, 2, &h) || !take_char(c, ':') || !take_digits(c, 2, &m) ||
      !take_char(c, ':') || !take_digits(c, 2, &s))
    return false;
  if (h > 23 || m > 59 || s > 60) return false;
  *seconds_of_day = h * 3600 + m * 60 + s;
  return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* The year of a day since 1970-01-01 (the inverse, year only). */
static int64_t year_of_days(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  return yoe + era * 400 + (mp >= 10); /* January and February belong to the next year */
}

static bool valid_day(int64_t year, int month, int day) {
  static const int length[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day >= 1 && day <= length[month - 1] + (month == 2 && leap);
}

/* The three HTTP-date forms, told apart by the day name that starts them.
 * The day name is not checked against the date: RFC 9110 does not ask
 * recipients to, and the date is what says when to retry. */
static bool parse_date(cursor *c, int64_t now_unix_ms, int64_t *unix_s) {
  const char *name = c->p;
  while (c->p < c->end && is_alpha(*c->p)) c->p++;
  size_t name_len = (size_t)(c->p - name);
  bool short_name = false, long_name = false;
  for (int i = 0; i < 7; i++) {
    short_name |= name_len == 3 && strncasecmp(name, day_names[i], 3) == 0;
    long_name |= name_len > 3 && name_len == strlen(long_day_names[i]) &&
                 strncasecmp(name, long_day_names[i], name_len) == 0;
  }
  int64_t year;
  int month, day, seconds;
  if (short_name && take(c, ", ", 2)) { /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
    int y;
    if (!take_digits(c, 2, &day) || !take_char(c, ' ') || !take_month(c, &month) ||
        !take_char(c, ' ') || !take_digits(c, 4, &y) || !take_char(c, ' ') ||
        !take_time(c, &seconds) || !take(c, " GMT", 4))
      return false;
    year = y;
  } else if (long_name && take(c, ", ", 2)) { /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
    int yy;
    if (!take_digits(c, 2, &day) || !take_char(c, '-') || !take_month(c, &month) ||
        !take_char(c, '-') || !take_digits(c, 2, &yy) || !take_char(c, ' ') ||
        !take_time(c, &seconds) || !take(c, " GMT", 4))
      return false;
    int64_t now_year = year_of_days(now_unix_ms / 86400000);
    year = now_year - now_year % 100 + yy;
    if (year > now_year + 50) year -= 100;
  } else if (short_name && take_char(c, ' ')) { /* asctime: Sun Nov  6 08:49:37 1994 */
    int y;
    if (!take_month(c, &month) || !take_char(c, ' ')) return false;
    if (take_char(c, ' ')) {
      if (!take_digits(c, 1, &day)) return false;
    } else if (!take_digits(c, 2, &day)) {
      return false;
    }
    if (!take_char(c, ' ') || !take_time(c, &seconds) || !take_char(c, ' ') ||
        !take_digits(c, 4, &y))
      return false;
    year = y;
  } else {
    return false;
  }
  if (!valid_day(year, month, day)) return false;
  *unix_s = days_from_civil(year, month, day) * 86400 + seconds;
  return true;
}

bool wo_http_retry_after(const char *value, size_t len, int64_t now_unix_ms, uint64_t max_ms,
                         uint64_t *delay_ms) {
  if (!value) return false;
  cursor c = {value, value + len};
  while (c.p < c.end && is_space(*c.p)) c.p++;
  while (c.end > c.p && is_space(c.end[-1])) c.end--;
  if (c.p == c.end) return false;

  if (is_digit(*c.p)) { /* delay-seconds = 1*DIGIT */
    uint64_t ms = 0; /* stops growing past max_ms: any number of digits is fine */
    for (; c.p < c.end && is_digit(*c.p); c.p++) {
      uint64_t digit_ms = (uint64_t)(*c.p - '0') * 1000;
      if (ms <= max_ms) ms = ms > (UINT64_MAX - digit_ms) / 10 ? UINT64_MAX : ms * 10 + digit_ms;
    }
    if (c.p != c.end) return false;
    *delay_ms = ms < max_ms ? ms : max_ms;
    return true;
  }

  int64_t unix_s;
  if (!parse_date(&c, now_unix_ms, &unix_s) || c.p != c.end) return false;
  int64_t left = unix_s * 1000 - now_unix_ms; /* years are 4 digits: no overflow */
  *delay_ms = left <= 0 ? 0 : (uint64_t)left < max_ms ? (uint64_t)left : max_ms;
  return true;
}
