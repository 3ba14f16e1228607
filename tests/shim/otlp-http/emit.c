/* Records a known set of spans through the OTLP/HTTP exporter of
 * libwasm-observe and prints what happened as one JSON object on stdout.
 *
 *   emit URL ENCODING TIMEOUT_MS MAX_RETRIES MAX_QUEUE ROOTS BATCH_SIZE [HEADER]
 *   emit --selftest
 *
 * ENCODING: protobuf | json. MAX_RETRIES: 0 = default, -1 = none. Each root
 * is the tree  main (export, server) > main > 2 x (work > env.log (client)),
 * 6 spans; then one unwound pair  main (export) > work  (2 error spans).
 * A fake clock and a fixed seed make two runs produce the same spans (only
 * the wall-clock base of the timestamps differs).
 * Output: {"record_ms", "finish_ms", "finish_status", "spans_recorded",
 * "export_errors", "live_ok", "stats": {...wo_otlp_http_stats}}.
 * --selftest checks argument errors and wo_otlp_http_read_stats, prints
 * "selftest ok" and exits 0, or says what failed and exits 1. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sites_fixture.h"
#include "wasm_observe.h"

static uint64_t fake_now = 1000000;
static uint64_t fake_clock(void *unused) {
  (void)unused;
  return fake_now += 1000;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int selftest(void) {
  int bad = 0;
  wo_exporter e;
#define EXPECT(cond)                                  \
  do {                                                \
    if (!(cond)) {                                    \
      printf("selftest failed: %s\n", #cond);         \
      bad = 1;                                        \
    }                                                 \
  } while (0)
  EXPECT(wo_exporter_otlp_http(NULL, &e) == WO_ERR_INVALID_ARGUMENT);
  wo_otlp_http_options o = {0};
  EXPECT(wo_exporter_otlp_http(&o, &e) == WO_ERR_INVALID_ARGUMENT);
  o.endpoint = "ftp://127.0.0.1:4318";
  EXPECT(wo_exporter_otlp_http(&o, &e) == WO_ERR_INVALID_ARGUMENT);
  o.endpoint = "http://";
  EXPECT(wo_exporter_otlp_http(&o, &e) == WO_ERR_INVALID_ARGUMENT);
  o.endpoint = "http://127.0.0.1:9";
  const char *bad_headers[] = {"no colon", NULL};
  o.headers = bad_headers;
  EXPECT(wo_exporter_otlp_http(&o, &e) == WO_ERR_INVALID_ARGUMENT);
  const char *crlf_headers[] = {"x-a: b\r\nx-c: d", NULL};
  o.headers = crlf_headers;
  EXPECT(wo_exporter_otlp_http(&o, &e) == WO_ERR_INVALID_ARGUMENT);
  o.headers = NULL;
  o.encoding = (wo_otlp_encoding)7;
  EXPECT(wo_exporter_otlp_http(&o, &e) == WO_ERR_INVALID_ARGUMENT);
  o.encoding = WO_OTLP_JSON;
  wo_otlp_http_stats final = {0}, live;
  o.final_stats = &final;
  o.timeout_ms = 200;
  EXPECT(wo_exporter_otlp_http(&o, &e) == WO_OK);
  EXPECT(wo_otlp_http_read_stats(&e, &live) == WO_OK && live.batches_queued == 0);
  EXPECT(e.flush(e.state) == WO_OK); /* nothing queued: drained at once */
  e.destroy(e.state);
  EXPECT(final.batches_sent == 0 && final.batches_dropped == 0);
  wo_exporter other;
  EXPECT(wo_exporter_chrome_trace("/dev/null", NULL, &other) == WO_OK);
  EXPECT(wo_otlp_http_read_stats(&other, &live) == WO_ERR_INVALID_ARGUMENT);
  other.destroy(other.state);
  EXPECT(wo_otlp_http_read_stats(NULL, &live) == WO_ERR_INVALID_ARGUMENT);
  if (!bad) printf("selftest ok\n");
  return bad;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--selftest") == 0) return selftest();
  if (argc < 8) {
    fprintf(stderr, "usage: emit URL ENCODING TIMEOUT_MS MAX_RETRIES MAX_QUEUE ROOTS BATCH_SIZE [HEADER]\n");
    return 2;
  }
  size_t size;
  uint8_t *module = test_module_with_sites(&size);
  wo_sites *sites;
  if (wo_sites_from_module(module, size, &sites) != WO_OK) return 3;
  free(module);

  const char *headers[] = {argc > 8 ? argv[8] : NULL, NULL};
  wo_otlp_http_stats final = {0};
  wo_otlp_http_options ho = {
      .endpoint = argv[1],
      .encoding = strcmp(argv[2], "json") == 0 ? WO_OTLP_JSON : WO_OTLP_PROTOBUF,
      .headers = headers,
      .timeout_ms = (uint32_t)atoi(argv[3]),
      .max_retries = atoi(argv[4]),
      .max_queue = (uint32_t)atoi(argv[5]),
      .final_stats = &final,
  };
  int roots = atoi(argv[6]);
  wo_exporter exporter;
  wo_status rc = wo_exporter_otlp_http(&ho, &exporter);
  if (rc != WO_OK) {
    fprintf(stderr, "wo_exporter_otlp_http: %s\n", wo_status_message(rc));
    return 4;
  }
  wo_exporter keep = exporter;
  wo_options options = {.service_name = "otlp-http-test", .module_name = "app.wasm",
                        .batch_size = (uint32_t)atoi(argv[7]), .monotonic_ns = fake_clock,
                        .seed = 42};
  wo_recorder *recorder;
  if (wo_recorder_new(&options, sites, &exporter, 1, &recorder) != WO_OK) return 5;

  double t0 = now_ms();
  for (int i = 0; i < roots; i++) {
    wo_enter(recorder, 0);
    wo_enter(recorder, 1);
    for (int j = 0; j < 2; j++) {
      wo_enter(recorder, 2);
      wo_enter(recorder, 3);
      wo_exit(recorder, 3);
      wo_exit(recorder, 2);
    }
    wo_exit(recorder, 1);
    wo_exit(recorder, 0);
  }
  wo_enter(recorder, 0);
  wo_enter(recorder, 2);
  wo_unwind(recorder);
  double t1 = now_ms();
  wo_otlp_http_stats live;
  int live_ok = wo_otlp_http_read_stats(&keep, &live) == WO_OK;
  wo_status finish = wo_recorder_finish(recorder);
  wo_counters c = wo_recorder_counters(recorder);
  wo_recorder_free(recorder);
  double t2 = now_ms();
  wo_sites_free(sites);
  printf("{\"record_ms\":%.3f,\"finish_ms\":%.3f,\"finish_status\":%d,\"spans_recorded\":%" PRIu64
         ",\"export_errors\":%" PRIu64 ",\"live_ok\":%d,\"stats\":{\"batches_queued\":%" PRIu64
         ",\"batches_sent\":%" PRIu64 ",\"spans_sent\":%" PRIu64 ",\"batches_dropped\":%" PRIu64
         ",\"spans_dropped\":%" PRIu64 ",\"dropped_queue_full\":%" PRIu64
         ",\"dropped_rejected\":%" PRIu64 ",\"dropped_failed\":%" PRIu64 ",\"retries\":%" PRIu64
         ",\"last_http_status\":%ld}}\n",
         t1 - t0, t2 - t1, (int)finish, c.spans_recorded, c.export_errors, live_ok,
         final.batches_queued, final.batches_sent, final.spans_sent, final.batches_dropped,
         final.spans_dropped, final.dropped_queue_full, final.dropped_rejected,
         final.dropped_failed, final.retries, final.last_http_status);
  return 0;
}
