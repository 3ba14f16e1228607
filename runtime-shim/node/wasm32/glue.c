/* The C recorder (runtime-shim/src) as a wasm32 module for the Node benchmark:
 * one recorder per instance, its hooks exported as `enter` / `exit` so an
 * instrumented module can import them directly (wasm to wasm, no JS between).
 * Clock: CLOCK_MONOTONIC through WASI (node:wasi's clock_time_get), or, with
 * clock = 1, a JS import `now_ns() -> f64`. Spans go to a null exporter (the
 * cost measured is the recorder's, as for the JS recorder). */
#include <stdlib.h>
#include <unistd.h>

#include "wasm_observe.h"

__attribute__((import_module("bench"), import_name("now_ns"))) double bench_now_ns(void);

static uint64_t js_clock(void *state) {
  (void)state;
  return (uint64_t)bench_now_ns();
}

static wo_status null_export(void *state, const wo_resource *r, const wo_span *spans, size_t count) {
  (void)r;
  (void)spans;
  *(uint64_t *)state += count;
  return WO_OK;
}

static uint64_t exported_spans;
static wo_sites *sites;
static wo_recorder *recorder;

__attribute__((export_name("alloc"))) void *glue_alloc(size_t n) { return malloc(n); }

/* Returns 0 or a wo_status. */
__attribute__((export_name("setup"))) int setup(const uint8_t *wasm, size_t size, unsigned record,
                                                int clock) {
  wo_status rc = wo_sites_from_module(wasm, size, &sites);
  if (rc != WO_OK) return (int)rc;
  wo_exporter e = {.state = &exported_spans, .export_spans = null_export};
  wo_options o = {.record = record, .seed = 42, .monotonic_ns = clock ? js_clock : NULL};
  return (int)wo_recorder_new(&o, sites, &e, 1, &recorder);
}

__attribute__((export_name("enter"))) void glue_enter(uint32_t id) { wo_enter(recorder, id); }
__attribute__((export_name("exit"))) void glue_exit(uint32_t id) { wo_exit(recorder, id); }
__attribute__((export_name("finish"))) void glue_finish(void) { wo_recorder_finish(recorder); }
__attribute__((export_name("spans"))) double glue_spans(void) { return (double)exported_spans; }
__attribute__((export_name("enters"))) double glue_enters(void) {
  return (double)wo_recorder_counters(recorder).enters;
}

/* recorder.c calls getrandom (only without a seed); wasi-libc has getentropy. */
int getrandom(void *buf, size_t n, unsigned flags) {
  (void)flags;
  return n <= 256 && getentropy(buf, n) == 0 ? (int)n : -1;
}
