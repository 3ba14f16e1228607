/* OTLP/HTTP: batches POSTed to a collector's /v1/traces from a background
 * thread.
 *
 * export_spans (called under the recorder's lock) encodes the batch
 * (protobuf by hand in otlp_protobuf.c, or the OTLP/JSON writer into a
 * buffer) and appends it to a bounded ring of batches; a full ring
 * drops the new batch and counts it. One worker thread takes batches in
 * order and sends them with libcurl, one at a time, on one reused handle
 * (keep-alive). Retries (429, 502, 503, 504, connection errors and timeouts)
 * wait with jittered exponential backoff (retry_backoff.c) or the collector's
 * Retry-After (http_retry_after.c), on a condition variable that destroy
 * signals, and a progress callback abandons a request in flight once destroy
 * has given up on it, so shutting down takes at most about one timeout. */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "http_retry_after.h"
#include "otlp_request.h"
#include "retry_backoff.h"
#include "wasm_observe.h"

enum {
  DEFAULT_MAX_QUEUE = 64,
  DEFAULT_TIMEOUT_MS = 10000,
  DEFAULT_MAX_RETRIES = 5,
  BACKOFF_FIRST_MS = 100,
  BACKOFF_MAX_MS = 5000,
  RETRY_AFTER_MAX_MS = 60000, /* the most a collector's Retry-After makes us wait */
};

typedef struct {
  char *body;
  size_t size;
  size_t spans;
} batch;

typedef enum { SENT, REJECTED, FAILED } outcome;

typedef struct {
  char *url;
  struct curl_slist *headers;
  wo_otlp_encoding encoding;
  uint32_t timeout_ms;
  int max_retries;
  wo_otlp_http_stats *final_stats;
  CURL *curl;           /* used by the worker only */
  bool has_retry_after; /* the last answer said when to retry; worker only */
  uint64_t retry_after_ms;
  uint64_t jitter;      /* backoff jitter generator state; worker only */

  pthread_mutex_t lock; /* guards everything below except `stop`'s reads */
  pthread_cond_t wake;  /* worker: a batch arrived, or stop */
  pthread_cond_t done;  /* flush: a batch left the queue */
  batch *ring;
  uint32_t capacity, head, count;
  bool in_flight;
  bool gave_up;         /* a flush timed out and nothing was queued since */
  atomic_int stop;
  wo_otlp_http_stats stats;
  pthread_t thread;
} http_state;

/* ---- time ---- */

static struct timespec deadline_after(uint64_t ms) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  t.tv_sec += (time_t)(ms / 1000);
  t.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (t.tv_nsec >= 1000000000L) {
    t.tv_sec++;
    t.tv_nsec -= 1000000000L;
  }
  return t;
}

static bool past(const struct timespec *deadline) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec > deadline->tv_sec ||
         (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* ---- one request ---- */

static size_t discard_body(char *p, size_t size, size_t n, void *unused) {
  (void)p;
  (void)unused;
  return size * n;
}

static int64_t unix_now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Reads `Retry-After:` (seconds or an HTTP-date), converted to a wait at
 * once: a date is relative to when the answer arrived. */
static size_t read_header(char *p, size_t size, size_t n, void *state) {
  http_state *s = state;
  size_t len = size * n;
  static const char name[] = "retry-after:";
  if (len >= sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0)
    s->has_retry_after = wo_http_retry_after(p + sizeof name - 1, len - (sizeof name - 1),
                                             unix_now_ms(), RETRY_AFTER_MAX_MS, &s->retry_after_ms);
  return len;
}

static int check_stop(void *state, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d) {
  (void)a;
  (void)b;
  (void)c;
  (void)d;
  return atomic_load(&((http_state *)state)->stop) ? 1 : 0;
}

static bool transient(CURLcode rc) {
  switch (rc) {
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return false;
    default:
      return true; /* refused, reset, timed out, nothing received, ... */
  }
}

static outcome send_batch(http_state *s, const batch *b) {
  curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, b->body);
  curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->size);
  for (int attempt = 0;; attempt++) {
    s->has_retry_after = false;
    long status = 0;
    CURLcode rc = curl_easy_perform(s->curl);
    if (rc == CURLE_OK) curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
    pthread_mutex_lock(&s->lock);
    if (rc == CURLE_OK) s->stats.last_http_status = status;
    pthread_mutex_unlock(&s->lock);
    if (rc == CURLE_OK && status >= 200 && status < 300) return SENT;
    bool retry = rc == CURLE_OK
                     ? status == 429 || status == 502 || status == 503 || status == 504
                     : transient(rc);
    if (!retry) return rc == CURLE_OK ? REJECTED : FAILED;
    if (attempt >= s->max_retries) return FAILED;
    /* The collector's own time is kept as it is: it asked for that moment. */
    uint64_t delay_ms = s->has_retry_after
                            ? s->retry_after_ms
                            : wo_backoff_ms((unsigned)attempt, BACKOFF_FIRST_MS, BACKOFF_MAX_MS,
                                            wo_backoff_random(&s->jitter));
    struct timespec deadline = deadline_after(delay_ms);
    pthread_mutex_lock(&s->lock);
    while (!atomic_load(&s->stop) && !past(&deadline))
      pthread_cond_timedwait(&s->wake, &s->lock, &deadline);
    bool stopped = atomic_load(&s->stop);
    if (!stopped) s->stats.retries++;
    pthread_mutex_unlock(&s->lock);
    if (stopped) return FAILED;
  }
}

static void count_dropped(http_state *s, const batch *b, uint64_t *reason) {
  (*reason)++;
  s->stats.batches_dropped++;
  s->stats.spans_dropped += b->spans;
}

static void *worker(void *state) {
  http_state *s = state;
  pthread_mutex_lock(&s->lock);
  for (;;) {
    while (s->count == 0 && !atomic_load(&s->stop)) pthread_cond_wait(&s->wake, &s->lock);
    if (atomic_load(&s->stop)) break;
    batch b = s->ring[s->head];
    s->head = (s->head + 1) % s->capacity;
    s->count--;
    s->in_flight = true;
    pthread_mutex_unlock(&s->lock);
    outcome o = send_batch(s, &b);
    free(b.body);
    pthread_mutex_lock(&s->lock);
    s->in_flight = false;
    if (o == SENT) {
      s->stats.batches_sent++;
      s->stats.spans_sent += b.spans;
    } else {
      count_dropped(s, &b, o == REJECTED ? &s->stats.dropped_rejected : &s->stats.dropped_failed);
    }
    pthread_cond_broadcast(&s->done);
  }
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

/* ---- the exporter ---- */

static wo_status export_spans(void *state, const wo_resource *r, const wo_span *spans,
                              size_t count) {
  http_state *s = state;
  batch b = {.spans = count};
  wo_status rc = wo_otlp_request_body(s->encoding, r, spans, count, &b.body, &b.size);
  if (rc != WO_OK) return rc;
  pthread_mutex_lock(&s->lock);
  if (s->count == s->capacity) {
    count_dropped(s, &b, &s->stats.dropped_queue_full);
    pthread_mutex_unlock(&s->lock);
    free(b.body);
    return WO_ERR_IO;
  }
  s->ring[(s->head + s->count) % s->capacity] = b;
  s->count++;
  s->stats.batches_queued++;
  s->gave_up = false;
  pthread_cond_signal(&s->wake);
  pthread_mutex_unlock(&s->lock);
  return WO_OK;
}

static wo_status flush_http(void *state) {
  http_state *s = state;
  pthread_mutex_lock(&s->lock);
  if (!s->gave_up) {
    struct timespec deadline = deadline_after(s->timeout_ms);
    while ((s->count || s->in_flight) && !past(&deadline))
      pthread_cond_timedwait(&s->done, &s->lock, &deadline);
  }
  bool pending = s->count || s->in_flight;
  if (pending) s->gave_up = true;
  pthread_mutex_unlock(&s->lock);
  return pending ? WO_ERR_IO : WO_OK;
}

static void free_state(http_state *s) {
  if (s->curl) curl_easy_cleanup(s->curl);
  curl_slist_free_all(s->headers);
  free(s->ring);
  free(s->url);
  free(s);
}

static void destroy_http(void *state) {
  http_state *s = state;
  flush_http(s);
  pthread_mutex_lock(&s->lock);
  atomic_store(&s->stop, 1);
  pthread_cond_broadcast(&s->wake);
  pthread_mutex_unlock(&s->lock);
  pthread_join(s->thread, NULL);
  for (; s->count; s->count--) {
    batch *b = &s->ring[s->head];
    count_dropped(s, b, &s->stats.dropped_failed);
    free(b->body);
    s->head = (s->head + 1) % s->capacity;
  }
  if (s->final_stats) *s->final_stats = s->stats;
  pthread_cond_destroy(&s->wake);
  pthread_cond_destroy(&s->done);
  pthread_mutex_destroy(&s->lock);
  free_state(s);
}

wo_status wo_otlp_http_read_stats(const wo_exporter *exporter, wo_otlp_http_stats *out) {
  if (!exporter || !out || exporter->export_spans != export_spans || !exporter->state)
    return WO_ERR_INVALID_ARGUMENT;
  http_state *s = exporter->state;
  pthread_mutex_lock(&s->lock);
  *out = s->stats;
  pthread_mutex_unlock(&s->lock);
  return WO_OK;
}

/* The endpoint with "/v1/traces" unless it has a path of its own. */
static wo_status traces_url(const char *endpoint, char **out) {
  const char *rest;
  if (strncasecmp(endpoint, "http://", 7) == 0) rest = endpoint + 7;
  else if (strncasecmp(endpoint, "https://", 8) == 0) rest = endpoint + 8;
  else return WO_ERR_INVALID_ARGUMENT;
  if (!*rest || *rest == '/') return WO_ERR_INVALID_ARGUMENT; /* no host */
  const char *path = strchr(rest, '/');
  const char *suffix = !path ? "/v1/traces" : strcmp(path, "/") == 0 ? "v1/traces" : "";
  size_t n = strlen(endpoint), m = strlen(suffix);
  char *url = malloc(n + m + 1);
  if (!url) return WO_ERR_NO_MEMORY;
  memcpy(url, endpoint, n);
  memcpy(url + n, suffix, m + 1);
  *out = url;
  return WO_OK;
}

static bool append_header(struct curl_slist **list, const char *h) {
  struct curl_slist *next = curl_slist_append(*list, h);
  if (!next) return false;
  *list = next;
  return true;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;
static void init_curl(void) { curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT); }

static wo_status configure_curl(http_state *s) {
  pthread_once(&curl_once, init_curl);
  if (curl_init_result != CURLE_OK) return WO_ERR_IO;
  s->curl = curl_easy_init();
  if (!s->curl) return WO_ERR_IO;
  CURL *c = s->curl;
  bool ok = curl_easy_setopt(c, CURLOPT_URL, s->url) == CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
  ok = ok && curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
#else
  ok = ok && curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) ==
                 CURLE_OK;
#endif
  ok = ok && curl_easy_setopt(c, CURLOPT_POST, 1L) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_HTTPHEADER, s->headers) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)s->timeout_ms) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)s->timeout_ms) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, check_stop) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_XFERINFODATA, s) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, read_header) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_HEADERDATA, s) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body) == CURLE_OK;
  return ok ? WO_OK : WO_ERR_IO;
}

wo_status wo_exporter_otlp_http(const wo_otlp_http_options *o, wo_exporter *out) {
  if (!out) return WO_ERR_INVALID_ARGUMENT;
  memset(out, 0, sizeof *out);
  if (!o || !o->endpoint || (o->encoding != WO_OTLP_PROTOBUF && o->encoding != WO_OTLP_JSON))
    return WO_ERR_INVALID_ARGUMENT;
  if (o->headers)
    for (const char *const *h = o->headers; *h; h++)
      if (!strchr(*h, ':') || strpbrk(*h, "\r\n")) return WO_ERR_INVALID_ARGUMENT;
  http_state *s = calloc(1, sizeof *s);
  if (!s) return WO_ERR_NO_MEMORY;
  s->encoding = o->encoding;
  s->timeout_ms = o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
  s->max_retries = o->max_retries == 0 ? DEFAULT_MAX_RETRIES : o->max_retries < 0 ? 0 : o->max_retries;
  s->final_stats = o->final_stats;
  s->capacity = o->max_queue ? o->max_queue : DEFAULT_MAX_QUEUE;
  /* A seed of its own per exporter, not a fixed one: the point of jitter is
   * that processes turned away together do not retry together. Tests check
   * the bounds of the wait, which hold for any seed. */
  if (getrandom(&s->jitter, sizeof s->jitter, 0) != sizeof s->jitter)
    s->jitter = (uint64_t)unix_now_ms() ^ (uint64_t)(uintptr_t)s;
  wo_status rc = traces_url(o->endpoint, &s->url);
  if (rc != WO_OK) {
    free_state(s);
    return rc;
  }
  s->ring = calloc(s->capacity, sizeof *s->ring);
  bool ok = s->ring != NULL;
  ok = ok && append_header(&s->headers, s->encoding == WO_OTLP_JSON
                                            ? "Content-Type: application/json"
                                            : "Content-Type: application/x-protobuf");
  ok = ok && append_header(&s->headers, "Expect:"); /* no 100-continue round trip */
  if (o->headers)
    for (const char *const *h = o->headers; ok && *h; h++) ok = append_header(&s->headers, *h);
  if (!ok) {
    free_state(s);
    return WO_ERR_NO_MEMORY;
  }
  rc = configure_curl(s);
  if (rc != WO_OK) {
    free_state(s);
    return rc;
  }
  pthread_condattr_t attr;
  bool locks = pthread_mutex_init(&s->lock, NULL) == 0;
  bool attr_ok = pthread_condattr_init(&attr) == 0;
  bool conds = locks && attr_ok && pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
               pthread_cond_init(&s->wake, &attr) == 0;
  bool conds2 = conds && pthread_cond_init(&s->done, &attr) == 0;
  if (attr_ok) pthread_condattr_destroy(&attr);
  if (!conds2 || pthread_create(&s->thread, NULL, worker, s) != 0) {
    if (conds2) pthread_cond_destroy(&s->done);
    if (conds) pthread_cond_destroy(&s->wake);
    if (locks) pthread_mutex_destroy(&s->lock);
    free_state(s);
    return WO_ERR_IO;
  }
  out->state = s;
  out->export_spans = export_spans;
  out->flush = flush_http;
  out->destroy = destroy_http;
  return WO_OK;
}
