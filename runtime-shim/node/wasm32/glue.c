/* The C recorder (runtime-shim/src) as a wasm32 module for the Node host
 * (runtime-shim/node/wasm32-recorder.mjs) and its benchmark: one recorder per
 * instance, its hooks exported as `enter` / `exit` so an instrumented module
 * can import them directly (wasm to wasm, no JS between).
 *
 * Sites: the host reads the site table itself (names) and passes a module
 * here whose site table has as many entries, with their kinds and no names;
 * spans and profile nodes go out as site indices.
 * Clock: CLOCK_MONOTONIC through WASI (node:wasi's clock_time_get), or, with
 * js_clock = 1, the JS import `host.now_ns() -> f64` (a test clock).
 * Exporters: the C file exporters (OTLP/JSON lines, Chrome trace) given by
 * add_file_exporter, which write through WASI (the host preopens "/"), so
 * spans never cross to JS; encoded exporters (add_encoded_exporter), which
 * encode each batch as an OTLP request body (protobuf or JSON) and hand the
 * bytes to the JS import `host.export_encoded(handle, bytes, size, count)`
 * (the Node host's OTLP/HTTP sender); and with bridge = 1, each batch is also copied
 * into arrays laid out as the JS exporters' batch (glue_batch) and handed to
 * the JS import `host.export_batch(header, count)`. With neither, spans are
 * only counted (the benchmark measures the recorder, not JSON writing).
 * The outer context (enable_outer_context, before setup): each root frame
 * asks the JS import `host.outer_context(p) -> i32` for the application's
 * active span (wasm_observe.h, outer_context), the thread's spans are handed
 * over whenever its stack empties, and open_spans copies the open spans out
 * (the JS OpenTelemetry bridge starts a span's parent before the span). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "otlp_request.h"
#include "recorder_internal.h"
#include "wasm_observe.h"

__attribute__((import_module("host"), import_name("now_ns"))) double host_now_ns(void);
__attribute__((import_module("host"), import_name("export_batch"))) int host_export_batch(
    const void *spans, uint32_t count);
__attribute__((import_module("host"), import_name("export_encoded"))) int host_export_encoded(
    uint32_t handle, const void *bytes, uint32_t size, uint32_t count);
/* Fills a wo_outer_context at `out` (trace id at 0, span id at 16, sampled
 * at 24) and returns 1, or returns 0: no active span. */
__attribute__((import_module("host"), import_name("outer_context"))) int host_outer_context(
    wo_outer_context *out);
/* A site the recorder just muted: the host patches it out of the module when
 * the module was built with --patchable (wasm_observe.h, site_muted). */
__attribute__((import_module("host"), import_name("site_muted"))) void host_site_muted(uint32_t site);

/* A batch as the JS exporters take it (wasm-observe.mjs, "exporters"): one
 * array per field, which wasm32-recorder.mjs views in place. Ids are 32-bit
 * words of their bytes in order (big-endian), times ns since the recorder
 * began. The header's fields are read by wasm32-recorder.mjs: keep in step. */
typedef struct {
  uint32_t *trace_id;       /* 4 words a span */
  uint32_t *span_id;        /* 2 words */
  uint32_t *parent_span_id; /* 2 words, zero for a root */
  int32_t *site;            /* index in the site table */
  double *start_ns;
  double *duration_ns;
  uint8_t *error;
  uint32_t *depth;
} glue_batch;

/* The C exporters given before setup (files, encoded). */
enum { MAX_C_EXPORTERS = 8 };
static wo_exporter c_exporters[MAX_C_EXPORTERS];
static size_t c_exporter_count;
static uint64_t exported_spans;
static wo_sites *sites;
static wo_recorder *recorder;
static glue_batch out;
static size_t out_capacity;
static uint64_t resource_start_unix_ns;
/* Sampled timing: the one thread's state (glue_enter_sampled). */
static wo_thread *sampling_thread;
/* The outer context: on when open_capacity is not 0; the open spans' arrays
 * are allocated then, so that open_spans, called from JS during an export,
 * never grows memory (that would detach the batch's views). */
static glue_batch open_out;
static wo_span *open_spans_buf;
static uint32_t open_capacity;

static uint64_t js_clock(void *state) {
  (void)state;
  return (uint64_t)host_now_ns();
}

static wo_status null_export(void *state, const wo_resource *r, const wo_span *spans, size_t count) {
  (void)r;
  (void)spans;
  (void)state;
  exported_spans += count;
  return WO_OK;
}

static uint32_t be32(const uint8_t *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

#define GROW(field, k)                                                        \
  do {                                                                        \
    void *p = realloc(b->field, count * (k) * sizeof *b->field);              \
    if (!p) return false;                                                     \
    b->field = p;                                                             \
  } while (0)

/* Room for `count` spans in `b`'s arrays. */
static bool grow(glue_batch *b, size_t count) {
  GROW(trace_id, 4);
  GROW(span_id, 2);
  GROW(parent_span_id, 2);
  GROW(site, 1);
  GROW(start_ns, 1);
  GROW(duration_ns, 1);
  GROW(error, 1);
  GROW(depth, 1);
  return true;
}

static bool reserve(size_t count) {
  if (count <= out_capacity) return true;
  if (!grow(&out, count)) return false;
  out_capacity = count;
  return true;
}

/* Copies spans into `b`'s arrays, times relative to `start_unix_ns`. */
static void fill(glue_batch *b, const wo_span *spans, size_t count, uint64_t start_unix_ns) {
  const wo_site *first = wo_sites_get(sites, 0);
  for (size_t i = 0; i < count; i++) {
    const wo_span *s = &spans[i];
    for (int k = 0; k < 4; k++) b->trace_id[4 * i + k] = be32(s->trace_id + 4 * k);
    b->span_id[2 * i] = be32(s->span_id);
    b->span_id[2 * i + 1] = be32(s->span_id + 4);
    b->parent_span_id[2 * i] = be32(s->parent_span_id);
    b->parent_span_id[2 * i + 1] = be32(s->parent_span_id + 4);
    b->site[i] = (int32_t)(s->site - first);
    b->start_ns[i] = (double)(s->start_unix_ns - start_unix_ns);
    b->duration_ns[i] = (double)(s->end_unix_ns - s->start_unix_ns);
    b->error[i] = s->error;
    b->depth[i] = s->depth;
  }
}

static wo_status bridge_export(void *state, const wo_resource *r, const wo_span *spans,
                               size_t count) {
  (void)state;
  if (!reserve(count)) return WO_ERR_NO_MEMORY;
  resource_start_unix_ns = r->start_unix_ns;
  fill(&out, spans, count, r->start_unix_ns);
  exported_spans += count;
  /* the JS exporters' span budget statuses pass through (wasm_observe.h) */
  int rc = host_export_batch(&out, (uint32_t)count);
  return rc == 0 ? WO_OK : rc == WO_OUTPUT_FULL || rc == WO_OUTPUT_DROPPED ? (wo_status)rc : WO_ERR_IO;
}

/* A count from JS (a double): 0 for the default, 2^53 or more (Infinity)
 * for WO_UNLIMITED. */
static uint64_t limit(double n) {
  return n >= 9007199254740992.0 ? WO_UNLIMITED : n >= 1 ? (uint64_t)n : 0;
}

__attribute__((export_name("alloc"))) void *glue_alloc(size_t n) { return malloc(n); }
__attribute__((export_name("free"))) void glue_free(void *p) { free(p); }

/* Before setup: spans also go to the file at `path` (NUL-terminated),
 * written by the C exporter of `kind` (0: OTLP/JSON lines, 1: Chrome trace),
 * at most `max_bytes` long (0: the default; a double, exact to 2^53; at or
 * above that, unlimited). Returns 0 or a wo_status (WO_ERR_IO: the file
 * cannot be opened). */
__attribute__((export_name("add_file_exporter"))) int add_file_exporter(int kind, const char *path,
                                                                        double max_bytes) {
  if (recorder || c_exporter_count == MAX_C_EXPORTERS) return WO_ERR_INVALID_ARGUMENT;
  wo_exporter *e = &c_exporters[c_exporter_count];
  wo_file_options f = {.max_bytes = limit(max_bytes)};
  wo_status rc = kind == 0   ? wo_exporter_otlp_json_lines(path, &f, e)
                 : kind == 1 ? wo_exporter_chrome_trace(path, &f, e)
                             : WO_ERR_INVALID_ARGUMENT;
  if (rc == WO_OK) c_exporter_count++;
  return (int)rc;
}

typedef struct {
  uint32_t handle;           /* the host's number for its exporter */
  wo_otlp_encoding encoding; /* of the request body */
} encoded_state;

static wo_status encoded_export(void *state, const wo_resource *r, const wo_span *spans,
                                size_t count) {
  encoded_state *e = state;
  char *body;
  size_t size;
  wo_status rc = wo_otlp_request_body(e->encoding, r, spans, count, &body, &size);
  if (rc != WO_OK) return rc;
  int host = host_export_encoded(e->handle, body, (uint32_t)size, (uint32_t)count);
  free(body);
  return host == 0 ? WO_OK : WO_ERR_IO;
}

/* Before setup: each batch also goes to the host's exporter `handle`,
 * encoded as an OTLP request body (json = 1: OTLP/JSON, else protobuf).
 * Returns 0 or a wo_status. */
__attribute__((export_name("add_encoded_exporter"))) int add_encoded_exporter(uint32_t handle,
                                                                              int json) {
  if (recorder || c_exporter_count == MAX_C_EXPORTERS) return WO_ERR_INVALID_ARGUMENT;
  encoded_state *e = calloc(1, sizeof *e);
  if (!e) return WO_ERR_NO_MEMORY;
  e->handle = handle;
  e->encoding = json ? WO_OTLP_JSON : WO_OTLP_PROTOBUF;
  c_exporters[c_exporter_count++] =
      (wo_exporter){.state = e, .export_spans = encoded_export, .destroy = free};
  return WO_OK;
}

static bool outer_context(void *state, wo_outer_context *o) {
  (void)state;
  return host_outer_context(o) != 0;
}

/* Before setup: the outer context is on (above), for a recorder of at most
 * `max_depth` open spans (0: 4096, as wo_options). Returns the header of the
 * arrays open_spans fills (glue_batch, durations 0), or 0 out of memory. */
__attribute__((export_name("enable_outer_context"))) const glue_batch *enable_outer_context(
    uint32_t max_depth) {
  if (recorder || open_capacity) return NULL;
  uint32_t n = max_depth ? max_depth : 4096;
  open_spans_buf = malloc(n * sizeof *open_spans_buf);
  if (!open_spans_buf || !grow(&open_out, n)) return NULL; /* freed with the instance */
  open_capacity = n;
  return &open_out;
}

/* The calling thread's open recorded spans, root first, into the arrays
 * enable_outer_context returned (times relative to the resource's start, as
 * the batches': call it during an export). Returns their count. */
__attribute__((export_name("open_spans"))) uint32_t glue_open_spans(void) {
  if (!recorder || !open_capacity) return 0;
  uint32_t n = wo_open_spans(recorder, open_spans_buf, open_capacity);
  fill(&open_out, open_spans_buf, n, resource_start_unix_ns);
  return n;
}

/* Closes the exporters given since the last setup (a setup that cannot
 * happen: the host gave up). */
__attribute__((export_name("discard_exporters"))) void discard_exporters(void) {
  for (size_t i = 0; i < c_exporter_count; i++)
    if (c_exporters[i].destroy) c_exporters[i].destroy(c_exporters[i].state);
  c_exporter_count = 0;
}

static void site_muted(void *state, uint32_t site) {
  (void)state;
  host_site_muted(site);
}

/* Returns 0 or a wo_status. One recorder per instance. The names may be NULL
 * (the defaults). The exporters given before are the recorder's, or closed
 * if it cannot be made. */
__attribute__((export_name("setup"))) int setup(const uint8_t *wasm, size_t size, unsigned record,
                                                int js_clock_on, int bridge,
                                                double min_duration_ns, double sample_ratio,
                                                uint32_t max_depth, uint32_t batch_size,
                                                uint64_t seed, int unwind_on_reentry,
                                                const char *service_name, const char *module_name,
                                                double span_rate, double span_burst,
                                                double mute_after, double mute_below_ns,
                                                int sampled_timing) {
  if (recorder) return WO_ERR_INVALID_ARGUMENT;
  wo_status rc = wo_sites_from_module(wasm, size, &sites);
  if (rc != WO_OK) {
    discard_exporters();
    return (int)rc;
  }
  wo_exporter exporters[MAX_C_EXPORTERS + 1];
  size_t count = 0;
  for (size_t i = 0; i < c_exporter_count; i++) exporters[count++] = c_exporters[i];
  c_exporter_count = 0; /* the recorder owns them now */
  if (bridge) exporters[count++] = (wo_exporter){.export_spans = bridge_export};
  if (count == 0) exporters[count++] = (wo_exporter){.export_spans = null_export};
  wo_options o = {.record = record,
                  .service_name = service_name,
                  .module_name = module_name,
                  .min_duration_ns = (uint64_t)min_duration_ns,
                  .sample_ratio = sample_ratio,
                  .max_depth = max_depth,
                  .batch_size = batch_size,
                  .seed = seed,
                  .unwind_on_reentry = unwind_on_reentry != 0,
                  .span_rate = limit(span_rate),
                  .span_burst = limit(span_burst),
                  .mute_after = limit(mute_after),
                  .mute_below_ns = limit(mute_below_ns),
                  .site_muted = site_muted,
                  .outer_context = open_capacity ? outer_context : NULL,
                  .export_at_root_end = open_capacity != 0,
                  .monotonic_ns = js_clock_on ? js_clock : NULL,
                  .profile_timing = sampled_timing ? WO_TIMING_SAMPLED : WO_TIMING_CLOCK};
  rc = wo_recorder_new(&o, sites, exporters, count, &recorder);
  if (rc == WO_OK && sampled_timing && !(sampling_thread = wo_current_thread(recorder))) {
    wo_recorder_free(recorder);
    recorder = NULL;
    rc = WO_ERR_NO_MEMORY;
  }
  return (int)rc;
}

/* Frees the recorder: its files are closed (the hooks do nothing after). */
__attribute__((export_name("close"))) void glue_close(void) {
  wo_recorder_free(recorder);
  recorder = NULL;
  sampling_thread = NULL;
}

/* The hooks do nothing until setup. */
__attribute__((export_name("enter"))) void glue_enter(uint32_t id) {
  if (recorder) wo_enter(recorder, id);
}
__attribute__((export_name("exit"))) void glue_exit(uint32_t id) {
  if (recorder) wo_exit(recorder, id);
}
/* The hooks under sampled timing (the host imports these instead): the one
 * thread's state is looked up once, at setup, and the usual calls take the
 * recorder's inlined fast paths (recorder_internal.h), the rest wo_enter /
 * wo_exit. */
__attribute__((export_name("enter_sampled"))) void glue_enter_sampled(uint32_t id) {
  wo_thread *t = sampling_thread;
  if (t && !wo_enter_sampled(recorder, t, id)) wo_enter(recorder, id);
}
__attribute__((export_name("exit_sampled"))) void glue_exit_sampled(uint32_t id) {
  wo_thread *t = sampling_thread;
  if (t && !wo_exit_sampled(t, id)) wo_exit(recorder, id);
}
/* For hosts of span interfaces (wasm_observe.h): called from JS. */
__attribute__((export_name("enter_pending"))) void glue_enter_pending(uint32_t id) {
  if (recorder) wo_enter_pending(recorder, id);
}
__attribute__((export_name("exit_as"))) void glue_exit_as(uint32_t id, int error) {
  if (recorder) wo_exit_as(recorder, id, error != 0);
}
__attribute__((export_name("unwind"))) void glue_unwind(void) {
  if (recorder) wo_unwind(recorder);
}
/* The `unwind` hook of modules that repair their stack after a non-local exit. */
__attribute__((export_name("unwind_frames"))) void glue_unwind_frames(uint32_t count) {
  if (recorder) wo_unwind_frames(recorder, count);
}
__attribute__((export_name("depth"))) uint32_t glue_depth(void) {
  return recorder ? wo_depth(recorder) : 0;
}
__attribute__((export_name("finish"))) int glue_finish(void) {
  return recorder ? (int)wo_recorder_finish(recorder) : 0;
}
__attribute__((export_name("flush"))) int glue_flush(void) {
  return recorder ? (int)wo_recorder_flush(recorder) : 0;
}
/* The resource's start (unix ns) as the last batch gave it (0 before the
 * first): a BigInt on the JS side. */
__attribute__((export_name("start_unix_ns"))) uint64_t glue_start_unix_ns(void) {
  return resource_start_unix_ns;
}
__attribute__((export_name("spans"))) double glue_spans(void) { return (double)exported_spans; }
__attribute__((export_name("enters"))) double glue_enters(void) {
  return recorder ? (double)wo_recorder_counters(recorder).enters : 0;
}

/* Sampled profile timing (wasm_observe.h): the sampling thread is a worker
 * that shares this memory. It reads the u32 at sample_slot() (the current
 * profile node's address, 0 when no frame is open) and adds one to the u64 at
 * that address + sample_offset() (the node's samples); sampled_over tells the
 * recorder what the sampling covered before the profile is read. 0 unless the
 * recorder was set up with sampled timing. */
__attribute__((export_name("sample_slot"))) uint32_t glue_sample_slot(void) {
  return recorder ? (uint32_t)(uintptr_t)wo_recorder_node_slot(recorder) : 0;
}
__attribute__((export_name("sample_offset"))) uint32_t glue_sample_offset(void) {
  return (uint32_t)offsetof(wo_profile_node, samples);
}
__attribute__((export_name("sampled_over"))) void glue_sampled_over(double samples, double covered_ns) {
  if (recorder) wo_recorder_sampled_over(recorder, (uint64_t)samples, (uint64_t)covered_ns);
}

/* wo_counters in field order, as fourteen u64. */
static wo_counters counters_out;
__attribute__((export_name("counters"))) const wo_counters *glue_counters(void) {
  if (recorder) counters_out = wo_recorder_counters(recorder);
  return &counters_out;
}

/* wo_recorder_muting_timed_calls (a double, as the other numbers JS reads). */
__attribute__((export_name("muting_timed_calls"))) double glue_muting_timed_calls(void) {
  return recorder ? (double)wo_recorder_muting_timed_calls(recorder) : 0;
}

/* The merged profile tree in preorder: a u32 node count, then per node
 * { i32 site (-1 for the root), u32 children, f64 calls, f64 total_ns,
 * f64 self_ns } (32 bytes, at offset 8 + 32 * i); a node's children follow it,
 * each with its subtree, in the order of the tree's child list. 0 when the
 * profile is off or out of memory. */
typedef struct {
  int32_t site;
  uint32_t children;
  double calls, total_ns, self_ns;
} glue_node;
static uint8_t *profile_out;

__attribute__((export_name("profile"))) const uint8_t *glue_profile(void) {
  if (!recorder) return NULL;
  const wo_profile_node *root = wo_recorder_profile(recorder);
  if (!root) return NULL;
  const wo_site *first = wo_sites_get(sites, 0);
  /* count, with an explicit stack (the tree can be 4096 deep) */
  size_t count = 0, stack_cap = 64, top = 0;
  const wo_profile_node **stack = malloc(stack_cap * sizeof *stack);
  if (!stack) return NULL;
  stack[top++] = root;
  free(profile_out);
  profile_out = NULL;
  /* first pass: count nodes */
  while (top) {
    const wo_profile_node *n = stack[--top];
    count++;
    for (const wo_profile_node *c = n->first_child; c; c = c->next_sibling) {
      if (top == stack_cap) {
        const wo_profile_node **grown = realloc(stack, 2 * stack_cap * sizeof *stack);
        if (!grown) { free(stack); return NULL; }
        stack = grown;
        stack_cap *= 2;
      }
      stack[top++] = c;
    }
  }
  profile_out = malloc(8 + count * sizeof(glue_node));
  if (!profile_out) { free(stack); return NULL; }
  *(uint32_t *)profile_out = (uint32_t)count;
  glue_node *out = (glue_node *)(profile_out + 8);
  /* second pass: preorder, children pushed in reverse so they come out in list order */
  size_t k = 0;
  stack[top++] = root;
  while (top) {
    const wo_profile_node *n = stack[--top];
    glue_node *o = &out[k++];
    o->site = n->site ? (int32_t)(n->site - first) : -1;
    o->calls = (double)n->calls;
    o->total_ns = (double)n->total_ns;
    o->self_ns = (double)n->self_ns;
    uint32_t children = 0;
    for (const wo_profile_node *c = n->first_child; c; c = c->next_sibling) children++;
    o->children = children;
    while (top + children > stack_cap) {
      const wo_profile_node **grown = realloc(stack, 2 * stack_cap * sizeof *stack);
      if (!grown) { free(stack); return NULL; }
      stack = grown;
      stack_cap *= 2;
    }
    top += children;
    size_t i = top;
    for (const wo_profile_node *c = n->first_child; c; c = c->next_sibling) stack[--i] = c;
  }
  free(stack);
  return profile_out;
}

/* recorder.c calls getrandom (only without a seed); wasi-libc has getentropy. */
int getrandom(void *buf, size_t n, unsigned flags) {
  (void)flags;
  return n <= 256 && getentropy(buf, n) == 0 ? (int)n : -1;
}
