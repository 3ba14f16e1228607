/* The recorder: per-thread stacks of open spans driven by the hooks.
 *
 * The hot path (wo_enter / wo_exit) takes no lock: each thread finds its own
 * state through a thread-local cache, reads the clock, and pushes or pops a
 * frame. A closed span goes into the thread's batch; a full batch is handed to
 * the exporters under the recorder's lock. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#ifdef __wasi__
#include <wasi/api.h>
#endif

#include "recorder_internal.h"

enum { DEFAULT_MAX_DEPTH = 4096, DEFAULT_BATCH = 512, FIRST_STACK = 64 };

/* The span budget's bucket: a thread draws this many tokens at a time (one
 * lock per so many spans), and a burst is capped so that nanotokens fit. */
enum { TOKENS_PER_DRAW = 64 };
#define NANO 1000000000ull
#define MAX_BURST 1000000000ull

static _Atomic uint64_t next_serial = 1;

static _Thread_local struct {
  uint64_t serial;
  wo_thread *thread;
} cached;

static uint64_t system_monotonic_ns(void) {
#ifdef __wasi__
  /* wasi-libc's clock_gettime splits WASI's nanoseconds into a timespec that
   * would be joined again here: a few ns of the ~100 a span costs in Node. */
  __wasi_timestamp_t ns = 0;
  if (__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &ns) != 0) return 0;
  return ns;
#else
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
#endif
}

/* The recorder's clock: a direct call for the system clock (the common case,
 * and an indirect call costs a few ns per hook where the clock is cheap). */
static inline uint64_t read_clock(const wo_recorder *r) {
  return r->monotonic_ns ? r->monotonic_ns(r->clock_state) : system_monotonic_ns();
}

static uint64_t unix_now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* xorshift64*: ids need to be unique and unguessable enough for a trace
 * viewer, not cryptographic. */
static uint64_t next_random(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

/* n is a multiple of 8 (span ids 8 bytes, trace ids 16). */
static void random_bytes(uint64_t *state, uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = next_random(state);
    memcpy(out + i, &v, sizeof v);
  }
}

static char *copy_string(const char *s, const char *fallback) {
  return strdup(s ? s : fallback);
}

static void destroy_exporters(wo_exporter *exporters, size_t count) {
  for (size_t i = 0; i < count; i++)
    if (exporters[i].destroy) exporters[i].destroy(exporters[i].state);
}

/* Undoes a recorder that could not be completed. The recorder owns the
 * exporters even when creation fails (wasm_observe.h), so they go too. */
static void discard_recorder(wo_recorder *r, wo_exporter *exporters, size_t count) {
  if (r) {
    free(r->site_stats);
    free(r->exporters);
    free(r->service_name);
    free(r->module_name);
    free(r);
  }
  destroy_exporters(exporters, count);
}

/* A thread's state stays with the recorder (its spans may still be open or
 * batched); a new thread, even one that reuses the id, gets a state of its own. */
static void thread_exited(void *state) { ((wo_thread *)state)->exited = true; }

/* Sampled timing times a site's calls up to its first few muting checks
 * (they fall on multiples of 256 calls, from mute_after on): a decision on one
 * window alone would take a cold start (the first calls of a module or of the
 * recorder compile code) for a long site's. */
enum { SAMPLED_TIMED_WINDOWS = 5 };
static uint64_t sampled_timed_calls(uint64_t mute_after) {
  uint64_t extra = (SAMPLED_TIMED_WINDOWS - 1) * 256;
  if (mute_after > UINT64_MAX - 255 - extra) return UINT64_MAX;
  uint64_t first_check = mute_after <= 256 ? 256 : (mute_after + 255) & ~(uint64_t)255;
  return first_check + extra;
}

wo_status wo_recorder_new(const wo_options *o, const wo_sites *sites, wo_exporter *exporters,
                          size_t exporter_count, wo_recorder **out) {
  *out = NULL;
  wo_options defaults = {0};
  if (!o) o = &defaults;
  bool sampled_timing = o->profile_timing == WO_TIMING_SAMPLED;
  if (!sites || (exporter_count && !exporters) || o->sample_ratio < 0 || o->sample_ratio > 1 ||
      o->profile_timing > WO_TIMING_SAMPLED || (sampled_timing && o->record != WO_RECORD_PROFILE)) {
    destroy_exporters(exporters, exporter_count);
    return WO_ERR_INVALID_ARGUMENT;
  }
  wo_recorder *r = calloc(1, sizeof *r);
  if (r) r->exporters = malloc((exporter_count ? exporter_count : 1) * sizeof *exporters);
  if (r) r->service_name = copy_string(o->service_name, "wasm-module");
  if (r) r->module_name = copy_string(o->module_name, "");
  if (!r || !r->exporters || !r->service_name || !r->module_name) {
    discard_recorder(r, exporters, exporter_count);
    return WO_ERR_NO_MEMORY;
  }
  if (exporter_count) memcpy(r->exporters, exporters, exporter_count * sizeof *exporters);
  r->exporter_count = exporter_count;
  r->serial = atomic_fetch_add(&next_serial, 1);
  r->record = o->record ? o->record : WO_RECORD_SPANS;
  r->min_duration_ns = o->min_duration_ns;
  double ratio = o->sample_ratio == 0 ? 1.0 : o->sample_ratio;
  r->sample_threshold = ratio >= 1.0 ? UINT64_MAX : (uint64_t)(ratio * 18446744073709551615.0);
  r->max_depth = o->max_depth ? o->max_depth : DEFAULT_MAX_DEPTH;
  r->unwind_on_reentry = o->unwind_on_reentry;
  r->export_at_root_end = o->export_at_root_end;
  r->outer_context = o->outer_context;
  r->outer_context_state = o->outer_context_state;
  r->site_muted = o->site_muted;
  r->site_muted_state = o->site_muted_state;
  r->batch_size = o->batch_size ? o->batch_size : DEFAULT_BATCH;
  uint64_t rate = o->span_rate ? o->span_rate : WO_DEFAULT_SPAN_RATE;
  uint64_t burst = o->span_burst ? o->span_burst : WO_DEFAULT_SPAN_BURST;
  r->span_rate = rate == WO_UNLIMITED ? 0 : rate;
  r->bucket_capacity = (int64_t)((burst > MAX_BURST ? MAX_BURST : burst) * NANO);
  r->bucket = r->bucket_capacity;
  r->monotonic_ns = o->monotonic_ns; /* NULL: system_monotonic_ns */
  r->clock_state = o->clock_state;
  if (!o->monotonic_ns && o->clock == WO_CLOCK_TSC && wo_tsc_clock_init(&r->tsc)) {
    r->monotonic_ns = wo_tsc_clock_now;
    r->clock_state = &r->tsc;
  }
  r->seed = o->seed;
  if (r->seed == 0 && getrandom(&r->seed, sizeof r->seed, 0) != sizeof r->seed)
    r->seed = unix_now_ns() ^ (uint64_t)(uintptr_t)r;
  r->sites = sites;
  r->site_count = wo_sites_count(sites);
  r->site_items = wo_sites_get(sites, 0);
  r->sampled_timing = sampled_timing;
  r->mute_after = o->mute_after ? o->mute_after : WO_DEFAULT_MUTE_AFTER;
  r->timed_calls = sampled_timed_calls(r->mute_after);
  r->mute_below_ns = o->mute_below_ns ? o->mute_below_ns : WO_DEFAULT_MUTE_BELOW_NS;
  if (r->mute_after != WO_UNLIMITED && r->site_count) {
    r->site_stats = calloc(r->site_count, sizeof *r->site_stats);
    if (!r->site_stats) {
      discard_recorder(r, exporters, exporter_count);
      return WO_ERR_NO_MEMORY;
    }
  }
  r->monotonic_base = read_clock(r);
  r->bucket_time = r->monotonic_base;
  r->unix_base = unix_now_ns();
  r->resource.service_name = r->service_name;
  r->resource.module_name = r->module_name;
  r->resource.start_unix_ns = r->unix_base;
  pthread_mutex_init(&r->lock, NULL);
  pthread_mutex_init(&r->bucket_lock, NULL);
  if (pthread_key_create(&r->thread_key, thread_exited) != 0) {
    pthread_mutex_destroy(&r->lock);
    pthread_mutex_destroy(&r->bucket_lock);
    discard_recorder(r, exporters, exporter_count);
    return WO_ERR_NO_MEMORY;
  }
  *out = r;
  return WO_OK;
}

static wo_thread *new_thread(wo_recorder *r) {
  wo_thread *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->batch = calloc(r->batch_size, sizeof *t->batch);
  if (!t->batch) {
    free(t);
    return NULL;
  }
  t->number = r->thread_count++;
  t->rng = (r->seed ^ (0x9E3779B97F4A7C15ull * (t->number + 1))) | 1;
  t->next = r->threads;
  r->threads = t;
  return t;
}

/* The hooks' hot paths are kept small and their slow paths out of line
 * (noinline): a hook that inlines them all needs a stack frame and spills
 * registers on every call (measured in V8: a third of a sampled-timing hook
 * pair). */
#define WO_COLD __attribute__((noinline, cold))

static WO_COLD wo_thread *current_thread_slow(wo_recorder *r) {
  wo_thread *t = pthread_getspecific(r->thread_key);
  if (!t) {
    pthread_mutex_lock(&r->lock);
    t = new_thread(r);
    pthread_mutex_unlock(&r->lock);
    if (t && pthread_setspecific(r->thread_key, t) != 0) t = NULL; /* stays listed; freed with r */
  }
  if (t) {
    cached.serial = r->serial;
    cached.thread = t;
  }
  return t;
}

/* The calling thread's state if it has one (not created): the cache holds
 * only the recorder the thread used last. */
static wo_thread *known_thread(const wo_recorder *r) {
  return cached.serial == r->serial ? cached.thread : pthread_getspecific(r->thread_key);
}

/* The calling thread's state; created on its first hook call. */
static inline wo_thread *current_thread(wo_recorder *r) {
  return cached.serial == r->serial ? cached.thread : current_thread_slow(r);
}

wo_thread *wo_current_thread(wo_recorder *r) { return current_thread(r); }

static bool ensure_stack(wo_thread *t, uint32_t max_depth) {
  if (t->depth < t->capacity) return true;
  uint32_t capacity = t->capacity ? t->capacity * 2 : FIRST_STACK;
  if (capacity > max_depth) capacity = max_depth;
  wo_frame *grown = realloc(t->stack, capacity * sizeof *grown);
  if (!grown) return false;
  t->stack = grown;
  t->capacity = capacity;
  return true;
}

static bool ensure_overflow_ids(wo_thread *t) {
  if (t->overflow < t->overflow_capacity) return true;
  uint32_t capacity = t->overflow_capacity ? t->overflow_capacity * 2 : 64;
  if (capacity > WO_OVERFLOW_IDS) capacity = WO_OVERFLOW_IDS;
  uint32_t *grown = realloc(t->overflow_ids, capacity * sizeof *grown);
  if (!grown) return false;
  t->overflow_ids = grown;
  t->overflow_capacity = capacity;
  return true;
}

static wo_span_kind kind_of(const wo_site *site) {
  switch (site->kind) {
    case WO_SITE_IMPORT: return WO_KIND_CLIENT;
    case WO_SITE_EXPORT: return WO_KIND_SERVER;
    case WO_SITE_FUNCTION: break;
  }
  return WO_KIND_INTERNAL;
}

static void unwind_above(wo_recorder *r, wo_thread *t, uint32_t keep, uint64_t now, bool locked);

static bool is_import(const wo_recorder *r, uint32_t id) {
  return wo_sites_get(r->sites, id)->kind == WO_SITE_IMPORT;
}

/* unwind_on_reentry: an export is entered while the top of the stack is not
 * an import call, so the host's previous call ended in a trap or exception
 * the hooks did not see. Drops what lies above the newest import frame. */
static void drop_stale_frames(wo_recorder *r, wo_thread *t) {
  if (t->overflow) {
    if (t->overflow > WO_OVERFLOW_IDS) return; /* the top's id was not kept: cannot tell */
    for (uint64_t k = t->overflow; k-- > 0;) {
      if (!is_import(r, t->overflow_ids[k])) continue;
      t->overflow = k + 1;
      return;
    }
    t->overflow = 0;
  }
  uint32_t keep = t->depth;
  while (keep > 0 && !is_import(r, t->stack[keep - 1].id)) keep--;
  if (keep < t->depth) unwind_above(r, t, keep, read_clock(r), false);
}

/* Refills the bucket for the time passed and draws up to TOKENS_PER_DRAW
 * tokens into the thread's allowance, one of them for the span ending now.
 * With none in the bucket, the thread asks again only once one has come; a
 * span that must be kept (`forced`: a child of it is in the trace) takes its
 * token anyway, into debt, which later spans pay back: so a chain of
 * ancestors kept for one leaf still counts against the rate. The bucket has
 * its own lock: wo_recorder_finish closes spans while it holds r->lock. */
static bool draw_tokens(wo_recorder *r, wo_thread *t, uint64_t now, bool forced) {
  if (!forced && now < t->retry_at) return false;
  pthread_mutex_lock(&r->bucket_lock);
  if (now > r->bucket_time) { /* (threads' clocks may disagree by a little) */
    uint64_t elapsed = now - r->bucket_time;
    uint64_t room = (uint64_t)(r->bucket_capacity - r->bucket);
    r->bucket_time = now;
    if (elapsed >= (room + r->span_rate - 1) / r->span_rate) r->bucket = r->bucket_capacity;
    else r->bucket += (int64_t)(elapsed * r->span_rate); /* < room + rate: no overflow */
  }
  int64_t tokens = r->bucket >= (int64_t)NANO ? r->bucket / (int64_t)NANO : 0;
  if (tokens > TOKENS_PER_DRAW) tokens = TOKENS_PER_DRAW;
  bool granted = tokens > 0 || forced;
  r->bucket -= (tokens > 0 ? tokens : granted) * (int64_t)NANO;
  if (!granted)
    t->retry_at = now + ((uint64_t)((int64_t)NANO - r->bucket) + r->span_rate - 1) / r->span_rate;
  pthread_mutex_unlock(&r->bucket_lock);
  if (tokens > 0) t->allowance = (uint32_t)tokens - 1;
  return granted;
}

/* Whether the span budget refuses a span ending now (wasm_observe.h); takes
 * its token when not. A `forced` span is one that will be kept whatever this
 * says: it still takes a token. */
static wo_budget_refusal budget_refusal(wo_recorder *r, wo_thread *t, uint64_t now, bool forced) {
  if (atomic_load_explicit(&r->output_full, memory_order_relaxed)) return WO_OVER_SIZE;
  if (!r->span_rate) return WO_IN_BUDGET;
  if (t->allowance) {
    t->allowance--;
    return WO_IN_BUDGET;
  }
  return draw_tokens(r, t, now, forced) ? WO_IN_BUDGET : WO_OVER_RATE;
}

static bool all_zero(const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (b[i]) return false;
  return true;
}

/* A root frame opens: the trace it starts, or the host's it continues
 * (wo_options's outer_context), and whether that trace is recorded. */
static void start_trace(wo_recorder *r, wo_thread *t) {
  wo_outer_context outer = {0};
  if (r->outer_context && r->outer_context(r->outer_context_state, &outer) &&
      !all_zero(outer.trace_id, sizeof outer.trace_id) &&
      !all_zero(outer.span_id, sizeof outer.span_id)) {
    memcpy(t->trace_id, outer.trace_id, sizeof t->trace_id);
    memcpy(t->outer_span_id, outer.span_id, sizeof t->outer_span_id);
    t->sampled = outer.sampled;
    return;
  }
  memset(t->outer_span_id, 0, sizeof t->outer_span_id);
  random_bytes(&t->rng, t->trace_id, sizeof t->trace_id);
  t->sampled = r->sample_threshold == UINT64_MAX || next_random(&t->rng) < r->sample_threshold;
}

/* wo_enter, and wo_enter_pending when `pending` (a constant where inlined). */
static inline void open_frame(wo_recorder *r, wo_thread *t, uint32_t id, bool pending) {
  wo_bump(&t->counters.enters);
  if (id >= r->site_count) {
    wo_bump(&t->counters.unknown_ids);
    return;
  }
  if (!pending && r->unwind_on_reentry && (t->depth || t->overflow) &&
      wo_sites_get(r->sites, id)->kind == WO_SITE_EXPORT)
    drop_stale_frames(r, t);
  if (!t->depth && !t->overflow) start_trace(r, t); /* a new trace, even under a muted root */
  if (t->overflow || t->depth >= r->max_depth || !ensure_stack(t, r->max_depth)) {
    if (t->overflow < WO_OVERFLOW_IDS && ensure_overflow_ids(t))
      t->overflow_ids[t->overflow] = id;
    t->overflow++;
    wo_bump(&t->counters.depth_overflows);
    return;
  }
  const wo_site *site = wo_sites_get(r->sites, id);
  wo_frame *parent = t->depth ? &t->stack[t->depth - 1] : NULL;
  wo_frame *f = &t->stack[t->depth];
  /* the muted paths' cache of each site's last node (sampled timing mutes
   * every frame) */
  if ((r->sampled_timing || (r->site_stats && (r->record & WO_RECORD_PROFILE))) && !t->site_last &&
      r->site_count)
    t->site_last = calloc(r->site_count, sizeof *t->site_last); /* NULL: no fast path */
  f->span_parent = !parent ? WO_NO_FRAME : parent->recorded ? t->depth - 1 : parent->span_parent;
  /* A muted frame keeps the stack and the call count, nothing more. */
  bool muted = !pending && (r->sampled_timing ? !wo_site_timed(r, id)
                                             : r->site_stats && atomic_load_explicit(&r->site_stats[id].muted,
                                                                                     memory_order_relaxed));
  f->muted = muted;
  f->id = id;
  f->children_ns = 0;
  f->pending = pending;
  f->recorded = !muted && (r->record & WO_RECORD_SPANS) && t->sampled;
  f->has_recorded_child = false;
  if (f->recorded) random_bytes(&t->rng, f->span_id, sizeof f->span_id);
  f->node = NULL;
  if (r->record & WO_RECORD_PROFILE) {
    if (!pending) {
      f->node = wo_profile_child(&t->arena, parent ? parent->node : &t->root, site);
    } else if ((f->node = wo_node_alloc(&t->arena))) {
      f->node->site = site; /* in no tree until the frame ends (close_top) */
    }
  }
  t->depth++;
  if (muted && r->sampled_timing && f->node) f->node->calls++; /* counted when it opens */
  if (muted) return; /* no clock */
  f->start_ns = read_clock(r); /* last: the hook's own cost stays outside */
}

/* The muted site's enter, the hot path of an interpreter's tiny functions:
 * a frame (the stack stays right) and its profile node, nothing else. The
 * cases that need more (a root frame opens a trace, the stack must grow or
 * is past max_depth, an export may unwind stale frames) take open_frame. */
/* A muted call's node: the site's last one when that was under the same
 * caller (a muted site is called over and over from the same place), else
 * the caller's child for the site. */
static inline wo_profile_node *muted_node(wo_thread *t, wo_profile_node *parent,
                                          const wo_site *site, uint32_t id) {
  wo_profile_node *node = t->site_last ? t->site_last[id] : NULL;
  /* the site too: the node may have been freed and reused (wo_profile_attach) */
  if (node && parent && node->parent == parent && node->site == site) return node;
  node = wo_profile_child(&t->arena, parent, site);
  if (node && t->site_last) t->site_last[id] = node;
  return node;
}

static inline bool enter_muted(wo_recorder *r, wo_thread *t, uint32_t id) {
  if (id >= r->site_count || !t->depth || t->overflow || t->depth >= t->capacity ||
      t->depth >= r->max_depth)
    return false;
  if (!r->sampled_timing &&
      (!r->site_stats || !atomic_load_explicit(&r->site_stats[id].muted, memory_order_relaxed)))
    return false;
  const wo_site *site = wo_sites_get(r->sites, id);
  if (r->unwind_on_reentry && site->kind == WO_SITE_EXPORT) return false;
  wo_frame *parent = &t->stack[t->depth - 1];
  wo_frame *f = parent + 1;
  f->id = id;
  f->muted = true;
  f->pending = false;
  f->recorded = false;
  f->has_recorded_child = false;
  f->children_ns = 0;
  f->span_parent = parent->recorded ? t->depth - 1 : parent->span_parent;
  f->node = (r->record & WO_RECORD_PROFILE) ? muted_node(t, parent->node, site, id) : NULL;
  t->depth++;
  wo_bump(&t->counters.enters);
  return true;
}

static WO_COLD void enter_slow(wo_recorder *r, wo_thread *t, uint32_t id) {
  open_frame(r, t, id, false);
  wo_publish_node(r, t);
}

void wo_enter(wo_recorder *r, uint32_t id) {
  wo_thread *t = current_thread(r);
  if (!t) return;
  if (r->sampled_timing ? !wo_enter_sampled(r, t, id) : !enter_muted(r, t, id)) enter_slow(r, t, id);
}

void wo_enter_pending(wo_recorder *r, uint32_t id) {
  wo_thread *t = current_thread(r);
  if (!t) return;
  open_frame(r, t, id, true);
  wo_publish_node(r, t);
}

/* Muting: a site's calls so far, and whether they are now many and short. */
static void count_for_muting(wo_recorder *r, uint32_t id, uint64_t duration) {
  wo_site_stat *s = &r->site_stats[id];
  uint64_t calls = atomic_load_explicit(&s->calls, memory_order_relaxed) + 1;
  uint64_t total = atomic_load_explicit(&s->total_ns, memory_order_relaxed) + duration;
  atomic_store_explicit(&s->calls, calls, memory_order_relaxed);
  atomic_store_explicit(&s->total_ns, total, memory_order_relaxed);
  /* checked now and then: the rule needs no precision */
  if ((calls & 255) != 0) return;
  uint64_t window_start = atomic_load_explicit(&s->window_start_ns, memory_order_relaxed);
  atomic_store_explicit(&s->window_start_ns, total, memory_order_relaxed);
  if (calls < r->mute_after) return;
  /* the clock: the mean of every call so far; sampled timing, which stops
   * timing the site soon: the mean of the last 256 (threads racing on the
   * counts can make a window look negative: not short, then) */
  bool short_calls = r->sampled_timing ? total >= window_start && (total - window_start) / 256 < r->mute_below_ns
                                       : total / calls < r->mute_below_ns;
  if (!short_calls) return;
  if (atomic_exchange_explicit(&s->muted, true, memory_order_relaxed)) return;
  atomic_fetch_add_explicit(&r->sites_muted, 1, memory_order_relaxed); /* shared by threads */
  /* once a site; only a function's hooks can be patched out */
  if (r->site_muted && wo_sites_get(r->sites, id)->kind == WO_SITE_FUNCTION)
    r->site_muted(r->site_muted_state, id);
}

/* The parent id a recorded frame's span gets: its nearest recorded ancestor's
 * span, else the outer context's (zero when none). */
static const uint8_t *parent_span_id(const wo_thread *t, const wo_frame *f) {
  return f->span_parent == WO_NO_FRAME ? t->outer_span_id : t->stack[f->span_parent].span_id;
}

/* The span of frame `f` (at stack index `depth`), as exporters get it. */
static void fill_span(const wo_recorder *r, const wo_thread *t, const wo_frame *f, uint32_t depth,
                      uint64_t duration, bool error, wo_span *s) {
  memcpy(s->trace_id, t->trace_id, sizeof s->trace_id);
  memcpy(s->span_id, f->span_id, sizeof s->span_id);
  memcpy(s->parent_span_id, parent_span_id(t, f), sizeof s->parent_span_id);
  s->site = wo_sites_get(r->sites, f->id);
  s->kind = kind_of(s->site);
  s->start_unix_ns = r->unix_base + (f->start_ns - r->monotonic_base);
  s->end_unix_ns = s->start_unix_ns + duration;
  s->error = error;
  s->depth = depth;
  s->thread = t->number;
}

/* `locked`: the caller holds r->lock (wo_recorder_finish). */
static void close_frame(wo_recorder *r, wo_thread *t, uint64_t now, bool error, bool locked) {
  wo_frame *f = &t->stack[--t->depth];
  uint64_t duration = f->muted ? 0 : now > f->start_ns ? now - f->start_ns : 0;
  wo_frame *parent = t->depth ? &t->stack[t->depth - 1] : NULL;
  if (parent) parent->children_ns += duration;
  if (error) wo_bump(&t->counters.spans_unwound);
  if (f->pending && f->node)
    f->node = wo_profile_attach(&t->arena, parent ? parent->node : &t->root, f->node,
                                wo_sites_get(r->sites, f->id));
  if (f->muted && r->sampled_timing) return; /* counted when it opened; no time */
  if (f->muted) {
    /* its own time is its caller's self time; its children's stay theirs */
    if (parent) parent->children_ns += f->children_ns;
    if (f->node) f->node->calls++;
    if (!r->sampled_timing) wo_bump(&t->counters.spans_muted);
    return;
  }
  if (r->site_stats && !f->pending) count_for_muting(r, f->id, duration);
  if (f->node) {
    f->node->calls++;
    f->node->total_ns += duration;
    f->node->self_ns += duration > f->children_ns ? duration - f->children_ns : 0;
  }
  if (!(r->record & WO_RECORD_SPANS)) return;
  if (!f->recorded || duration < r->min_duration_ns) {
    wo_bump(&t->counters.spans_filtered);
    return;
  }
  /* The span budget is charged when a span would be exported, so that spans
   * a filter drops cost nothing; a span with a recorded child is kept even
   * over the budget (no orphans): at most one such span per recorded one. */
  wo_budget_refusal refusal = budget_refusal(r, t, now, f->has_recorded_child);
  if (refusal != WO_IN_BUDGET && !f->has_recorded_child) {
    wo_bump(refusal == WO_OVER_RATE ? &t->counters.spans_over_rate : &t->counters.spans_over_size);
    return;
  }
  wo_frame *span_parent = f->span_parent == WO_NO_FRAME ? NULL : &t->stack[f->span_parent];
  if (span_parent) span_parent->has_recorded_child = true;
  fill_span(r, t, f, t->depth, duration, error, &t->batch[t->batch_count++]);
  wo_bump(&t->counters.spans_recorded);
  if (t->batch_count == r->batch_size) wo_export_batch(r, t, locked);
}

static void close_top(wo_recorder *r, wo_thread *t, uint64_t now, bool error, bool locked) {
  close_frame(r, t, now, error, locked);
  if (r->export_at_root_end && t->depth == 0 && t->batch_count) wo_export_batch(r, t, locked);
}

/* Closes the frames above index `keep` as unwound. They all end now, but each
 * 1 ns before the frame below it (the frame at `keep`, if an exit closes it,
 * ends at now), so that a child never ends after its parent once times are
 * rounded (trace viewers compute ts + dur in doubles). */
static void unwind_above(wo_recorder *r, wo_thread *t, uint32_t keep, uint64_t now, bool locked) {
  while (t->depth > keep) {
    uint64_t stagger = t->depth - keep;
    close_top(r, t, now > stagger ? now - stagger : 0, true, locked);
  }
}

/* An exit while enters beyond max_depth are pending: it closes the newest of
 * them if the id matches one that was kept; an id open in the recorded stack
 * instead means a non-local exit out of the whole overflow. Returns true when
 * the exit was consumed by the overflow. */
static bool exit_overflow(wo_recorder *r, wo_thread *t, uint32_t id, uint64_t now) {
  if (t->overflow > WO_OVERFLOW_IDS) { /* ids not kept: cannot check */
    t->overflow--;
    return true;
  }
  for (uint64_t k = t->overflow; k-- > 0;) {
    if (t->overflow_ids[k] != id) continue;
    t->overflow = k; /* drops the unmatched ones above as well */
    return true;
  }
  for (uint32_t k = t->depth; k-- > 0;) {
    if (t->stack[k].id != id) continue;
    t->overflow = 0;
    unwind_above(r, t, k + 1, now, false);
    return false;
  }
  wo_bump(&t->counters.exits_unmatched);
  return true;
}

static WO_COLD void exit_frame(wo_recorder *r, wo_thread *t, uint32_t id);

void wo_exit(wo_recorder *r, uint32_t id) {
  wo_thread *t = current_thread(r);
  if (!t) return;
  if (r->sampled_timing) {
    if (!wo_exit_sampled(t, id)) exit_frame(r, t, id);
    return;
  }
  uint32_t depth = t->depth;
  /* A muted frame closing in order reads no clock: its time is its
   * caller's self time (close_top's muted case, inlined: the hot path). */
  if (depth && !t->overflow && t->stack[depth - 1].id == id && t->stack[depth - 1].muted) {
    wo_frame *f = &t->stack[depth - 1];
    t->depth = depth - 1;
    wo_bump(&t->counters.exits);
    if (f->node) f->node->calls++;
    if (depth > 1) f[-1].children_ns += f->children_ns;
    wo_bump(&t->counters.spans_muted);
    if (r->export_at_root_end && depth == 1 && t->batch_count) wo_export_batch(r, t, false);
    return;
  }
  exit_frame(r, t, id);
}

static void exit_general(wo_recorder *r, wo_thread *t, uint32_t id);

static WO_COLD void exit_frame(wo_recorder *r, wo_thread *t, uint32_t id) {
  exit_general(r, t, id);
  wo_publish_node(r, t);
}

/* wo_exit's general case: the clock, out-of-order exits, the overflow. */
static void exit_general(wo_recorder *r, wo_thread *t, uint32_t id) {
  uint64_t now = read_clock(r); /* before the rest: the hook's own cost stays outside */
  wo_bump(&t->counters.exits);
  if (id >= r->site_count) {
    wo_bump(&t->counters.unknown_ids);
    return;
  }
  if (t->overflow && exit_overflow(r, t, id, now)) return;
  if (t->depth == 0) {
    wo_bump(&t->counters.exits_without_enter);
    return;
  }
  if (t->stack[t->depth - 1].id != id) {
    /* A non-local exit (a trap caught by the host, longjmp, an exception the
     * module could not see) left frames above the one this exit closes. */
    uint32_t k = t->depth - 1;
    while (k > 0 && t->stack[k - 1].id != id) k--;
    if (k == 0) {
      wo_bump(&t->counters.exits_unmatched);
      return;
    }
    unwind_above(r, t, k, now, false);
  }
  close_top(r, t, now, false, false);
}

void wo_exit_as(wo_recorder *r, uint32_t id, bool error) {
  uint64_t now = read_clock(r);
  wo_thread *t = current_thread(r);
  if (!t) return;
  wo_bump(&t->counters.exits);
  if (id >= r->site_count) {
    wo_bump(&t->counters.unknown_ids);
    return;
  }
  if (t->overflow) {
    t->overflow--;
    return;
  }
  if (t->depth == 0) {
    wo_bump(&t->counters.exits_without_enter);
    return;
  }
  wo_frame *f = &t->stack[t->depth - 1];
  if (f->pending) f->id = id;
  close_top(r, t, now, error, false);
  wo_publish_node(r, t);
}

void wo_unwind(wo_recorder *r) {
  uint64_t now = read_clock(r);
  wo_thread *t = current_thread(r);
  if (!t) return;
  t->overflow = 0;
  unwind_above(r, t, 0, now, false);
  wo_publish_node(r, t);
}

void wo_unwind_frames(wo_recorder *r, uint32_t count) {
  uint64_t now = read_clock(r);
  wo_thread *t = current_thread(r);
  if (!t || count == 0) return;
  /* The newest enters first: those past max_depth were only counted. */
  uint64_t from_overflow = t->overflow < count ? t->overflow : count;
  t->overflow -= from_overflow;
  count -= (uint32_t)from_overflow;
  if (count > t->depth) {
    wo_bump(&t->counters.exits_unmatched); /* more than are open: a confused module */
    count = t->depth;
  }
  unwind_above(r, t, t->depth - count, now, false);
  wo_publish_node(r, t);
}

uint32_t wo_depth(const wo_recorder *r) {
  const wo_thread *t = known_thread(r);
  return t ? t->depth : 0;
}

uint32_t wo_open_spans(const wo_recorder *r, wo_span *out, uint32_t max) {
  const wo_thread *t = known_thread(r);
  uint32_t n = 0;
  for (uint32_t k = 0; t && k < t->depth && n < max; k++) {
    const wo_frame *f = &t->stack[k];
    if (!f->recorded) continue;
    fill_span(r, t, f, k, 0, false, &out[n++]); /* still open: no duration yet */
  }
  return n;
}

uint64_t wo_recorder_now_unix_ns(const wo_recorder *r) {
  return r->unix_base + (read_clock(r) - r->monotonic_base);
}

static wo_status flush_exporters(wo_recorder *r) {
  wo_status rc = WO_OK;
  for (size_t i = 0; i < r->exporter_count; i++) {
    if (!r->exporters[i].flush) continue;
    wo_status e = r->exporters[i].flush(r->exporters[i].state);
    if (e != WO_OK && rc == WO_OK) rc = e;
  }
  return rc;
}

/* Other threads' batches are theirs to hand over (they are being filled
 * without a lock); only wo_recorder_finish, which requires every thread to be
 * out of the module, collects them. */
wo_status wo_recorder_flush(wo_recorder *r) {
  wo_thread *self = known_thread(r);
  pthread_mutex_lock(&r->lock);
  if (self) wo_export_batch(r, self, true);
  wo_status rc = flush_exporters(r);
  pthread_mutex_unlock(&r->lock);
  return rc;
}

wo_status wo_recorder_finish(wo_recorder *r) {
  uint64_t now = read_clock(r);
  pthread_mutex_lock(&r->lock);
  for (wo_thread *t = r->threads; t; t = t->next) {
    t->overflow = 0;
    unwind_above(r, t, 0, now, true);
    wo_publish_node(r, t);
    wo_export_batch(r, t, true);
  }
  wo_status rc = flush_exporters(r);
  pthread_mutex_unlock(&r->lock);
  return rc;
}

static uint64_t read(const wo_counter *c) { return atomic_load_explicit(c, memory_order_relaxed); }

wo_counters wo_recorder_counters(const wo_recorder *r) {
  wo_counters sum = {0};
  pthread_mutex_lock((pthread_mutex_t *)&r->lock);
  for (const wo_thread *t = r->threads; t; t = t->next) {
    const wo_thread_counters *c = &t->counters;
    sum.enters += read(&c->enters);
    sum.exits += read(&c->exits);
    sum.spans_recorded += read(&c->spans_recorded);
    sum.spans_filtered += read(&c->spans_filtered);
    sum.unknown_ids += read(&c->unknown_ids);
    sum.exits_without_enter += read(&c->exits_without_enter);
    sum.exits_unmatched += read(&c->exits_unmatched);
    sum.spans_unwound += read(&c->spans_unwound);
    sum.depth_overflows += read(&c->depth_overflows);
    sum.export_errors += read(&c->export_errors);
    sum.spans_over_rate += read(&c->spans_over_rate);
    sum.spans_over_size += read(&c->spans_over_size);
    sum.spans_muted += read(&c->spans_muted);
  }
  pthread_mutex_unlock((pthread_mutex_t *)&r->lock);
  sum.sites_muted = read(&r->sites_muted);
  return sum;
}

uint64_t wo_recorder_muting_timed_calls(const wo_recorder *r) {
  return r->sampled_timing && r->site_stats ? r->timed_calls : 0;
}

void wo_recorder_free(wo_recorder *r) {
  if (!r) return;
  pthread_mutex_lock(&r->lock);
  for (wo_thread *t = r->threads; t; t = t->next) wo_export_batch(r, t, true);
  flush_exporters(r);
  pthread_mutex_unlock(&r->lock);
  destroy_exporters(r->exporters, r->exporter_count);
  for (wo_thread *t = r->threads, *next; t; t = next) {
    next = t->next;
    free(t->stack);
    free(t->overflow_ids);
    free(t->batch);
    free(t->site_last);
    wo_node_arena_free(&t->arena);
    free(t);
  }
  if (cached.serial == r->serial) cached.serial = 0;
  wo_node_arena_free(&r->merged_arena);
  pthread_setspecific(r->thread_key, NULL);
  pthread_key_delete(r->thread_key);
  pthread_mutex_destroy(&r->lock);
  pthread_mutex_destroy(&r->bucket_lock);
  free(r->site_stats);
  free(r->exporters);
  free(r->service_name);
  free(r->module_name);
  free(r);
}
