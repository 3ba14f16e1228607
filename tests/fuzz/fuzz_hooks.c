/* libFuzzer harness for the runtime shim's entry points: the site table reader
 * on arbitrary bytes, and the hooks driven in any order a hostile module could
 * choose (unknown ids, exits without enters, exits out of order, runaway
 * depth, unwinds, flushes; with and without unwind_on_reentry). Properties: no crash, no leak, bounded depth,
 * every span well formed, the stack empty after finish. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wasm_observe.h"

#define CHECK(cond) \
  do {              \
    if (!(cond)) abort(); \
  } while (0)

/* A module whose site table has 4 sites: export r, function r, function a,
 * import m.f (made with the encoding in docs/hook-contract.md). */
static const uint8_t sites_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x41, 0x15, 0x77, 0x61, 0x73, 0x6d,
    0x2d, 0x69, 0x6e, 0x73, 0x74, 0x72, 0x75, 0x6d, 0x65, 0x6e, 0x74, 0x2e, 0x73, 0x69, 0x74,
    0x65, 0x73, 0x01, 0x04, 0x02, 0x00, 0x01, 0x01, 0x01, 0x72, 0x00, 0x00, 0x01, 0x72, 0x00,
    0x00, 0x01, 0x01, 0x01, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x01, 0x61, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x6d, 0x2e, 0x66, 0x00, 0x01, 0x6d, 0x01, 0x66};

static uint64_t fake_now;
static uint64_t fake_clock(void *unused) {
  (void)unused;
  return fake_now;
}

static wo_status check_spans(void *state, const wo_resource *r, const wo_span *spans, size_t n) {
  uint32_t max_depth = *(uint32_t *)state;
  CHECK(r && r->service_name);
  for (size_t i = 0; i < n; i++) {
    CHECK(spans[i].site != NULL);
    CHECK(spans[i].end_unix_ns >= spans[i].start_unix_ns);
    CHECK(spans[i].depth < max_depth);
  }
  return WO_OK;
}

static void drive_hooks(const uint8_t *data, size_t size) {
  wo_sites *sites;
  if (wo_sites_from_module(sites_module, sizeof sites_module, &sites) != WO_OK) abort();
  uint32_t max_depth = 1 + (size > 1 ? data[1] % 64 : 8);
  wo_exporter check = {&max_depth, check_spans, NULL, NULL};
  wo_options o = {.record = 1 + (size > 2 ? data[2] % 3 : 2),
                  .max_depth = max_depth,
                  .batch_size = 1 + (size > 3 ? data[3] % 8 : 4),
                  .min_duration_ns = size > 4 ? data[4] % 4 : 0,
                  .sample_ratio = size > 5 && data[5] & 1 ? 0.5 : 1.0,
                  .monotonic_ns = fake_clock,
                  .seed = 7,
                  .unwind_on_reentry = size > 5 && data[5] & 2};
  wo_recorder *r;
  CHECK(wo_recorder_new(&o, sites, &check, 1, &r) == WO_OK);
  uint64_t ops = 0;
  for (size_t i = 6; i + 1 < size; i += 2) {
    uint32_t id = data[i + 1] % 6; /* 4 and 5 are unknown ids */
    fake_now += data[i] >> 3;
    switch (data[i] & 7) {
      case 0: case 1: case 2: wo_enter(r, id); ops++; break;
      case 3: case 4: case 5: wo_exit(r, id); break;
      case 6: wo_unwind(r); break;
      case 7: wo_recorder_flush(r); (void)wo_recorder_profile(r); break;
    }
    CHECK(wo_depth(r) <= max_depth);
  }
  CHECK(wo_recorder_finish(r) == WO_OK);
  CHECK(wo_depth(r) == 0);
  wo_counters c = wo_recorder_counters(r);
  CHECK(c.enters == ops);
  CHECK(c.spans_recorded + c.spans_filtered <= c.enters);
  const wo_profile_node *root = wo_recorder_profile(r);
  if (root) {
    FILE *sink = fopen("/dev/null", "w");
    CHECK(wo_profile_write_folded(root, sink) == WO_OK);
    CHECK(wo_profile_write_summary(root, sink, 5) == WO_OK);
    fclose(sink);
  }
  wo_recorder_free(r);
  wo_sites_free(sites);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  if (data[0] & 1) {
    wo_sites *sites;
    if (wo_sites_from_module(data + 1, size - 1, &sites) == WO_OK) {
      for (uint32_t i = 0; i < wo_sites_count(sites); i++) {
        const wo_site *s = wo_sites_get(sites, i);
        CHECK(s->name && s->symbol && s->module && s->field);
      }
      wo_sites_free(sites);
    }
  } else {
    drive_hooks(data, size);
  }
  return 0;
}
