/* Unit tests: the recorder's sampled profile timing (WO_TIMING_SAMPLED,
 * runtime-shim/src/sampling.c, sampler_thread.c) against its clock timing,
 * and the call tree's child index (child_index.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recorder_internal.h"
#include "sites_fixture.h"
#include "wasm_observe.h"

static uint64_t fake_now;
static uint64_t fake_clock(void *unused) {
  (void)unused;
  return fake_now += 10;
}

static wo_status drop_spans(void *state, const wo_resource *r, const wo_span *spans, size_t n) {
  (void)state, (void)r, (void)spans, (void)n;
  return WO_OK;
}

typedef struct {
  wo_sites *sites;
  wo_recorder *clock, *sampled;
} fixture;

static wo_recorder *make(const wo_sites *sites, unsigned timing, uint32_t max_depth, bool reentry) {
  wo_exporter e = {NULL, drop_spans, NULL, NULL};
  wo_options o = {.record = WO_RECORD_PROFILE, .monotonic_ns = fake_clock, .seed = 7,
                  .mute_after = WO_UNLIMITED, .max_depth = max_depth,
                  .unwind_on_reentry = reentry, .profile_timing = timing};
  wo_recorder *r = NULL;
  assert_int_equal(wo_recorder_new(&o, sites, &e, 1, &r), WO_OK);
  return r;
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  size_t size;
  uint8_t *module = test_module_with_sites(&size);
  assert_int_equal(wo_sites_from_module(module, size, &f->sites), WO_OK);
  free(module);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  wo_recorder_free(f->clock);
  wo_recorder_free(f->sampled);
  wo_sites_free(f->sites);
  free(f);
  return 0;
}

/* Whether two trees have the same call paths with the same call counts
 * (children in any order). */
static bool same_calls(const wo_profile_node *a, const wo_profile_node *b) {
  if (a->calls != b->calls) return false;
  size_t na = 0, nb = 0;
  for (const wo_profile_node *c = a->first_child; c; c = c->next_sibling) na++;
  for (const wo_profile_node *c = b->first_child; c; c = c->next_sibling) nb++;
  if (na != nb) return false;
  for (const wo_profile_node *c = a->first_child; c; c = c->next_sibling) {
    const wo_profile_node *d = b->first_child;
    while (d && d->site != c->site) d = d->next_sibling;
    if (!d || !same_calls(c, d)) return false;
  }
  return true;
}

static bool same_counters(wo_recorder *x, wo_recorder *y) {
  wo_counters a = wo_recorder_counters(x), b = wo_recorder_counters(y);
  return memcmp(&a, &b, sizeof a) == 0;
}

static uint32_t xorshift(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

/* One hostile step on both recorders: enters (also of unknown ids), exits in
 * order, out of order, unmatched or unknown, unwinds, pending spans. */
static void step(wo_recorder *r, uint32_t k, uint32_t id) {
  if (k < 45) wo_enter(r, id % 6); /* 4 and 5 are unknown */
  else if (k < 80) wo_exit(r, id % 4);
  else if (k < 85) wo_exit(r, id % 7);
  else if (k < 88) wo_unwind(r);
  else if (k < 92) wo_enter_pending(r, id % 4);
  else if (k < 95) wo_exit_as(r, id % 4, k & 1);
  else wo_enter(r, 0); /* the export entry: re-entry over stale frames */
}

/* The call counts and counters are the clock's, halfway and at the end, for
 * random hostile sequences with small and large stacks. */
static void sampled_counts_are_the_clocks(void **state) {
  fixture *f = *state;
  for (uint32_t seed = 1; seed <= 60; seed++) {
    uint32_t max_depth = (uint32_t[]){3, 20, 64, 65, 300, 0}[seed % 6];
    bool reentry = seed % 4 == 0;
    f->clock = make(f->sites, WO_TIMING_CLOCK, max_depth, reentry);
    f->sampled = make(f->sites, WO_TIMING_SAMPLED, max_depth, reentry);
    uint32_t s = seed * 2654435761u | 1;
    for (int i = 0; i < 8000; i++) {
      uint32_t k = xorshift(&s) % 100, id = xorshift(&s);
      if (k < 70 && i % 500 < 250) k = k < 40 ? 0 : 60; /* stretches of deep nesting */
      step(f->clock, k, id);
      step(f->sampled, k, id);
      if (i == 4000) {
        assert_true(same_calls(wo_recorder_profile(f->clock), wo_recorder_profile(f->sampled)));
        assert_true(same_counters(f->clock, f->sampled));
        assert_int_equal(wo_depth(f->clock), wo_depth(f->sampled));
      }
    }
    assert_int_equal(wo_recorder_finish(f->clock), WO_OK);
    assert_int_equal(wo_recorder_finish(f->sampled), WO_OK);
    assert_true(same_calls(wo_recorder_profile(f->clock), wo_recorder_profile(f->sampled)));
    assert_true(same_counters(f->clock, f->sampled));
    wo_recorder_free(f->clock);
    wo_recorder_free(f->sampled);
    f->clock = f->sampled = NULL;
  }
}

static const wo_profile_node *child(const wo_profile_node *n, const wo_site *site) {
  for (const wo_profile_node *c = n->first_child; c; c = c->next_sibling)
    if (c->site == site) return c;
  return NULL;
}

/* Samples go to the node on top of the stack; the times are the samples
 * times the covered time per sample; the clock is never read by the hooks. */
static void samples_give_the_times(void **state) {
  fixture *f = *state;
  f->sampled = make(f->sites, WO_TIMING_SAMPLED, 0, false);
  wo_recorder *r = f->sampled;
  assert_int_equal(wo_recorder_sample(r), 0); /* outside */
  uint64_t clock_before = fake_now;
  wo_enter(r, 0);
  wo_profile_node *_Atomic *slot = wo_recorder_node_slot(r);
  assert_non_null(slot);
  assert_ptr_equal(atomic_load(slot)->site, wo_sites_get(f->sites, 0));
  for (int i = 0; i < 3; i++) assert_int_equal(wo_recorder_sample(r), 1);
  wo_enter(r, 2);
  assert_ptr_equal(atomic_load(slot)->site, wo_sites_get(f->sites, 2));
  wo_recorder_sample(r);
  wo_exit(r, 2);
  wo_recorder_sample(r);
  wo_recorder_sample(r);
  wo_exit(r, 0);
  assert_null(atomic_load(slot));
  assert_int_equal(wo_recorder_sample(r), 0);
  assert_int_equal(fake_now, clock_before); /* no clock in the hooks */
  wo_recorder_sampled_over(r, 8, 800); /* 100 ns a sample */
  const wo_profile_node *root = wo_recorder_profile(r);
  const wo_profile_node *entry = child(root, wo_sites_get(f->sites, 0));
  const wo_profile_node *work = child(entry, wo_sites_get(f->sites, 2));
  assert_int_equal(entry->calls, 1);
  assert_int_equal(entry->samples, 5);
  assert_int_equal(entry->self_ns, 500);
  assert_int_equal(entry->total_ns, 600);
  assert_int_equal(work->self_ns, 100);
  assert_int_equal(work->total_ns, 100);
  /* an open frame is not counted yet, but its samples are */
  wo_enter(r, 0);
  wo_recorder_sample(r);
  wo_recorder_sampled_over(r, 9, 900);
  entry = child(wo_recorder_profile(r), wo_sites_get(f->sites, 0));
  assert_int_equal(entry->calls, 1);
  assert_int_equal(entry->self_ns, 600);
  wo_counters k = wo_recorder_counters(r);
  assert_int_equal(k.spans_muted, 0);
  assert_int_equal(k.enters, 3);
}

static void sampled_timing_needs_the_profile_alone(void **state) {
  fixture *f = *state;
  wo_exporter e = {NULL, drop_spans, NULL, NULL};
  wo_recorder *r = NULL;
  wo_options spans = {.record = WO_RECORD_SPANS | WO_RECORD_PROFILE, .profile_timing = WO_TIMING_SAMPLED};
  assert_int_equal(wo_recorder_new(&spans, f->sites, &e, 1, &r), WO_ERR_INVALID_ARGUMENT);
  wo_options unknown = {.record = WO_RECORD_PROFILE, .profile_timing = 2};
  assert_int_equal(wo_recorder_new(&unknown, f->sites, &e, 1, &r), WO_ERR_INVALID_ARGUMENT);
  assert_null(r);
  f->clock = make(f->sites, WO_TIMING_CLOCK, 0, false);
  assert_null(wo_recorder_node_slot(f->clock));
  wo_enter(f->clock, 0);
  assert_int_equal(wo_recorder_sample(f->clock), 0);
  wo_sampler *s = NULL;
  assert_int_equal(wo_sampler_start(f->clock, 100, &s), WO_ERR_INVALID_ARGUMENT);
  f->sampled = make(f->sites, WO_TIMING_SAMPLED, 0, false);
  assert_int_equal(wo_sampler_start(f->sampled, 0, &s), WO_ERR_INVALID_ARGUMENT);
  assert_int_equal(wo_sampler_start(f->sampled, 10000001, &s), WO_ERR_INVALID_ARGUMENT);
  assert_null(s);
  wo_sampler_stop(NULL, NULL);
}

static uint64_t clock_step = 10;
static uint64_t stepping_clock(void *unused) {
  (void)unused;
  return fake_now += clock_step;
}

static uint32_t patched[8], patched_count;
static void note_patched(void *state, uint32_t site) {
  (void)state;
  if (patched_count < 8) patched[patched_count++] = site;
}

/* One call of `site` under the entry's frame; a timed one lasts `step` ns. */
static void timed_call(wo_recorder *r, uint32_t site, uint64_t step) {
  clock_step = step;
  wo_enter(r, site);
  wo_exit(r, site);
}

/* Sampled timing with muting on: a site's calls are timed up to its fifth
 * muting check (1024 calls past the first at mute_after), then no more; a
 * site whose last 256 timed calls averaged under mute_below_ns is muted (and
 * the host hears of a function site), even after a slow start; a long one
 * is not. The profile's call counts stay exact either way. */
static void sampled_timing_times_the_first_calls_to_mute(void **state) {
  fixture *f = *state;
  wo_exporter e = {NULL, drop_spans, NULL, NULL};
  wo_options o = {.record = WO_RECORD_PROFILE, .monotonic_ns = stepping_clock, .seed = 7,
                  .mute_after = 300, .mute_below_ns = 1000, .profile_timing = WO_TIMING_SAMPLED,
                  .site_muted = note_patched};
  patched_count = 0;
  assert_int_equal(wo_recorder_new(&o, f->sites, &e, 1, &f->sampled), WO_OK);
  wo_recorder *r = f->sampled;
  assert_int_equal(wo_recorder_muting_timed_calls(r), 512 + 4 * 256); /* what hosts report */
  clock_step = 10;
  wo_enter(r, 0); /* the entry's first call is timed too */
  /* site 1: a slow start (its first 512 calls take 2000 ns each), then short */
  for (int i = 0; i < 512; i++) timed_call(r, 1, 2000);
  assert_int_equal(patched_count, 0);
  for (int i = 0; i < 255; i++) timed_call(r, 1, 10);
  assert_int_equal(patched_count, 0); /* the window of calls 513-768 is not over */
  timed_call(r, 1, 10);
  assert_int_equal(patched_count, 1);
  assert_int_equal(patched[0], 1);
  uint64_t before = fake_now;
  for (int i = 0; i < 100; i++) timed_call(r, 1, 10);
  assert_int_equal(fake_now, before); /* muted: no clock */
  /* site 2: long; timed up to its fifth check (512 + 4 x 256 calls), then not */
  for (int i = 0; i < 1536; i++) timed_call(r, 2, 3000);
  before = fake_now;
  for (int i = 0; i < 100; i++) timed_call(r, 2, 3000);
  assert_int_equal(fake_now, before);
  assert_int_equal(patched_count, 1);
  wo_exit(r, 0);
  wo_counters k = wo_recorder_counters(r);
  assert_int_equal(k.sites_muted, 1);
  assert_int_equal(k.enters, k.exits);
  const wo_profile_node *entry = child(wo_recorder_profile(r), wo_sites_get(f->sites, 0));
  assert_int_equal(child(entry, wo_sites_get(f->sites, 1))->calls, 868);
  assert_int_equal(child(entry, wo_sites_get(f->sites, 2))->calls, 1636);
  /* muting off: no call is timed */
  f->clock = make(f->sites, WO_TIMING_SAMPLED, 0, false);
  assert_int_equal(wo_recorder_muting_timed_calls(f->clock), 0);
  before = fake_now;
  for (int i = 0; i < 2000; i++) timed_call(f->clock, 1, 10);
  assert_int_equal(fake_now, before);
}

static void busy_ms(int ms) {
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  do clock_gettime(CLOCK_MONOTONIC, &t);
  while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

/* The native sampling thread: a function busy 3 ms of every 4 (1 ms in its
 * callee) gets about three quarters of what was charged. */
static void the_sampler_thread_charges_where_the_time_goes(void **state) {
  fixture *f = *state;
  f->sampled = make(f->sites, WO_TIMING_SAMPLED, 0, false);
  wo_sampler *s = NULL;
  assert_int_equal(wo_sampler_start(f->sampled, 200, &s), WO_OK);
  for (int i = 0; i < 40; i++) {
    wo_enter(f->sampled, 0);
    busy_ms(3);
    wo_enter(f->sampled, 2);
    busy_ms(1);
    wo_exit(f->sampled, 2);
    wo_exit(f->sampled, 0);
  }
  wo_sampler_stats st;
  wo_sampler_stop(s, &st);
  assert_true(st.samples >= 50); /* ~800 expected; a loaded machine samples less */
  assert_true(st.covered_ns >= 100000000ull);
  const wo_profile_node *entry = child(wo_recorder_profile(f->sampled), wo_sites_get(f->sites, 0));
  const wo_profile_node *work = child(entry, wo_sites_get(f->sites, 2));
  assert_int_equal(entry->calls, 40);
  assert_int_equal(work->calls, 40);
  double share = (double)entry->self_ns / (double)entry->total_ns;
  assert_true(share > 0.5 && share < 0.95);
  assert_int_equal(entry->total_ns, entry->self_ns + work->total_ns);
}

/* ---- the child index ---- */

/* Random adds and removes over many parents sharing few sites (long probe
 * runs, removals in their middle), checked against a plain list. */
static void the_child_index_finds_what_was_added_and_not_what_was_removed(void **state) {
  (void)state;
  enum { PARENTS = 300, SITES = 7 };
  static wo_profile_node parents[PARENTS], children[PARENTS][SITES];
  static bool present[PARENTS][SITES];
  static wo_site sites[SITES];
  wo_child_index x = {0};
  uint32_t s = 12345;
  for (int i = 0; i < 40000; i++) {
    uint32_t p = xorshift(&s) % PARENTS, k = xorshift(&s) % SITES;
    if (!present[p][k]) {
      assert_true(wo_child_add(&x, &parents[p], &sites[k], &children[p][k]));
      present[p][k] = true;
    } else if (xorshift(&s) % 3 == 0) {
      wo_child_remove(&x, &parents[p], &sites[k]);
      present[p][k] = false;
    }
    if (i % 4000 == 0 || i == 39999) {
      uint32_t count = 0;
      for (int a = 0; a < PARENTS; a++)
        for (int b = 0; b < SITES; b++) {
          wo_profile_node *got = wo_child_find(&x, &parents[a], &sites[b]);
          assert_ptr_equal(got, present[a][b] ? &children[a][b] : NULL);
          count += present[a][b];
        }
      assert_int_equal(x.used, count);
    }
  }
  wo_child_remove(&x, &parents[0], &sites[0]);
  wo_child_remove(&x, &parents[0], &sites[0]); /* not there: nothing */
  wo_child_index_free(&x);
  assert_null(x.slots);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(sampled_counts_are_the_clocks, setup, teardown),
      cmocka_unit_test_setup_teardown(samples_give_the_times, setup, teardown),
      cmocka_unit_test_setup_teardown(sampled_timing_needs_the_profile_alone, setup, teardown),
      cmocka_unit_test_setup_teardown(the_sampler_thread_charges_where_the_time_goes, setup, teardown),
      cmocka_unit_test_setup_teardown(sampled_timing_times_the_first_calls_to_mute, setup, teardown),
      cmocka_unit_test(the_child_index_finds_what_was_added_and_not_what_was_removed),
  };
  return cmocka_run_group_tests_name("sampling", tests, NULL, NULL);
}
