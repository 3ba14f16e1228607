/* bench/shim/host.c: the benchmark's wasm2c host.
 *
 *   host MODE MODULE.wasm [ARGS...]
 *
 * Linked like runtime-shim/wasm2c/example/traced-run (the same generated glue,
 * run_start.c, the small WASI of tests/e2e/wasm2c-wasi.c, libwasm-observe), in
 * place of traced-run.o, so that it can time the run itself and give spans to an
 * exporter that discards them. MODE:
 *   plain        an uninstrumented module: no recorder
 *   off          hooks that do nothing (NULL recorder, as traced-run --off)
 *   profile      WO_RECORD_PROFILE (aggregate call tree), no exporter
 *   spans-null   WO_RECORD_SPANS, a discarding exporter (the batch is handed
 *                over through the exporter interface and dropped)
 *   both-null    WO_RECORD_SPANS | WO_RECORD_PROFILE, discarding exporter
 *   spans-otlp   WO_RECORD_SPANS, OTLP/JSON lines written to /dev/null
 *   both-otlp    WO_RECORD_SPANS | WO_RECORD_PROFILE, OTLP/JSON to /dev/null
 *   profile-tsc, spans-tsc   as profile and spans-null, with the recorder's
 *                calibrated TSC clock (wo_options.clock = WO_CLOCK_TSC)
 *                (x86-64 only; durations in TSC ticks, not ns): what the
 *                recorder costs with a cheaper clock than clock_gettime
 *
 * Prints one line on stderr:
 *   shim-bench: ns=T enters=E exits=X spans=S exit=C
 * T: wall nanoseconds from instantiation through wo_recorder_finish (module
 * start-up, the program, and handing the last batch to the exporters; reading
 * the site table and creating the recorder are outside). The program's own
 * stdout/stderr pass through. Exit status: the program's; 2 on a setup error. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "run_start.h"
#include "traced-run.h"

wo_wasm2c_hooks traced_hooks;

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}


static uint64_t discarded;
static wo_status discard_spans(void *state, const wo_resource *resource, const wo_span *spans,
                               size_t count) {
  (void)state;
  (void)resource;
  (void)spans;
  discarded += count;
  return WO_OK;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fputs("usage: host plain|off|profile|spans-null|both-null|spans-otlp|both-otlp MODULE.wasm [ARGS...]\n",
          stderr);
    return 2;
  }
  const char *mode = argv[1], *module_path = argv[2];
  bool plain = strcmp(mode, "plain") == 0, off = strcmp(mode, "off") == 0;
  unsigned record = 0;
  bool tsc = false;
  int exporter_kind = 0; /* 0 none, 1 discard, 2 OTLP to /dev/null */
  if (strcmp(mode, "profile") == 0) record = WO_RECORD_PROFILE;
  else if (strcmp(mode, "spans-null") == 0) record = WO_RECORD_SPANS, exporter_kind = 1;
  else if (strcmp(mode, "both-null") == 0) record = WO_RECORD_SPANS | WO_RECORD_PROFILE, exporter_kind = 1;
  else if (strcmp(mode, "spans-otlp") == 0) record = WO_RECORD_SPANS, exporter_kind = 2;
  else if (strcmp(mode, "both-otlp") == 0) record = WO_RECORD_SPANS | WO_RECORD_PROFILE, exporter_kind = 2;
#if defined(__x86_64__)
  else if (strcmp(mode, "profile-tsc") == 0) record = WO_RECORD_PROFILE, tsc = true;
  else if (strcmp(mode, "spans-tsc") == 0) record = WO_RECORD_SPANS, exporter_kind = 1, tsc = true;
#endif
  else if (!plain && !off) {
    fprintf(stderr, "host: unknown mode %s\n", mode);
    return 2;
  }

  wo_sites *sites = NULL;
  wo_recorder *recorder = NULL;
  if (!plain) {
    wo_status rc = wo_sites_from_file(module_path, &sites);
    if (rc != WO_OK) {
      fprintf(stderr, "host: %s: %s\n", module_path,
              rc == WO_ERR_IO ? strerror(errno) : wo_status_message(rc));
      return 2;
    }
    wo_exporter exporters[1];
    size_t exporter_count = 0;
    if (exporter_kind == 1) {
      exporters[0] = (wo_exporter){.export_spans = discard_spans};
      exporter_count = 1;
    } else if (exporter_kind == 2) {
      rc = wo_exporter_otlp_json_lines("/dev/null", NULL, &exporters[0]);
      if (rc != WO_OK) {
        fprintf(stderr, "host: /dev/null: %s\n", wo_status_message(rc));
        return 2;
      }
      exporter_count = 1;
    }
    /* The recorder's cost per span is measured: no span budget, no muting. */
    wo_options options = {.record = record ? record : WO_RECORD_PROFILE, .module_name = "bench",
                          .span_rate = WO_UNLIMITED, .mute_after = WO_UNLIMITED};
#if defined(__x86_64__)
    if (tsc) options.clock = WO_CLOCK_TSC;
#endif
    rc = wo_recorder_new(&options, sites, exporters, exporter_count, &recorder);
    if (rc != WO_OK) {
      fprintf(stderr, "host: recorder: %s\n", wo_status_message(rc));
      return 2;
    }
    traced_hooks.recorder = off ? NULL : recorder;
  }

  const char *base = strrchr(module_path, '/');
  base = base ? base + 1 : module_path;
  if (!run_start_init(base, argc - 3, argv + 3)) return 2;
  uint64_t t0 = now_ns();
  run_start_result run = run_start("host", module_path);
  if (run.trapped && recorder) wo_unwind(recorder);
  wo_counters c = {0};
  if (recorder) {
    wo_recorder_finish(recorder);
    c = wo_recorder_counters(recorder);
  }
  uint64_t t1 = now_ns();
  fprintf(stderr, "shim-bench: ns=%" PRIu64 " enters=%" PRIu64 " exits=%" PRIu64 " spans=%" PRIu64
                  " exit=%d\n",
          t1 - t0, c.enters, c.exits, c.spans_recorded, run.code);
  if (recorder) wo_recorder_free(recorder);
  traced_hooks.recorder = NULL;
  wo_sites_free(sites);
  run_start_free();
  return run.code;
}
