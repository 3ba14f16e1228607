/* The recorder's private structures, shared by recorder.c (the hooks),
 * profile.c (the call tree) and span_batch.c (handing spans to exporters). */
#ifndef WO_RECORDER_INTERNAL_H
#define WO_RECORDER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "tsc_clock.h"
#include "wasm_observe.h"

/* A counter written only by its thread and read by others: relaxed
 * load and store, no locked read-modify-write on the hot path. */
typedef _Atomic uint64_t wo_counter;

static inline void wo_add(wo_counter *c, uint64_t n) {
  atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                        memory_order_relaxed);
}

static inline void wo_bump(wo_counter *c) { wo_add(c, 1); }

typedef struct {
  wo_counter enters, exits, spans_recorded, spans_filtered, unknown_ids, exits_without_enter,
      exits_unmatched, spans_unwound, depth_overflows, export_errors, spans_over_rate,
      spans_over_size, spans_muted;
} wo_thread_counters;

/* What muting knows of a site, shared by the threads (relaxed: a lost update
 * only delays the decision). */
typedef struct {
  wo_counter calls, total_ns;
  wo_counter window_start_ns; /* total_ns at the last multiple of 256 calls */
  atomic_bool muted;
} wo_site_stat;

/* Why the span budget refuses a span (wasm_observe.h). */
typedef enum { WO_IN_BUDGET = 0, WO_OVER_RATE, WO_OVER_SIZE } wo_budget_refusal;

typedef struct {
  uint32_t id;
  bool recorded;            /* a span will be emitted for it */
  bool pending;             /* wo_enter_pending: named when it ends; node detached */
  bool has_recorded_child;  /* kept over the span budget: a child is in the trace */
  bool muted;               /* its site is muted: no clock, no span */
  uint32_t span_parent;     /* stack index of the nearest recorded ancestor, or NO_FRAME */
  uint64_t start_ns;        /* monotonic */
  uint64_t children_ns;     /* time spent in closed children */
  uint8_t span_id[8];
  wo_profile_node *node;    /* NULL when the profile is off */
} wo_frame;

/* Profile nodes come from chunks owned by their thread (or the merged tree). */
typedef struct wo_node_chunk {
  struct wo_node_chunk *next;
  size_t used;
  wo_profile_node nodes[256];
} wo_node_chunk;

/* A call tree's children by (parent, site) (child_index.c). */
typedef struct {
  wo_profile_node *parent;
  const wo_site *site;
  wo_profile_node *child; /* NULL: an empty slot */
} wo_child_slot;

typedef struct {
  wo_child_slot *slots; /* NULL until the first child */
  uint32_t mask;        /* slots - 1 */
  uint32_t used;
} wo_child_index;

/* The child of `parent` for `site`, or NULL. */
wo_profile_node *wo_child_find(const wo_child_index *index, const wo_profile_node *parent,
                               const wo_site *site);
/* Adds a child not yet in the index; false when the index cannot grow (out
 * of memory: it is left as it was). */
bool wo_child_add(wo_child_index *index, wo_profile_node *parent, const wo_site *site,
                  wo_profile_node *child);
void wo_child_remove(wo_child_index *index, const wo_profile_node *parent, const wo_site *site);
void wo_child_index_free(wo_child_index *index);

typedef struct {
  wo_node_chunk *chunks;
  wo_profile_node *free_nodes; /* given back by wo_profile_attach, linked by next_sibling */
  wo_child_index children;     /* every node of the arena's tree by (parent, site) */
  bool unindexed;              /* the index could not grow: children are looked up in their lists */
} wo_node_arena;

wo_profile_node *wo_node_alloc(wo_node_arena *arena);
void wo_node_arena_free(wo_node_arena *arena);

enum { WO_NO_FRAME = UINT32_MAX };

/* Enters beyond max_depth are not recorded, but the ids of this many are kept
 * so that an exit can still be matched against them (16 KiB per thread). */
enum { WO_OVERFLOW_IDS = 4096 };

typedef struct wo_thread {
  struct wo_thread *next;
  uint32_t number;
  wo_frame *stack;
  uint32_t depth, capacity;
  uint64_t overflow;        /* enters beyond max_depth not yet exited */
  uint32_t *overflow_ids;   /* the ids of the first WO_OVERFLOW_IDS of them */
  uint32_t overflow_capacity;
  bool exited;              /* its thread has ended */
  uint8_t trace_id[16];
  bool sampled;
  uint8_t outer_span_id[8]; /* the outer context's span: the parent of the trace's roots; 0 if none */
  uint64_t rng;
  wo_span *batch;
  uint32_t batch_count;
  uint32_t allowance;       /* span tokens drawn from the recorder's bucket, not yet used */
  uint64_t retry_at;        /* monotonic ns: the bucket was empty, do not ask before */
  wo_profile_node root;
  wo_node_arena arena;
  wo_thread_counters counters;
  /* WO_TIMING_SAMPLED: the node on top of the stack, NULL when empty (read by
   * the sampling thread). */
  wo_profile_node *_Atomic current_node;
  /* WO_TIMING_SAMPLED: per site, the node of its last call (NULL before
   * one), most often the node of its next call too. */
  wo_profile_node **site_last;
} wo_thread;

struct wo_recorder {
  uint64_t serial;          /* tells recorders apart in the thread-local cache */
  unsigned record;
  uint64_t min_duration_ns;
  uint64_t sample_threshold; /* keep a trace when rng < this; UINT64_MAX = all */
  uint32_t max_depth, batch_size;
  bool unwind_on_reentry;
  bool export_at_root_end;
  bool (*outer_context)(void *, wo_outer_context *);
  void *outer_context_state;
  void (*site_muted)(void *, uint32_t);
  void *site_muted_state;
  /* The span budget. The bucket holds nanotokens (10^-9 of a span) so that
   * refills stay exact in integers; threads draw a few tokens at a time. */
  uint64_t span_rate;       /* spans a second; 0 = no rate limit */
  pthread_mutex_t bucket_lock;
  int64_t bucket, bucket_capacity; /* under bucket_lock; below 0: in debt */
  uint64_t bucket_time;     /* under bucket_lock */
  atomic_bool output_full;  /* an exporter said WO_OUTPUT_FULL or WO_OUTPUT_DROPPED */
  /* Muting: NULL when off; else [site_count]. */
  wo_site_stat *site_stats;
  uint64_t mute_after, mute_below_ns;
  /* Under sampled timing: a site's calls are timed by the clock until it has
   * closed this many (the windows of muting's first SAMPLED_TIMED_WINDOWS
   * checks), for muting's decision; then only sampled. */
  uint64_t timed_calls;
  wo_counter sites_muted;
  uint64_t (*monotonic_ns)(void *);
  void *clock_state;
  wo_tsc_clock tsc;         /* the clock's state under WO_CLOCK_TSC */
  uint64_t seed;
  const wo_sites *sites;
  const wo_site *site_items; /* the sites, one array (sites.c): site id i is site_items[i] */
  uint32_t site_count;
  wo_exporter *exporters;
  size_t exporter_count;
  char *service_name, *module_name;
  wo_resource resource;
  uint64_t monotonic_base, unix_base;
  pthread_mutex_t lock;     /* threads list, exporters, merged profile */
  pthread_key_t thread_key; /* each thread's wo_thread */
  wo_thread *threads;
  uint32_t thread_count;
  wo_profile_node merged_root;
  wo_node_arena merged_arena;
  /* Sampled profile timing: every frame takes the muted path (no clock) and
   * publishes its node; what the sampling covered gives the times. */
  bool sampled_timing;
  _Atomic uint64_t samples_taken, samples_covered_ns;
};

/* Under sampled timing: the thread's current node, for the sampling thread.
 * Relaxed: a sample that sees the node a call late is as good as any. */
static inline void wo_publish_node(const wo_recorder *r, wo_thread *t) {
  if (r->sampled_timing)
    atomic_store_explicit(&t->current_node, t->depth ? t->stack[t->depth - 1].node : NULL,
                          memory_order_relaxed);
}

/* The calling thread's state, created on its first hook call; NULL when out
 * of memory. */
wo_thread *wo_current_thread(wo_recorder *r);

/* The child of `parent` for `site`, created on first use; NULL when out of memory. */
wo_profile_node *wo_profile_child(wo_node_arena *arena, wo_profile_node *parent,
                                  const wo_site *site);

/* Under sampled timing, whether the site's next call is timed by the clock
 * (for muting's decision: wo_recorder's timed_calls). */
static inline bool wo_site_timed(const wo_recorder *r, uint32_t id) {
  return r->site_stats &&
         atomic_load_explicit(&r->site_stats[id].calls, memory_order_relaxed) < r->timed_calls &&
         !atomic_load_explicit(&r->site_stats[id].muted, memory_order_relaxed);
}

/* Sampled timing's enter, the whole hot path: a muted frame (no span, no
 * clock) whose call is counted now (so that the exit only pops), its node
 * found from the site's last call when that was under the same caller. The
 * rest (the stack must grow or is past max_depth, a new call path, an export
 * that may unwind stale frames) takes open_frame. */
static inline bool wo_enter_sampled(wo_recorder *r, wo_thread *t, uint32_t id) {
  uint32_t depth = t->depth;
  if (id >= r->site_count || t->overflow || depth >= t->capacity || !t->site_last) return false;
  if (wo_site_timed(r, id)) return false;
  const wo_site *site = &r->site_items[id];
  if (r->unwind_on_reentry && depth && site->kind == WO_SITE_EXPORT) return false;
  wo_frame *f = &t->stack[depth];
  /* the top frame's node, as published: one load less than through the stack */
  wo_profile_node *parent = atomic_load_explicit(&t->current_node, memory_order_relaxed);
  if (!parent && depth) return false; /* the top frame has no node (out of memory) */
  if (!parent) parent = &t->root;
  wo_profile_node *node = t->site_last[id];
  /* the site too: the node may have been freed and reused (wo_profile_attach) */
  if (!node || node->parent != parent || node->site != site) {
    if (!(node = wo_profile_child(&t->arena, parent, site))) return false;
    t->site_last[id] = node;
  }
  node->calls++;
  f->id = id;
  f->muted = true;
  f->pending = false;
  f->recorded = false;
  f->node = node;
  t->depth = depth + 1;
  wo_bump(&t->counters.enters);
  atomic_store_explicit(&t->current_node, node, memory_order_relaxed);
  return true;
}

/* Sampled timing's exit in order, the other half of the hot path: the frame
 * was counted when it opened, so it only pops. False: not the simple case
 * (wo_exit handles it). */
static inline bool wo_exit_sampled(wo_thread *t, uint32_t id) {
  uint32_t depth = t->depth;
  if (!depth || t->overflow) return false;
  wo_frame *f = &t->stack[depth - 1];
  if (f->id != id || !f->muted) return false;
  t->depth = depth - 1;
  wo_bump(&t->counters.exits);
  atomic_store_explicit(&t->current_node, depth > 1 ? f[-1].node : NULL, memory_order_relaxed);
  return true;
}

/* Hands the thread's batch to the exporters. The caller holds r->lock iff locked. */
void wo_export_batch(wo_recorder *r, wo_thread *t, bool locked);


/* A pending frame's node (wo_enter_pending: allocated, in no tree) becomes
 * `parent`'s child for `site`, or, when `parent` has one, is added into it
 * (counts and subtree; `node` and the nodes of its subtree that were merged
 * go back to the arena). Returns the node that holds it; `node` when
 * `parent` is NULL (out of memory earlier). */
wo_profile_node *wo_profile_attach(wo_node_arena *arena, wo_profile_node *parent,
                                   wo_profile_node *node, const wo_site *site);

#endif
