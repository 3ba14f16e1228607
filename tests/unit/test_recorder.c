/* Unit tests: the runtime shim's site table reader, recorder and profile
 * (runtime-shim/src), driven by a fake clock and a capturing exporter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "byte_writer.h"
#include "site_table.h"
#include "sites_fixture.h"
#include "wasm_observe.h"

/* ---- fixtures ---- */

static uint64_t fake_now;
static uint64_t fake_clock(void *unused) {
  (void)unused;
  return fake_now;
}

typedef struct {
  wo_span spans[256];
  size_t count;
  int flushes;
} capture;

static wo_status capture_spans(void *state, const wo_resource *r, const wo_span *spans, size_t n) {
  (void)r;
  capture *c = state;
  for (size_t i = 0; i < n && c->count < 256; i++) c->spans[c->count++] = spans[i];
  return WO_OK;
}

static wo_status capture_flush(void *state) {
  ((capture *)state)->flushes++;
  return WO_OK;
}

typedef struct {
  wo_sites *sites;
  wo_recorder *recorder;
  capture *captured;
} fixture;

static int setup_with(void **state, unsigned record, uint64_t min_duration, uint32_t max_depth) {
  fixture *f = calloc(1, sizeof *f);
  size_t size;
  uint8_t *module = test_module_with_sites(&size);
  assert_int_equal(wo_sites_from_module(module, size, &f->sites), WO_OK);
  free(module);
  f->captured = calloc(1, sizeof *f->captured);
  wo_exporter e = {f->captured, capture_spans, capture_flush, NULL};
  wo_options o = {.record = record, .min_duration_ns = min_duration, .max_depth = max_depth,
                  .batch_size = 4, .monotonic_ns = fake_clock, .seed = 42};
  fake_now = 1000;
  assert_int_equal(wo_recorder_new(&o, f->sites, &e, 1, &f->recorder), WO_OK);
  *state = f;
  return 0;
}

static int setup(void **state) { return setup_with(state, WO_RECORD_SPANS | WO_RECORD_PROFILE, 0, 0); }

static int setup_reentry(void **state) {
  setup_with(state, WO_RECORD_SPANS, 0, 0);
  fixture *f = *state;
  wo_recorder_free(f->recorder);
  wo_exporter e = {f->captured, capture_spans, capture_flush, NULL};
  wo_options o = {.record = WO_RECORD_SPANS, .batch_size = 4, .monotonic_ns = fake_clock,
                  .seed = 42, .unwind_on_reentry = true};
  return wo_recorder_new(&o, f->sites, &e, 1, &f->recorder) == WO_OK ? 0 : -1;
}
/* The span budget: a rate of 10 spans a second, a burst of 4. */
static int setup_budget(void **state) {
  setup_with(state, WO_RECORD_SPANS | WO_RECORD_PROFILE, 0, 0);
  fixture *f = *state;
  wo_recorder_free(f->recorder);
  wo_exporter e = {f->captured, capture_spans, capture_flush, NULL};
  wo_options o = {.record = WO_RECORD_SPANS | WO_RECORD_PROFILE, .batch_size = 4,
                  .monotonic_ns = fake_clock, .seed = 42, .span_rate = 10, .span_burst = 4};
  return wo_recorder_new(&o, f->sites, &e, 1, &f->recorder) == WO_OK ? 0 : -1;
}
static int setup_min_duration(void **state) { return setup_with(state, WO_RECORD_SPANS, 50, 0); }
static int setup_shallow(void **state) { return setup_with(state, WO_RECORD_SPANS, 0, 2); }

static int teardown(void **state) {
  fixture *f = *state;
  wo_recorder_free(f->recorder);
  wo_sites_free(f->sites);
  free(f->captured);
  free(f);
  return 0;
}

static void step(uint64_t ns) { fake_now += ns; }

/* ---- tests ---- */

static void reads_the_site_table(void **state) {
  fixture *f = *state;
  assert_int_equal(wo_sites_count(f->sites), 4);
  const wo_site *work = wo_sites_get(f->sites, 2);
  assert_string_equal(work->name, "work");
  assert_string_equal(work->symbol, "_Z4workv");
  assert_int_equal(work->function_index, 4);
  assert_int_equal(wo_sites_get(f->sites, 3)->kind, WO_SITE_IMPORT);
  assert_string_equal(wo_sites_get(f->sites, 3)->module, "env");
  assert_null(wo_sites_get(f->sites, 4));
}

static void nested_spans_have_parents_kinds_and_times(void **state) {
  fixture *f = *state;
  wo_enter(f->recorder, 0); /* export main */
  step(10);
  wo_enter(f->recorder, 1); /* main */
  step(10);
  wo_enter(f->recorder, 3); /* import log */
  step(5);
  wo_exit(f->recorder, 3);
  step(10);
  wo_exit(f->recorder, 1);
  wo_exit(f->recorder, 0);
  assert_int_equal(wo_depth(f->recorder), 0);
  assert_int_equal(wo_recorder_flush(f->recorder), WO_OK);
  capture *c = f->captured;
  assert_int_equal(c->count, 3);
  const wo_span *log = &c->spans[0], *main_ = &c->spans[1], *entry = &c->spans[2];
  assert_int_equal(log->kind, WO_KIND_CLIENT);
  assert_int_equal(main_->kind, WO_KIND_INTERNAL);
  assert_int_equal(entry->kind, WO_KIND_SERVER);
  assert_memory_equal(log->parent_span_id, main_->span_id, 8);
  assert_memory_equal(main_->parent_span_id, entry->span_id, 8);
  static const uint8_t zero[8] = {0};
  assert_memory_equal(entry->parent_span_id, zero, 8);
  assert_memory_equal(log->trace_id, entry->trace_id, 16);
  assert_int_equal(log->end_unix_ns - log->start_unix_ns, 5);
  assert_int_equal(main_->end_unix_ns - main_->start_unix_ns, 25);
  assert_int_equal(entry->depth, 0);
  assert_int_equal(log->depth, 2);
  assert_false(main_->error);
  assert_true(c->flushes > 0);
}

static void each_root_starts_a_new_trace(void **state) {
  fixture *f = *state;
  wo_enter(f->recorder, 1);
  wo_exit(f->recorder, 1);
  wo_enter(f->recorder, 1);
  wo_exit(f->recorder, 1);
  wo_recorder_flush(f->recorder);
  assert_int_equal(f->captured->count, 2);
  assert_memory_not_equal(f->captured->spans[0].trace_id, f->captured->spans[1].trace_id, 16);
}

/* unwind_on_reentry: a JS host called an export again after a trap it
 * could not report; a re-entry through an import call is left alone. */
static void an_export_entered_over_stale_frames_unwinds_them(void **state) {
  fixture *f = *state;
  wo_enter(f->recorder, 0); /* export main */
  wo_enter(f->recorder, 1); /* main */
  wo_enter(f->recorder, 3); /* import log: JS calls the export again from here */
  wo_enter(f->recorder, 0);
  assert_int_equal(wo_depth(f->recorder), 4);
  wo_enter(f->recorder, 2); /* work traps: JS catches it inside log */
  step(10);
  wo_exit(f->recorder, 3); /* log returns: the out-of-order exit closes work, export */
  assert_int_equal(wo_depth(f->recorder), 2);
  step(10);
  wo_enter(f->recorder, 2); /* main traps in work: the host never sees it */
  step(10);
  wo_enter(f->recorder, 0); /* the next call from JS */
  assert_int_equal(wo_depth(f->recorder), 1);
  wo_exit(f->recorder, 0);
  assert_int_equal(wo_depth(f->recorder), 0);
  wo_recorder_flush(f->recorder);
  capture *c = f->captured;
  assert_int_equal(c->count, 7);
  /* ended in order: work, export (unwound by log's exit), log; then work, main,
   * export main (unwound by the new entry), and the new call */
  int unwound = 0;
  for (size_t i = 0; i < c->count; i++) unwound += c->spans[i].error;
  assert_int_equal(unwound, 5);
  assert_int_equal(c->spans[6].depth, 0);
  assert_false(c->spans[6].error);
  assert_memory_not_equal(c->spans[6].trace_id, c->spans[5].trace_id, 16);
  assert_int_equal(wo_recorder_counters(f->recorder).spans_unwound, 5);
}

static void an_out_of_order_exit_unwinds_the_frames_above(void **state) {
  fixture *f = *state;
  wo_enter(f->recorder, 1);
  wo_enter(f->recorder, 2);
  wo_enter(f->recorder, 3);
  wo_exit(f->recorder, 1); /* a trap or longjmp skipped the exits of 3 and 2 */
  wo_recorder_flush(f->recorder);
  capture *c = f->captured;
  assert_int_equal(c->count, 3);
  assert_true(c->spans[0].error);
  assert_true(c->spans[1].error);
  assert_false(c->spans[2].error);
  wo_counters n = wo_recorder_counters(f->recorder);
  assert_int_equal(n.spans_unwound, 2);
  assert_int_equal(wo_depth(f->recorder), 0);
}

static void hostile_hook_calls_are_counted_and_ignored(void **state) {
  fixture *f = *state;
  wo_exit(f->recorder, 1);          /* nothing open */
  wo_enter(f->recorder, 1000000);   /* unknown id */
  wo_exit(f->recorder, UINT32_MAX); /* unknown id */
  wo_enter(f->recorder, 1);
  wo_exit(f->recorder, 2);          /* never entered: ignored */
  wo_exit(f->recorder, 1);
  wo_counters n = wo_recorder_counters(f->recorder);
  assert_int_equal(n.exits_without_enter, 1);
  assert_int_equal(n.unknown_ids, 2);
  assert_int_equal(n.exits_unmatched, 1);
  assert_int_equal(n.spans_unwound, 0);
  wo_recorder_flush(f->recorder);
  assert_int_equal(f->captured->count, 1);
}

static void deep_recursion_is_capped(void **state) {
  fixture *f = *state; /* max_depth 2 */
  for (int i = 0; i < 1000; i++) wo_enter(f->recorder, 2);
  assert_int_equal(wo_depth(f->recorder), 2);
  for (int i = 0; i < 1000; i++) wo_exit(f->recorder, 2);
  assert_int_equal(wo_depth(f->recorder), 0);
  wo_counters n = wo_recorder_counters(f->recorder);
  assert_int_equal(n.depth_overflows, 998);
  wo_recorder_flush(f->recorder);
  assert_int_equal(f->captured->count, 2);
  assert_false(f->captured->spans[0].error);
}

static int setup_depth_8(void **state) { return setup_with(state, WO_RECORD_SPANS, 0, 8); }

static void an_outer_exit_closes_spans_beyond_the_depth_cap(void **state) {
  fixture *f = *state; /* max_depth 8 */
  wo_enter(f->recorder, 1);
  for (int i = 0; i < 20; i++) wo_enter(f->recorder, 2);
  step(100);
  wo_exit(f->recorder, 1); /* a non-local exit out of all of them */
  assert_int_equal(wo_depth(f->recorder), 0);
  wo_enter(f->recorder, 1); /* recorded again */
  assert_int_equal(wo_depth(f->recorder), 1);
  wo_exit(f->recorder, 1);
  wo_recorder_flush(f->recorder);
  capture *c = f->captured;
  assert_int_equal(c->count, 9); /* 7 unwound work, main, main */
  for (size_t i = 0; i < 7; i++) assert_true(c->spans[i].error);
  /* Spans unwound together end one after the other, inner first. */
  for (size_t i = 0; i + 1 < 8; i++) assert_true(c->spans[i].end_unix_ns < c->spans[i + 1].end_unix_ns);
}

static void short_spans_are_filtered(void **state) {
  fixture *f = *state; /* min 50 ns */
  wo_enter(f->recorder, 1);
  wo_enter(f->recorder, 2);
  step(10);
  wo_exit(f->recorder, 2);
  step(100);
  wo_exit(f->recorder, 1);
  wo_recorder_flush(f->recorder);
  assert_int_equal(f->captured->count, 1);
  assert_string_equal(f->captured->spans[0].site->name, "main");
  assert_int_equal(wo_recorder_counters(f->recorder).spans_filtered, 1);
}

static void unwind_and_finish_close_open_spans_with_error(void **state) {
  fixture *f = *state;
  wo_enter(f->recorder, 1);
  wo_enter(f->recorder, 2);
  wo_unwind(f->recorder); /* after a trap */
  assert_int_equal(wo_depth(f->recorder), 0);
  wo_enter(f->recorder, 0);
  wo_enter(f->recorder, 1);
  assert_int_equal(wo_recorder_finish(f->recorder), WO_OK); /* proc_exit */
  capture *c = f->captured;
  assert_int_equal(c->count, 4);
  for (size_t i = 0; i < 4; i++) assert_true(c->spans[i].error);
}

/* The unwind hook: a longjmp skipped the exits of the two innermost enters. */
static void unwind_frames_closes_the_innermost_enters(void **state) {
  fixture *f = *state;
  wo_enter(f->recorder, 0);
  wo_enter(f->recorder, 1);
  wo_enter(f->recorder, 2);
  wo_enter(f->recorder, 2);
  step(10);
  wo_unwind_frames(f->recorder, 2);
  assert_int_equal(wo_depth(f->recorder), 2);
  wo_unwind_frames(f->recorder, 0); /* nothing */
  wo_enter(f->recorder, 2); /* a child of 1 again, not of the unwound frames */
  wo_exit(f->recorder, 2);
  wo_exit(f->recorder, 1);
  wo_exit(f->recorder, 0);
  wo_counters n = wo_recorder_counters(f->recorder);
  assert_int_equal(n.exits_unmatched, 0);
  assert_int_equal(n.spans_unwound, 2);
  wo_recorder_flush(f->recorder);
  capture *c = f->captured;
  assert_int_equal(c->count, 5);
  assert_true(c->spans[0].error && c->spans[1].error);
  assert_true(memcmp(c->spans[0].parent_span_id, c->spans[1].span_id, 8) == 0);
  assert_false(c->spans[2].error);
  assert_true(memcmp(c->spans[2].parent_span_id, c->spans[3].span_id, 8) == 0); /* 2 under 1 */
  assert_true(memcmp(c->spans[1].parent_span_id, c->spans[3].span_id, 8) == 0);
  /* The profile: 0 > 1 > 2 twice, 0 > 1 > 2 > 2 once (the unwound one), and
   * nothing under that: the later 2 is 1's child. */
  const wo_profile_node *one = wo_recorder_profile(f->recorder)->first_child->first_child;
  assert_int_equal(one->first_child->calls, 2);
  assert_int_equal(one->first_child->first_child->calls, 1);
  assert_null(one->first_child->first_child->first_child);
}

/* Past max_depth the unwind takes the counted enters first; more than are
 * open closes them all and counts the odd call. */
static void unwind_frames_takes_the_overflow_first(void **state) {
  fixture *f = *state; /* max_depth 2 */
  for (int i = 0; i < 5; i++) wo_enter(f->recorder, 2);
  wo_unwind_frames(f->recorder, 3);
  assert_int_equal(wo_depth(f->recorder), 2);
  wo_exit(f->recorder, 2);
  wo_unwind_frames(f->recorder, 7);
  assert_int_equal(wo_depth(f->recorder), 0);
  wo_counters n = wo_recorder_counters(f->recorder);
  assert_int_equal(n.exits_unmatched, 1);
  assert_int_equal(n.spans_unwound, 1);
  wo_enter(f->recorder, 1);
  wo_exit(f->recorder, 1);
  wo_recorder_flush(f->recorder);
  assert_int_equal(f->captured->count, 3);
}

static void profile_counts_calls_and_self_time(void **state) {
  fixture *f = *state;
  for (int i = 0; i < 3; i++) {
    wo_enter(f->recorder, 1);
    step(10);
    wo_enter(f->recorder, 2);
    step(30);
    wo_exit(f->recorder, 2);
    wo_exit(f->recorder, 1);
  }
  const wo_profile_node *root = wo_recorder_profile(f->recorder);
  assert_non_null(root);
  const wo_profile_node *main_ = root->first_child;
  assert_string_equal(main_->site->name, "main");
  assert_int_equal(main_->calls, 3);
  assert_int_equal(main_->total_ns, 120);
  assert_int_equal(main_->self_ns, 30);
  assert_int_equal(main_->first_child->self_ns, 90);
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  assert_int_equal(wo_profile_write_folded(root, out), WO_OK);
  fclose(out);
  assert_string_equal(text, "main 30\nmain;work 90\n");
  free(text);
}

/* The name of the profile child of `node` for site `name`, or NULL. */
static const wo_profile_node *child_named(const wo_profile_node *node, const char *name) {
  for (const wo_profile_node *c = node->first_child; c; c = c->next_sibling)
    if (strcmp(c->site->name, name) == 0) return c;
  return NULL;
}

static size_t children(const wo_profile_node *node) {
  size_t n = 0;
  for (const wo_profile_node *c = node->first_child; c; c = c->next_sibling) n++;
  return n;
}

/* wasi:otel's order: each span entered pending (site 2, "work", as the
 * placeholder) and named by wo_exit_as when it ends. */
static void pending_spans_are_named_when_they_end(void **state) {
  fixture *f = *state;
  wo_recorder *r = f->recorder;
  for (int round = 0; round < 2; round++) {
    wo_enter_pending(r, 2);     /* export main */
    for (int i = 0; i < 2; i++) {
      wo_enter_pending(r, 2);   /* main */
      step(10);
      wo_enter_pending(r, 2);   /* import log */
      step(5);
      wo_exit_as(r, 3, false);
      wo_enter(r, 3);           /* a plain enter under a pending frame */
      step(1);
      wo_exit(r, 3);
      wo_exit_as(r, 1, false);
    }
    wo_exit_as(r, 0, false);
  }
  assert_int_equal(wo_depth(r), 0);
  assert_int_equal(wo_recorder_flush(r), WO_OK);
  capture *c = f->captured;
  assert_int_equal(c->count, 2 * (1 + 2 * 3));
  /* the first round: log, log, main, log, log, main, export main */
  static const char *const names[] = {"env.log", "env.log", "main", "env.log",
                                       "env.log", "main",    "main"};
  for (size_t i = 0; i < 7; i++) {
    assert_string_equal(c->spans[i].site->name, names[i]);
    assert_false(c->spans[i].error);
  }
  assert_int_equal(c->spans[6].site->kind, WO_SITE_EXPORT);
  assert_int_equal(c->spans[6].kind, WO_KIND_SERVER);
  assert_int_equal(c->spans[0].kind, WO_KIND_CLIENT);
  assert_memory_equal(c->spans[0].parent_span_id, c->spans[2].span_id, 8);
  assert_memory_equal(c->spans[1].parent_span_id, c->spans[2].span_id, 8);
  assert_memory_equal(c->spans[2].parent_span_id, c->spans[6].span_id, 8);
  assert_int_equal(c->spans[2].end_unix_ns - c->spans[2].start_unix_ns, 16);
  /* the profile: the placeholder is on no path; the rounds merged */
  const wo_profile_node *root = wo_recorder_profile(r);
  assert_non_null(root);
  assert_int_equal(children(root), 1);
  const wo_profile_node *exp = root->first_child;
  assert_int_equal(exp->site->kind, WO_SITE_EXPORT);
  assert_int_equal(exp->calls, 2);
  assert_int_equal(exp->total_ns, 64);
  assert_int_equal(exp->self_ns, 0);
  assert_int_equal(children(exp), 1);
  const wo_profile_node *main_ = exp->first_child;
  assert_string_equal(main_->site->name, "main");
  assert_int_equal(main_->calls, 4);
  assert_int_equal(main_->total_ns, 64);
  assert_int_equal(main_->self_ns, 40);
  assert_int_equal(children(main_), 1);
  const wo_profile_node *log = main_->first_child;
  assert_string_equal(log->site->name, "env.log");
  assert_int_equal(log->calls, 8);
  assert_int_equal(log->total_ns, 24);
  assert_null(log->first_child);
}

/* Closed any other way than by wo_exit_as, a pending span keeps its
 * placeholder; wo_exit_as's error flag; a plain frame keeps its own site. */
static void pending_spans_closed_otherwise_keep_their_placeholder(void **state) {
  fixture *f = *state;
  wo_recorder *r = f->recorder;
  wo_enter_pending(r, 2);
  wo_enter_pending(r, 2);
  wo_enter_pending(r, 2);
  wo_exit_as(r, 3, true);            /* log, with error status */
  wo_exit_as(r, UINT32_MAX, false);  /* unknown id: counted, nothing ends */
  assert_int_equal(wo_depth(r), 2);
  wo_enter(r, 1);
  wo_exit_as(r, 0, true);            /* a plain frame ends as itself: main */
  assert_int_equal(wo_recorder_finish(r), WO_OK); /* the two pending ones: work */
  capture *c = f->captured;
  assert_int_equal(c->count, 4);
  assert_string_equal(c->spans[0].site->name, "env.log");
  assert_string_equal(c->spans[1].site->name, "main");
  assert_string_equal(c->spans[2].site->name, "work");
  assert_string_equal(c->spans[3].site->name, "work");
  for (size_t i = 0; i < 4; i++) assert_true(c->spans[i].error);
  wo_counters n = wo_recorder_counters(r);
  assert_int_equal(n.spans_unwound, 4);
  assert_int_equal(n.unknown_ids, 1);
  const wo_profile_node *root = wo_recorder_profile(r);
  const wo_profile_node *work = child_named(root, "work");
  assert_non_null(work);
  assert_int_equal(work->calls, 1);
  const wo_profile_node *work2 = child_named(work, "work");
  assert_non_null(work2);
  assert_non_null(child_named(work2, "env.log"));
  assert_non_null(child_named(work2, "main"));
  assert_int_equal(children(work2), 2);
}

/* Pending enters past max_depth are counted, and wo_exit_as ends them first. */
static void pending_spans_past_the_depth_cap(void **state) {
  fixture *f = *state; /* max_depth 2 */
  wo_recorder *r = f->recorder;
  for (int i = 0; i < 5; i++) wo_enter_pending(r, 2);
  assert_int_equal(wo_depth(r), 2);
  for (int i = 0; i < 5; i++) wo_exit_as(r, 1, false);
  assert_int_equal(wo_depth(r), 0);
  assert_int_equal(wo_recorder_counters(r).depth_overflows, 3);
  wo_recorder_flush(r);
  assert_int_equal(f->captured->count, 2);
  assert_string_equal(f->captured->spans[0].site->name, "main");
  wo_exit_as(r, 1, false);
  assert_int_equal(wo_recorder_counters(r).exits_without_enter, 1);
}

typedef struct {
  wo_recorder *recorder;
  int rounds;
} thread_job;

static void *run_thread(void *arg) {
  thread_job *job = arg;
  for (int i = 0; i < job->rounds; i++) {
    wo_enter(job->recorder, 1);
    wo_enter(job->recorder, 2);
    wo_exit(job->recorder, 2);
    wo_exit(job->recorder, 1);
  }
  wo_recorder_flush(job->recorder);
  return NULL;
}

static int setup_real_clock(void **state) {
  fixture *f = calloc(1, sizeof *f);
  size_t size;
  uint8_t *module = test_module_with_sites(&size);
  wo_sites_from_module(module, size, &f->sites);
  free(module);
  wo_options o = {.record = WO_RECORD_PROFILE};
  assert_int_equal(wo_recorder_new(&o, f->sites, NULL, 0, &f->recorder), WO_OK);
  *state = f;
  return 0;
}

static void threads_have_their_own_stacks(void **state) {
  fixture *f = *state;
  pthread_t threads[4];
  thread_job job = {f->recorder, 10000};
  for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, run_thread, &job);
  for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
  wo_counters n = wo_recorder_counters(f->recorder);
  assert_int_equal(n.enters, 80000);
  assert_int_equal(n.exits, 80000);
  assert_int_equal(n.exits_unmatched + n.spans_unwound + n.exits_without_enter, 0);
  const wo_profile_node *root = wo_recorder_profile(f->recorder);
  assert_int_equal(root->first_child->calls, 40000);
  assert_int_equal(root->first_child->first_child->calls, 40000);
}

static void rejects_modules_without_sites(void **state) {
  (void)state;
  wo_sites *sites;
  const uint8_t bare[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  assert_int_equal(wo_sites_from_module(bare, 8, &sites), WO_ERR_NO_SITE_TABLE);
  assert_int_equal(wo_sites_from_module(bare, 4, &sites), WO_ERR_NOT_WASM);
  /* A site table that claims more sites than it holds. */
  const uint8_t lying[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x18, 0x15,
                           'w',  'a',  's',  'm',  '-',  'i',  'n',  's',  't',  'r',  'u',
                           'm',  'e',  'n',  't',  '.',  's',  'i',  't',  'e',  's',  0x01, 0x7f};
  assert_int_equal(wo_sites_from_module(lying, sizeof lying, &sites), WO_ERR_MALFORMED);
}

static void names_observe_sdk_modules_by_function_index(void **state) {
  (void)state;
  /* (import "env" "f" (func)) (memory import) (func) + a name section naming func 1. */
  const uint8_t module[] = {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      0x01, 0x04, 0x01, 0x60, 0x00, 0x00,                            /* type */
      0x02, 0x12, 0x02, 0x03, 'e', 'n', 'v', 0x01, 'f', 0x00, 0x00,  /* import func env.f */
      0x03, 'e', 'n', 'v', 0x01, 'm', 0x02, 0x00, 0x01,              /* import memory env.m */
      0x03, 0x02, 0x01, 0x00,                                        /* one function */
      0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,                            /* code */
      0x00, 0x14, 0x04, 'n', 'a', 'm', 'e', 0x01, 0x0d, 0x01, 0x01,  /* name: func 1 */
      0x0a, '_', 'Z', 'N', '3', 'f', 'o', 'o', 'E', 'v', 'v'};
  wo_sites *sites;
  assert_int_equal(wo_sites_from_module(module, sizeof module, &sites), WO_OK);
  assert_int_equal(wo_sites_count(sites), 2);
  assert_int_equal(wo_sites_get(sites, 0)->kind, WO_SITE_IMPORT);
  assert_string_equal(wo_sites_get(sites, 0)->name, "env.f");
  assert_int_equal(wo_sites_get(sites, 1)->kind, WO_SITE_FUNCTION);
  assert_string_equal(wo_sites_get(sites, 1)->symbol, "_ZN3fooEvv");
  assert_int_equal(wo_sites_get(sites, 1)->function_index, 1);
  wo_sites_free(sites);
}

static void observe_sdk_ids_are_function_indices_even_with_a_site_table(void **state) {
  (void)state;
  /* (import "dylibso:observe/instrument" "enter" (func (param i32))) plus a
   * site table whose only site would otherwise be id 0. */
  wi_writer m = {0}, imports = {0}, custom = {0};
  const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  const uint8_t types[] = {0x01, 0x05, 0x01, 0x60, 0x01, 0x7f, 0x00};
  wi_put_bytes(&m, header, 8);
  wi_put_bytes(&m, types, sizeof types);
  wi_put_u32(&imports, 1);
  wi_put_cstr(&imports, "dylibso:observe/instrument");
  wi_put_cstr(&imports, "enter");
  const uint8_t func_type0[] = {0x00, 0x00};
  wi_put_bytes(&imports, func_type0, 2);
  uint8_t id = 2;
  wi_put_bytes(&m, &id, 1);
  wi_put_name(&m, imports.data, imports.size);
  wi_site_table t = {0};
  wi_site site = {WI_SITE_FUNCTION, 0, 7, 7, "f", "site-table-name", "", "", "", 0};
  wi_site_table_add(&t, &site);
  size_t payload_size;
  uint8_t *payload = wi_site_table_encode(&t, &payload_size);
  wi_put_cstr(&custom, WI_SITE_TABLE_SECTION);
  wi_put_bytes(&custom, payload, payload_size);
  id = 0;
  wi_put_bytes(&m, &id, 1);
  wi_put_name(&m, custom.data, custom.size);
  wo_sites *sites;
  assert_int_equal(wo_sites_from_module(m.data, m.size, &sites), WO_OK);
  assert_int_equal(wo_sites_count(sites), 1);
  assert_int_equal(wo_sites_get(sites, 0)->kind, WO_SITE_IMPORT);
  assert_string_equal(wo_sites_get(sites, 0)->name, "dylibso:observe/instrument.enter");
  wo_sites_free(sites);
  free(payload);
  wi_site_table_free(&t);
  free(m.data);
  free(imports.data);
  free(custom.data);
}

static void the_tsc_clock_keeps_time(void **state) {
  (void)state;
  size_t size;
  uint8_t *module = test_module_with_sites(&size);
  wo_sites *sites;
  assert_int_equal(wo_sites_from_module(module, size, &sites), WO_OK);
  free(module);
  capture *c = calloc(1, sizeof *c);
  wo_exporter e = {c, capture_spans, NULL, NULL};
  wo_options o = {.clock = WO_CLOCK_TSC}; /* falls back to CLOCK_MONOTONIC without a TSC */
  wo_recorder *r;
  assert_int_equal(wo_recorder_new(&o, sites, &e, 1, &r), WO_OK);
  wo_enter(r, 1);
  struct timespec pause = {0, 20000000}; /* 20 ms */
  nanosleep(&pause, NULL);
  wo_exit(r, 1);
  wo_recorder_flush(r);
  assert_int_equal(c->count, 1);
  uint64_t duration = c->spans[0].end_unix_ns - c->spans[0].start_unix_ns;
  assert_true(duration >= 19000000 && duration < 500000000);
  wo_recorder_free(r);
  wo_sites_free(sites);
  free(c);
}


/* The calls of `site` among the children of `parent` in the profile. */
static uint64_t calls_under(const wo_profile_node *parent, const wo_site *site) {
  for (const wo_profile_node *n = parent->first_child; n; n = n->next_sibling)
    if (n->site == site) return n->calls;
  return 0;
}

/* Every recorded span's parent is recorded too (or it is a root). */
static void assert_no_orphans(const capture *c) {
  static const uint8_t zero[8] = {0};
  for (size_t i = 0; i < c->count; i++) {
    if (memcmp(c->spans[i].parent_span_id, zero, 8) == 0) continue;
    bool found = false;
    for (size_t k = 0; k < c->count && !found; k++)
      found = memcmp(c->spans[k].span_id, c->spans[i].parent_span_id, 8) == 0;
    assert_true(found);
  }
}

/* Tokens are taken as spans end; a span with a recorded child is kept even
 * with none left, so that every recorded span has its parent. */
static void the_span_rate_keeps_the_parents_of_what_it_keeps(void **state) {
  fixture *f = *state;
  wo_enter(f->recorder, 0);
  for (int i = 0; i < 3; i++) { /* tokens 1-3 */
    wo_enter(f->recorder, 1);
    wo_exit(f->recorder, 1);
  }
  wo_enter(f->recorder, 1);
  wo_enter(f->recorder, 2);
  wo_exit(f->recorder, 2);      /* token 4: the burst is gone */
  wo_exit(f->recorder, 1);      /* none left, but its child is recorded: kept */
  wo_enter(f->recorder, 1);
  wo_exit(f->recorder, 1);      /* none left: dropped */
  step(200000000);              /* 0.2 s: two tokens come */
  wo_enter(f->recorder, 2);
  wo_exit(f->recorder, 2);
  wo_exit(f->recorder, 0);
  assert_int_equal(wo_recorder_finish(f->recorder), WO_OK);
  capture *c = f->captured;
  assert_int_equal(c->count, 7);
  assert_no_orphans(c);
  wo_counters k = wo_recorder_counters(f->recorder);
  assert_int_equal(k.spans_recorded, 7);
  assert_int_equal(k.spans_over_rate, 1);
  assert_int_equal(k.spans_over_size, 0);
  assert_int_equal(k.spans_filtered, 0);
  /* the profile stays exact: main (1) was called five times */
  const wo_profile_node *entry = wo_recorder_profile(f->recorder)->first_child;
  assert_non_null(entry);
  assert_int_equal(calls_under(entry, wo_sites_get(f->sites, 1)), 5);
}

/* Spans a filter drops cost no token. */
static void filtered_spans_cost_no_token(void **state) {
  fixture *f = *state;
  wo_recorder_free(f->recorder);
  wo_exporter e = {f->captured, capture_spans, capture_flush, NULL};
  wo_options o = {.record = WO_RECORD_SPANS, .batch_size = 4, .monotonic_ns = fake_clock,
                  .min_duration_ns = 50, .span_rate = 10, .span_burst = 2};
  assert_int_equal(wo_recorder_new(&o, f->sites, &e, 1, &f->recorder), WO_OK);
  for (int i = 0; i < 100; i++) { /* short: filtered */
    wo_enter(f->recorder, 1);
    wo_exit(f->recorder, 1);
  }
  for (int i = 0; i < 3; i++) {
    wo_enter(f->recorder, 1);
    step(100);
    wo_exit(f->recorder, 1);
  }
  wo_counters k = wo_recorder_counters(f->recorder);
  assert_int_equal(k.spans_filtered, 100);
  assert_int_equal(k.spans_recorded, 2);
  assert_int_equal(k.spans_over_rate, 1);
}

static void the_span_rate_refills_up_to_the_burst(void **state) {
  fixture *f = *state;
  for (int i = 0; i < 6; i++) {
    wo_enter(f->recorder, 1);
    wo_exit(f->recorder, 1);
  }
  step(10ull * 1000000000ull); /* ten seconds: 100 tokens, but the bucket holds 4 */
  for (int i = 0; i < 6; i++) {
    wo_enter(f->recorder, 1);
    wo_exit(f->recorder, 1);
  }
  wo_counters k = wo_recorder_counters(f->recorder);
  assert_int_equal(k.spans_recorded, 8);
  assert_int_equal(k.spans_over_rate, 4);
}

static void no_span_rate_when_unlimited(void **state) {
  fixture *f = *state;
  wo_recorder_free(f->recorder);
  wo_exporter e = {f->captured, capture_spans, capture_flush, NULL};
  wo_options o = {.record = WO_RECORD_SPANS, .batch_size = 4, .monotonic_ns = fake_clock,
                  .span_rate = WO_UNLIMITED, .span_burst = 1};
  assert_int_equal(wo_recorder_new(&o, f->sites, &e, 1, &f->recorder), WO_OK);
  for (int i = 0; i < 300; i++) {
    wo_enter(f->recorder, 1);
    wo_exit(f->recorder, 1);
  }
  wo_counters k = wo_recorder_counters(f->recorder);
  assert_int_equal(k.spans_recorded, 300);
  assert_int_equal(k.spans_over_rate, 0);
}

/* An exporter whose output fills: full after its first batch, dropping from
 * its third. */
typedef struct {
  capture captured;
  int batches;
} filling;

static wo_status filling_export(void *state, const wo_resource *r, const wo_span *spans, size_t n) {
  filling *fl = state;
  if (++fl->batches >= 3) return WO_OUTPUT_DROPPED;
  capture_spans(&fl->captured, r, spans, n);
  return WO_OUTPUT_FULL;
}

static void a_full_output_stops_new_spans_and_keeps_the_open_ones(void **state) {
  fixture *f = *state;
  wo_recorder_free(f->recorder);
  filling fl = {0};
  wo_exporter e = {&fl, filling_export, NULL, NULL};
  wo_options o = {.record = WO_RECORD_SPANS, .batch_size = 2, .monotonic_ns = fake_clock};
  assert_int_equal(wo_recorder_new(&o, f->sites, &e, 1, &f->recorder), WO_OK);
  wo_enter(f->recorder, 0);
  wo_enter(f->recorder, 1);
  wo_enter(f->recorder, 2);
  for (int i = 0; i < 2; i++) { /* a batch of two: written, and the output is full */
    wo_enter(f->recorder, 3);
    wo_exit(f->recorder, 3);
  }
  for (int i = 0; i < 3; i++) { /* not recorded: over the size budget */
    wo_enter(f->recorder, 3);
    wo_exit(f->recorder, 3);
  }
  wo_exit(f->recorder, 2);
  wo_exit(f->recorder, 1); /* the open ones end: a batch of two, written */
  assert_int_equal(fl.captured.count, 4);
  wo_counters k = wo_recorder_counters(f->recorder);
  assert_int_equal(k.spans_over_size, 3);
  assert_int_equal(k.export_errors, 0);
  /* the third batch is dropped by the output: counted whole */
  wo_exit(f->recorder, 0);
  assert_int_equal(wo_recorder_finish(f->recorder), WO_OK);
  assert_int_equal(fl.captured.count, 4);
  k = wo_recorder_counters(f->recorder);
  assert_int_equal(k.spans_over_size, 4);
  assert_int_equal(k.spans_recorded, 5);
}

/* Muting: a fake clock that counts its reads. */
static unsigned clock_reads;
static uint64_t counting_clock(void *unused) {
  (void)unused;
  clock_reads++;
  return fake_now;
}

static void make_muting_recorder(fixture *f, uint64_t mute_after) {
  wo_recorder_free(f->recorder);
  wo_exporter e = {f->captured, capture_spans, capture_flush, NULL};
  wo_options o = {.record = WO_RECORD_SPANS | WO_RECORD_PROFILE, .batch_size = 4,
                  .monotonic_ns = counting_clock, .span_rate = WO_UNLIMITED,
                  .mute_after = mute_after, .mute_below_ns = 50};
  assert_int_equal(wo_recorder_new(&o, f->sites, &e, 1, &f->recorder), WO_OK);
}

static void call(fixture *f, uint32_t id, uint64_t ns) {
  wo_enter(f->recorder, id);
  step(ns);
  wo_exit(f->recorder, id);
}

static void hot_short_sites_are_muted(void **state) {
  fixture *f = *state;
  make_muting_recorder(f, 256);
  for (int i = 0; i < 256; i++) call(f, 1, 10);  /* short: muted after the 256th */
  for (int i = 0; i < 512; i++) call(f, 2, 100); /* long enough: never */
  clock_reads = 0;
  for (int i = 0; i < 100; i++) call(f, 1, 10);
  assert_int_equal(clock_reads, 0); /* a muted site reads no clock */
  wo_counters k = wo_recorder_counters(f->recorder);
  assert_int_equal(k.sites_muted, 1);
  assert_int_equal(k.spans_muted, 100);
  assert_int_equal(k.spans_recorded, 256 + 512);
  assert_int_equal(wo_recorder_muting_timed_calls(f->recorder), 0); /* the clock: judged for ever */
  assert_int_equal(k.enters, k.exits);
  /* the profile still counts every call */
  assert_int_equal(calls_under(wo_recorder_profile(f->recorder), wo_sites_get(f->sites, 1)), 356);
}

/* --patchable: the host hears of each muted function site once, when it is
 * muted. */
static uint32_t patched[8];
static unsigned patched_count;
static void note_patched(void *state, uint32_t site) {
  (void)state;
  if (patched_count < 8) patched[patched_count] = site;
  patched_count++;
}

static void the_host_hears_of_each_muted_function_once(void **state) {
  fixture *f = *state;
  wo_recorder_free(f->recorder);
  wo_exporter e = {f->captured, capture_spans, capture_flush, NULL};
  wo_options o = {.record = WO_RECORD_PROFILE, .monotonic_ns = counting_clock,
                  .mute_after = 256, .mute_below_ns = 50, .site_muted = note_patched};
  assert_int_equal(wo_recorder_new(&o, f->sites, &e, 1, &f->recorder), WO_OK);
  patched_count = 0;
  for (int i = 0; i < 255; i++) call(f, 1, 10);
  assert_int_equal(patched_count, 0); /* not before the rule says so */
  call(f, 1, 10);
  assert_int_equal(patched_count, 1);
  assert_int_equal(patched[0], 1);
  for (int i = 0; i < 1024; i++) call(f, 1, 10); /* still called: an unpatched host */
  for (int i = 0; i < 1024; i++) call(f, 2, 100); /* long: never muted */
  assert_int_equal(patched_count, 1);
  /* an import site is muted too, but the module cannot skip its hooks */
  assert_int_equal(wo_sites_get(f->sites, 3)->kind, WO_SITE_IMPORT);
  for (int i = 0; i < 1024; i++) call(f, 3, 10);
  assert_int_equal(patched_count, 1);
  assert_int_equal(wo_recorder_counters(f->recorder).sites_muted, 2);
}

/* A muted site called by turns from two callers (and from each twice in a
 * row, so that each caller's newest child is the other site too) counts its
 * calls under each: the node a muted call reuses is the site's last one only
 * when that was under the same caller. */
static void a_muted_site_counts_under_each_caller(void **state) {
  fixture *f = *state;
  make_muting_recorder(f, 256);
  for (int i = 0; i < 256; i++) call(f, 1, 10); /* site 1 muted */
  for (int i = 0; i < 10; i++) {
    wo_enter(f->recorder, 0);
    call(f, 1, 10);
    call(f, 2, 100);
    call(f, 1, 10);
    wo_exit(f->recorder, 0);
    wo_enter(f->recorder, 2);
    call(f, 1, 10);
    wo_exit(f->recorder, 2);
  }
  const wo_profile_node *root = wo_recorder_profile(f->recorder);
  const wo_site *s0 = wo_sites_get(f->sites, 0), *s1 = wo_sites_get(f->sites, 1),
                *s2 = wo_sites_get(f->sites, 2);
  const wo_profile_node *under0 = NULL, *under2 = NULL;
  for (const wo_profile_node *n = root->first_child; n; n = n->next_sibling) {
    if (n->site == s0) under0 = n;
    if (n->site == s2) under2 = n;
  }
  assert_non_null(under0);
  assert_non_null(under2);
  assert_int_equal(calls_under(under0, s1), 20);
  assert_int_equal(calls_under(under2, s1), 10);
  assert_int_equal(calls_under(root, s1), 256);
}

/* A span under a muted frame has the nearest recorded ancestor as parent; a
 * muted root still starts a new trace for what it calls. */
static void spans_under_a_muted_frame_keep_a_parent(void **state) {
  fixture *f = *state;
  make_muting_recorder(f, 256);
  for (int i = 0; i < 256; i++) call(f, 1, 10);
  f->captured->count = 0;
  wo_enter(f->recorder, 0);
  wo_enter(f->recorder, 1); /* muted */
  call(f, 2, 100);
  wo_exit(f->recorder, 1);
  wo_exit(f->recorder, 0);
  wo_enter(f->recorder, 1); /* a muted root */
  call(f, 2, 100);
  wo_exit(f->recorder, 1);
  assert_int_equal(wo_recorder_flush(f->recorder), WO_OK);
  capture *c = f->captured;
  assert_int_equal(c->count, 3);
  const wo_span *inner = &c->spans[0], *entry = &c->spans[1], *alone = &c->spans[2];
  assert_int_equal(inner->site, wo_sites_get(f->sites, 2));
  assert_int_equal(entry->site, wo_sites_get(f->sites, 0));
  assert_memory_equal(inner->parent_span_id, entry->span_id, 8);
  assert_memory_equal(inner->trace_id, entry->trace_id, 16);
  static const uint8_t zero[8] = {0};
  assert_memory_equal(alone->parent_span_id, zero, 8);
  assert_memory_not_equal(alone->trace_id, entry->trace_id, 16);
}

static void no_muting_when_unlimited(void **state) {
  fixture *f = *state;
  make_muting_recorder(f, WO_UNLIMITED);
  for (int i = 0; i < 1024; i++) call(f, 1, 1);
  wo_counters k = wo_recorder_counters(f->recorder);
  assert_int_equal(k.sites_muted, 0);
  assert_int_equal(k.spans_recorded, 1024);
}

/* wo_recorder_finish closes the open spans while it holds the recorder's
 * lock: taking a token must not need that lock again (it once deadlocked). */
static void finish_closes_spans_under_the_span_rate(void **state) {
  fixture *f = *state;
  wo_enter(f->recorder, 0);
  wo_enter(f->recorder, 1);
  assert_int_equal(wo_recorder_finish(f->recorder), WO_OK);
  assert_int_equal(f->captured->count, 2);
}

/* The ancestors kept for a leaf take tokens too, into debt: a deep chain
 * cannot carry its whole stack past the rate again and again. */
static void ancestors_kept_for_a_leaf_count_against_the_rate(void **state) {
  fixture *f = *state;
  wo_recorder_free(f->recorder);
  wo_exporter e = {f->captured, capture_spans, capture_flush, NULL};
  wo_options o = {.record = WO_RECORD_SPANS, .batch_size = 4, .monotonic_ns = fake_clock,
                  .span_rate = 100, .span_burst = 1, .mute_after = WO_UNLIMITED};
  assert_int_equal(wo_recorder_new(&o, f->sites, &e, 1, &f->recorder), WO_OK);
  for (int chain = 0; chain < 20; chain++) {
    for (int d = 0; d < 50; d++) wo_enter(f->recorder, 1);
    for (int d = 0; d < 50; d++) wo_exit(f->recorder, 1);
  }
  wo_counters k = wo_recorder_counters(f->recorder);
  assert_int_equal(k.spans_recorded, 50); /* the first chain, its leaf's token and a debt of 49 */
  assert_int_equal(k.spans_over_rate, 19 * 50);
  step(250000000); /* a quarter second: 25 tokens, not enough to pay the debt */
  call(f, 1, 1);
  assert_int_equal(wo_recorder_counters(f->recorder).spans_recorded, 50);
  step(250000000); /* 25 more: the debt is paid, and the bucket holds its burst */
  for (int i = 0; i < 10; i++) call(f, 1, 1);
  assert_int_equal(wo_recorder_counters(f->recorder).spans_recorded, 51);
}

/* A muted frame's time is its caller's self time; its recorded children's
 * time stays theirs (not counted twice). */
static void a_muted_frame_passes_its_childrens_time_up(void **state) {
  fixture *f = *state;
  make_muting_recorder(f, 256);
  for (int i = 0; i < 256; i++) call(f, 1, 10);
  wo_enter(f->recorder, 0);
  step(10);
  wo_enter(f->recorder, 1); /* muted */
  step(10);
  call(f, 2, 100);
  step(10);
  wo_exit(f->recorder, 1);
  step(10);
  wo_exit(f->recorder, 0);
  const wo_profile_node *root = wo_recorder_profile(f->recorder);
  const wo_profile_node *entry = NULL;
  for (const wo_profile_node *n = root->first_child; n; n = n->next_sibling)
    if (n->site == wo_sites_get(f->sites, 0)) entry = n;
  assert_non_null(entry);
  assert_int_equal(entry->total_ns, 140);
  assert_int_equal(entry->self_ns, 40);
  const wo_profile_node *muted = entry->first_child;
  assert_non_null(muted);
  assert_int_equal(muted->self_ns, 0);
  assert_int_equal(muted->first_child->total_ns, 100);
}

/* A muted site's enter and exit take a short path (recorder.c): through a
 * stack that must grow, a non-local exit over muted frames and a muted root,
 * the stack and the call counts stay what the long path gives. */
static void muted_frames_keep_the_stack_through_growth_and_unwinding(void **state) {
  fixture *f = *state;
  make_muting_recorder(f, 256);
  for (int i = 0; i < 256; i++) call(f, 1, 10);
  wo_enter(f->recorder, 0);
  for (int d = 0; d < 200; d++) wo_enter(f->recorder, 1); /* past the first stack's 64 frames */
  assert_int_equal(wo_depth(f->recorder), 201);
  for (int d = 0; d < 200; d++) wo_exit(f->recorder, 1);
  for (int d = 0; d < 5; d++) wo_enter(f->recorder, 1);
  clock_reads = 0;
  wo_exit(f->recorder, 0); /* non-local: closes the 5 muted frames as unwound */
  assert_int_equal(clock_reads, 1);
  assert_int_equal(wo_depth(f->recorder), 0);
  call(f, 1, 10); /* a muted root */
  assert_int_equal(wo_depth(f->recorder), 0);
  wo_counters k = wo_recorder_counters(f->recorder);
  assert_int_equal(k.enters, 256 + 1 + 205 + 1);
  assert_int_equal(k.exits, 256 + 200 + 1 + 1);
  assert_int_equal(k.spans_unwound, 5);
  assert_int_equal(k.spans_muted, 206);
  assert_int_equal(k.exits_unmatched, 0);
  const wo_profile_node *root = wo_recorder_profile(f->recorder);
  assert_int_equal(calls_under(root, wo_sites_get(f->sites, 1)), 257);
  const wo_profile_node *entry = NULL;
  for (const wo_profile_node *n = root->first_child; n; n = n->next_sibling)
    if (n->site == wo_sites_get(f->sites, 0)) entry = n;
  assert_non_null(entry);
  uint64_t nested = 0; /* site 1's calls at each depth under the entry */
  for (const wo_profile_node *n = entry->first_child; n; n = n->first_child) nested += n->calls;
  assert_int_equal(nested, 205);
}

/* ---- the outer context (wo_options's outer_context) ---- */

typedef struct {
  bool active;
  wo_outer_context context;
  int calls;
} fake_host;

static bool fake_outer_context(void *state, wo_outer_context *out) {
  fake_host *h = state;
  h->calls++;
  if (!h->active) return false;
  *out = h->context;
  return true;
}

static fake_host host;

/* A recorder asking `host` for the outer context; `ratio` its own sampling. */
static void make_outer_recorder(fixture *f, double ratio, bool export_at_root_end) {
  wo_recorder_free(f->recorder);
  f->captured->count = 0;
  wo_exporter e = {f->captured, capture_spans, capture_flush, NULL};
  wo_options o = {.record = WO_RECORD_SPANS, .batch_size = 64, .monotonic_ns = fake_clock,
                  .seed = 42, .sample_ratio = ratio, .outer_context = fake_outer_context,
                  .outer_context_state = &host, .export_at_root_end = export_at_root_end};
  assert_int_equal(wo_recorder_new(&o, f->sites, &e, 1, &f->recorder), WO_OK);
  memset(&host, 0, sizeof host);
  for (int i = 0; i < 16; i++) host.context.trace_id[i] = (uint8_t)(0xa0 + i);
  for (int i = 0; i < 8; i++) host.context.span_id[i] = (uint8_t)(0xb0 + i);
  host.context.sampled = true;
}

static void the_outer_context_parents_the_root_span(void **state) {
  fixture *f = *state;
  make_outer_recorder(f, 0.000001, false); /* its own sampling would keep nothing */
  host.active = true;
  wo_enter(f->recorder, 0);
  step(10);
  call(f, 1, 10);
  wo_exit(f->recorder, 0);
  assert_int_equal(host.calls, 1); /* asked for the root only */
  host.active = false;             /* no host span: a trace of its own, unsampled */
  call(f, 0, 10);
  host.active = true;
  memset(host.context.trace_id, 0, sizeof host.context.trace_id); /* not a valid context */
  call(f, 0, 10);
  assert_int_equal(host.calls, 3);
  assert_int_equal(wo_recorder_flush(f->recorder), WO_OK);
  capture *c = f->captured;
  assert_int_equal(c->count, 2);
  const wo_span *main_ = &c->spans[0], *entry = &c->spans[1];
  uint8_t trace_id[16], span_id[8];
  for (int i = 0; i < 16; i++) trace_id[i] = (uint8_t)(0xa0 + i);
  for (int i = 0; i < 8; i++) span_id[i] = (uint8_t)(0xb0 + i);
  assert_memory_equal(entry->trace_id, trace_id, 16);
  assert_memory_equal(main_->trace_id, trace_id, 16);
  assert_memory_equal(entry->parent_span_id, span_id, 8);
  assert_memory_equal(main_->parent_span_id, entry->span_id, 8);
  assert_int_equal(entry->depth, 0);
  assert_int_equal(wo_recorder_counters(f->recorder).spans_filtered, 2);
}

static void an_unsampled_outer_context_records_nothing(void **state) {
  fixture *f = *state;
  make_outer_recorder(f, 0, false); /* its own sampling would keep all */
  host.active = true;
  host.context.sampled = false;
  wo_enter(f->recorder, 0);
  call(f, 1, 10);
  wo_exit(f->recorder, 0);
  host.active = false; /* then a trace of its own, recorded */
  call(f, 0, 10);
  assert_int_equal(wo_recorder_flush(f->recorder), WO_OK);
  capture *c = f->captured;
  assert_int_equal(c->count, 1);
  static const uint8_t zero[8] = {0};
  assert_memory_equal(c->spans[0].parent_span_id, zero, 8);
  assert_int_equal(wo_recorder_counters(f->recorder).spans_filtered, 2);
}

/* Under a muted root, the recorded spans' parent is the outer span. */
static void spans_under_a_muted_root_take_the_outer_parent(void **state) {
  fixture *f = *state;
  wo_recorder_free(f->recorder);
  wo_exporter e = {f->captured, capture_spans, capture_flush, NULL};
  wo_options o = {.record = WO_RECORD_SPANS, .batch_size = 4, .monotonic_ns = fake_clock,
                  .span_rate = WO_UNLIMITED, .mute_after = 256, .mute_below_ns = 50,
                  .outer_context = fake_outer_context, .outer_context_state = &host};
  assert_int_equal(wo_recorder_new(&o, f->sites, &e, 1, &f->recorder), WO_OK);
  memset(&host, 0, sizeof host);
  for (int i = 0; i < 256; i++) call(f, 1, 10); /* site 1 is muted after these */
  f->captured->count = 0;
  host.active = true;
  host.context.sampled = true;
  host.context.trace_id[15] = 7;
  host.context.span_id[7] = 9;
  wo_enter(f->recorder, 1); /* muted */
  call(f, 2, 100);
  wo_exit(f->recorder, 1);
  assert_int_equal(wo_recorder_flush(f->recorder), WO_OK);
  capture *c = f->captured;
  assert_int_equal(c->count, 1);
  assert_int_equal(c->spans[0].site, wo_sites_get(f->sites, 2));
  assert_memory_equal(c->spans[0].parent_span_id, host.context.span_id, 8);
  assert_memory_equal(c->spans[0].trace_id, host.context.trace_id, 16);
}

static void open_spans_are_listed_root_first(void **state) {
  fixture *f = *state;
  make_outer_recorder(f, 0, false);
  wo_span open[4];
  assert_int_equal(wo_open_spans(f->recorder, open, 4), 0);
  host.active = true;
  wo_enter(f->recorder, 0);
  step(10);
  wo_enter(f->recorder, 1);
  step(10);
  wo_enter(f->recorder, 2);
  assert_int_equal(wo_open_spans(f->recorder, open, 2), 2); /* at most max */
  assert_int_equal(wo_open_spans(f->recorder, open, 4), 3);
  assert_memory_equal(open[0].parent_span_id, host.context.span_id, 8);
  assert_memory_equal(open[1].parent_span_id, open[0].span_id, 8);
  assert_memory_equal(open[2].parent_span_id, open[1].span_id, 8);
  assert_memory_equal(open[2].trace_id, host.context.trace_id, 16);
  assert_int_equal(open[0].site, wo_sites_get(f->sites, 0));
  assert_int_equal(open[2].site, wo_sites_get(f->sites, 2));
  assert_int_equal(open[0].kind, WO_KIND_SERVER);
  assert_int_equal(open[1].start_unix_ns - open[0].start_unix_ns, 10);
  assert_int_equal(open[2].depth, 2);
  wo_exit(f->recorder, 2);
  step(5);
  wo_exit(f->recorder, 1);
  wo_exit(f->recorder, 0);
  assert_int_equal(wo_recorder_flush(f->recorder), WO_OK);
  capture *c = f->captured;
  assert_int_equal(c->count, 3); /* the ids they end with are the ones listed */
  assert_memory_equal(c->spans[0].span_id, open[2].span_id, 8);
  assert_memory_equal(c->spans[1].span_id, open[1].span_id, 8);
  assert_int_equal(c->spans[1].start_unix_ns, open[1].start_unix_ns);
  assert_memory_equal(c->spans[2].span_id, open[0].span_id, 8);
  assert_int_equal(wo_open_spans(f->recorder, open, 4), 0);
  /* the clock on the spans' scale: a span starting now starts then */
  uint64_t now = wo_recorder_now_unix_ns(f->recorder);
  wo_enter(f->recorder, 1);
  assert_int_equal(wo_open_spans(f->recorder, open, 4), 1);
  assert_int_equal(open[0].start_unix_ns, now);
  wo_exit(f->recorder, 1);
}

static void spans_go_out_when_the_stack_empties(void **state) {
  fixture *f = *state;
  make_outer_recorder(f, 0, true);
  wo_enter(f->recorder, 0);
  call(f, 1, 10);
  assert_int_equal(f->captured->count, 0); /* the root is open */
  wo_exit(f->recorder, 0);
  assert_int_equal(f->captured->count, 2);
  make_outer_recorder(f, 0, false);
  wo_enter(f->recorder, 0);
  call(f, 1, 10);
  wo_exit(f->recorder, 0);
  assert_int_equal(f->captured->count, 0); /* without the option: when the batch is full */
}

/* A muted root ends on the short path (recorder.c): its children's spans
 * still go out as the stack empties. */
static void spans_go_out_when_a_muted_root_ends(void **state) {
  fixture *f = *state;
  wo_recorder_free(f->recorder);
  wo_exporter e = {f->captured, capture_spans, capture_flush, NULL};
  wo_options o = {.record = WO_RECORD_SPANS, .batch_size = 4, .monotonic_ns = fake_clock,
                  .span_rate = WO_UNLIMITED, .mute_after = 256, .mute_below_ns = 50,
                  .export_at_root_end = true};
  assert_int_equal(wo_recorder_new(&o, f->sites, &e, 1, &f->recorder), WO_OK);
  for (int i = 0; i < 256; i++) call(f, 1, 10); /* site 1 is muted after these */
  f->captured->count = 0;
  wo_enter(f->recorder, 1); /* a muted root */
  call(f, 2, 100);
  assert_int_equal(f->captured->count, 0);
  wo_exit(f->recorder, 1);
  assert_int_equal(f->captured->count, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(reads_the_site_table, setup, teardown),
      cmocka_unit_test_setup_teardown(nested_spans_have_parents_kinds_and_times, setup, teardown),
      cmocka_unit_test_setup_teardown(each_root_starts_a_new_trace, setup, teardown),
      cmocka_unit_test_setup_teardown(an_out_of_order_exit_unwinds_the_frames_above, setup, teardown),
      cmocka_unit_test_setup_teardown(an_export_entered_over_stale_frames_unwinds_them, setup_reentry,
                                      teardown),
      cmocka_unit_test_setup_teardown(hostile_hook_calls_are_counted_and_ignored, setup, teardown),
      cmocka_unit_test_setup_teardown(deep_recursion_is_capped, setup_shallow, teardown),
      cmocka_unit_test_setup_teardown(short_spans_are_filtered, setup_min_duration, teardown),
      cmocka_unit_test_setup_teardown(an_outer_exit_closes_spans_beyond_the_depth_cap, setup_depth_8,
                                      teardown),
      cmocka_unit_test_setup_teardown(unwind_and_finish_close_open_spans_with_error, setup, teardown),
      cmocka_unit_test_setup_teardown(unwind_frames_closes_the_innermost_enters, setup, teardown),
      cmocka_unit_test_setup_teardown(unwind_frames_takes_the_overflow_first, setup_shallow, teardown),
      cmocka_unit_test_setup_teardown(profile_counts_calls_and_self_time, setup, teardown),
      cmocka_unit_test_setup_teardown(pending_spans_are_named_when_they_end, setup, teardown),
      cmocka_unit_test_setup_teardown(pending_spans_closed_otherwise_keep_their_placeholder, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(pending_spans_past_the_depth_cap, setup_shallow, teardown),
      cmocka_unit_test_setup_teardown(threads_have_their_own_stacks, setup_real_clock, teardown),
      cmocka_unit_test_setup_teardown(the_span_rate_keeps_the_parents_of_what_it_keeps, setup_budget,
                                      teardown),
      cmocka_unit_test_setup_teardown(filtered_spans_cost_no_token, setup, teardown),
      cmocka_unit_test_setup_teardown(the_span_rate_refills_up_to_the_burst, setup_budget, teardown),
      cmocka_unit_test_setup_teardown(no_span_rate_when_unlimited, setup, teardown),
      cmocka_unit_test_setup_teardown(a_full_output_stops_new_spans_and_keeps_the_open_ones, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(the_host_hears_of_each_muted_function_once, setup, teardown),
      cmocka_unit_test_setup_teardown(hot_short_sites_are_muted, setup, teardown),
      cmocka_unit_test_setup_teardown(a_muted_site_counts_under_each_caller, setup, teardown),
      cmocka_unit_test_setup_teardown(spans_under_a_muted_frame_keep_a_parent, setup, teardown),
      cmocka_unit_test_setup_teardown(no_muting_when_unlimited, setup, teardown),
      cmocka_unit_test_setup_teardown(finish_closes_spans_under_the_span_rate, setup_budget,
                                      teardown),
      cmocka_unit_test_setup_teardown(ancestors_kept_for_a_leaf_count_against_the_rate, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(a_muted_frame_passes_its_childrens_time_up, setup, teardown),
      cmocka_unit_test_setup_teardown(muted_frames_keep_the_stack_through_growth_and_unwinding, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(the_outer_context_parents_the_root_span, setup, teardown),
      cmocka_unit_test_setup_teardown(an_unsampled_outer_context_records_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(spans_under_a_muted_root_take_the_outer_parent, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(open_spans_are_listed_root_first, setup, teardown),
      cmocka_unit_test_setup_teardown(spans_go_out_when_the_stack_empties, setup, teardown),
      cmocka_unit_test_setup_teardown(spans_go_out_when_a_muted_root_ends, setup, teardown),
      cmocka_unit_test(rejects_modules_without_sites),
      cmocka_unit_test(names_observe_sdk_modules_by_function_index),
      cmocka_unit_test(observe_sdk_ids_are_function_indices_even_with_a_site_table),
      cmocka_unit_test(the_tsc_clock_keeps_time),
  };
  return cmocka_run_group_tests_name("recorder", tests, NULL, NULL);
}
