// When the OTLP/HTTP exporter sends a batch again: the collector's
// Retry-After, else exponential backoff with jitter. The rules of the C
// library's http_retry_after.c and retry_backoff.c.

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY = '(?:mon|tue|wed|thu|fri|sat|sun)';
const LONG_DAY = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)';
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// The three forms RFC 9110 (5.6.7) has recipients accept; names without case.
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i'); // Sun, 06 Nov 1994 08:49:37 GMT
const RFC_850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i'); // Sunday, 06-Nov-94 08:49:37 GMT
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`, 'i'); // Sun Nov  6 08:49:37 1994

// Milliseconds since the epoch of an HTTP-date, or NaN. Not Date.parse: it
// takes nearly anything ("-5", "2015"), and asctime dates as local time.
function httpDateMs(v, nowMs) {
  let day, month, year, h, m, s;
  let f;
  if ((f = IMF_FIXDATE.exec(v))) [, day, month, year, h, m, s] = f;
  else if ((f = RFC_850.exec(v))) {
    [, day, month, year, h, m, s] = f;
    // A two-digit year: the most recent one that is not more than 50 years ahead.
    const nowYear = new Date(nowMs).getUTCFullYear();
    year = nowYear - (nowYear % 100) + Number(year);
    if (year > nowYear + 50) year -= 100;
  } else if ((f = ASCTIME.exec(v))) [, month, day, h, m, s, year] = f;
  else return NaN;
  const mon = MONTHS.indexOf(month.toLowerCase());
  [day, year, h, m, s] = [day, year, h, m, s].map(Number);
  if (h > 23 || m > 59 || s > 60) return NaN; // a leap second is allowed
  const lengths = [31, (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (day < 1 || day > lengths[mon]) return NaN;
  const date = new Date(0);
  date.setUTCFullYear(year, mon, day); // not Date.UTC: it maps years 0-99 to 1900-1999
  return date.getTime() + ((h * 60 + m) * 60 + s) * 1000;
}

// A Retry-After value (delay-seconds or an HTTP-date) as the wait in ms, at
// most maxMs, 0 for a date in the past; undefined when absent or unreadable
// (negative or fractional numbers, other dates, trailing text): the caller
// then keeps its own backoff.
export function retryAfterMs(value, nowMs = Date.now(), maxMs = 60000) {
  if (typeof value !== 'string') return undefined;
  const v = value.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, maxMs); // huge numbers become Infinity, then maxMs
  const at = httpDateMs(v, nowMs);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - nowMs), maxMs);
}

// The wait before retry `attempt` + 1 (attempt 0 is the first retry): the
// exponential delay firstMs * 2^attempt, at most maxMs, of which the upper half
// is random ("equal jitter", as retry_backoff.c): exporters turned away together
// spread out, and none comes back sooner than half the delay. `random` in [0, 1).
export function backoffMs(attempt, random = Math.random(), firstMs = 100, maxMs = 5000) {
  const delay = Math.min(firstMs * 2 ** Math.min(attempt, 52), maxMs);
  const half = Math.floor(delay / 2);
  return half + Math.floor(random * (delay - half + 1));
}
