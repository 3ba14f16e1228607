/* wasm-observe: the host side of wasm-instrument's hook contract.
 *
 * A recorder turns the `enter(id)` / `exit(id)` calls of an instrumented module
 * into spans and hands them to exporters (OTLP, Chrome trace, folded stacks,
 * a text summary). It implements docs/hook-contract.md for any host: a native
 * embedder, a wasm2c build, or Node through a binding.
 *
 * Ownership: every object returned through an `out` parameter belongs to the
 * caller and is released with its *_free function. Strings passed in are
 * copied unless said otherwise.
 *
 * Errors: functions that can fail return a wo_status; they never print and
 * never abort. The hook entry points (wo_enter, wo_exit, wo_unwind) cannot
 * fail: whatever a module does with its hooks (unknown ids, exits without an
 * enter, exits out of order, runaway recursion) is counted in wo_counters and
 * never crashes the host or grows memory without bound.
 *
 * Threads: a recorder may be used from any number of threads at once; each
 * thread has its own stack of open spans (shared-memory modules run the same
 * code on several threads). Exporters are called with a lock held, one batch
 * at a time. */
#ifndef WASM_OBSERVE_H
#define WASM_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  WO_OK = 0,
  WO_ERR_NO_MEMORY,
  WO_ERR_INVALID_ARGUMENT,
  WO_ERR_NOT_WASM,        /* the bytes are not a core WebAssembly module */
  WO_ERR_NO_SITE_TABLE,   /* neither a site table nor a name section to name sites */
  WO_ERR_MALFORMED,       /* a site table or name section that does not parse */
  WO_ERR_UNSUPPORTED_VERSION,
  WO_ERR_IO,              /* an exporter could not write (errno is kept) */
  /* Not errors: what an exporter's export_spans returns when its output has
   * reached its size budget (see "The span budget" below). */
  WO_OUTPUT_FULL,         /* the batch was written; room is left only for the open spans' ancestors */
  WO_OUTPUT_DROPPED,      /* the batch was dropped whole: it would have gone over the size limit */
} wo_status;

const char *wo_status_message(wo_status status);

/* ---- Sites: what each hook id stands for ------------------------------- */

typedef enum { WO_SITE_FUNCTION = 0, WO_SITE_IMPORT = 1, WO_SITE_EXPORT = 2 } wo_site_kind;

typedef struct {
  wo_site_kind kind;
  uint32_t function_index; /* index in the instrumented module */
  const char *name;        /* display name, demangled */
  const char *symbol;      /* raw symbol, or "" */
  const char *module;      /* import module, or "" */
  const char *field;       /* import field or export name, or "" */
} wo_site;

typedef struct wo_sites wo_sites;

/* Reads the `wasm-instrument.sites` section of an instrumented module. For a
 * module made with `--abi observe-sdk` (or by Dylibso's wasm-instr), which has
 * no site table, the ids are function indices named by the `name` section. */
wo_status wo_sites_from_module(const uint8_t *wasm, size_t size, wo_sites **out);
/* The same, reading the module from a file; WO_ERR_IO (errno kept) if it
 * cannot be read. */
wo_status wo_sites_from_file(const char *path, wo_sites **out);
uint32_t wo_sites_count(const wo_sites *sites);
/* NULL for an id out of range. The site lives as long as `sites`. */
const wo_site *wo_sites_get(const wo_sites *sites, uint32_t id);
void wo_sites_free(wo_sites *sites);

/* ---- Spans ------------------------------------------------------------- */

typedef enum { WO_KIND_INTERNAL = 1, WO_KIND_SERVER = 2, WO_KIND_CLIENT = 3 } wo_span_kind;

typedef struct {
  uint8_t trace_id[16];
  uint8_t span_id[8];
  uint8_t parent_span_id[8]; /* all zero for a root span */
  const wo_site *site;       /* name, kind, function index */
  wo_span_kind kind;         /* internal; client for import calls; server for export entries */
  uint64_t start_unix_ns;
  uint64_t end_unix_ns;
  bool error;                /* closed by an unwind or a trap, not by its exit */
  uint32_t depth;            /* 0 for a root */
  uint32_t thread;           /* small per-recorder thread number, 0 first */
} wo_span;

/* The resource the spans belong to (OTLP Resource), and when recording began. */
typedef struct {
  const char *service_name;
  const char *module_name;  /* the instrumented module, e.g. its file name */
  uint64_t start_unix_ns;   /* when the recorder was created */
} wo_resource;

/* ---- Exporters ------------------------------------------------------------ */

/* An exporter receives finished spans in batches, in the order they ended
 * (a child before its parent). It may keep nothing the batch points to after
 * returning, except the sites (they outlive the recorder's exporters).
 * export_spans returns WO_OK, an error (counted in export_errors), or, for an
 * output with a size limit, WO_OUTPUT_FULL or WO_OUTPUT_DROPPED: the recorder
 * then starts no new recorded span (the span budget, below). */
typedef struct {
  void *state;
  wo_status (*export_spans)(void *state, const wo_resource *resource, const wo_span *spans,
                            size_t count);
  /* Called by wo_recorder_flush and before free; may be NULL. */
  wo_status (*flush)(void *state);
  /* Releases `state`; may be NULL. */
  void (*destroy)(void *state);
} wo_exporter;

/* ---- The recorder ----------------------------------------------------------- */

/* What to record; both may be on. */
enum {
  WO_RECORD_SPANS = 1,   /* every span, streamed to the exporters in batches */
  WO_RECORD_PROFILE = 2, /* an aggregate call tree: counts, total and self time */
};

/* Clocks. CLOCK_MONOTONIC costs two reads of 20-25 ns per span on the
 * machines measured (bench/shim). The TSC clock reads the CPU's invariant
 * time-stamp counter (about 10 ns), calibrated against CLOCK_MONOTONIC for
 * 10 ms when the recorder is created; its rate error is a few parts per
 * million (microseconds of drift per second). Where the CPU has no invariant
 * TSC (or is not x86-64), WO_CLOCK_TSC falls back to CLOCK_MONOTONIC. */
enum { WO_CLOCK_MONOTONIC = 0, WO_CLOCK_TSC = 1 };

/* How the profile's times are measured (wo_options's profile_timing; see
 * "Sampled profile timing" below). */
enum { WO_TIMING_CLOCK = 0, WO_TIMING_SAMPLED = 1 };

/* The host's own trace at the moment a root frame opens (wo_options's
 * outer_context): W3C trace context ids, as bytes in order. */
typedef struct {
  uint8_t trace_id[16];
  uint8_t span_id[8]; /* the host's active span: the parent of the module's root span */
  bool sampled;       /* the W3C sampled flag of that span */
} wo_outer_context;

typedef struct {
  unsigned record;            /* WO_RECORD_* flags; 0 = spans */
  const char *service_name;   /* default "wasm-module" */
  const char *module_name;    /* default "" */
  uint64_t min_duration_ns;   /* spans: drop shorter ones (their children are shorter too) */
  double sample_ratio;        /* spans: keep this share of traces (head sampling); 0 = 1.0 */
  uint32_t max_depth;         /* deeper enters are counted, not recorded; 0 = 4096 */
  uint32_t batch_size;        /* spans per export call; 0 = 512 */
  /* WO_CLOCK_MONOTONIC (default) or WO_CLOCK_TSC (see below); ignored when
   * monotonic_ns is given. */
  unsigned clock;
  /* A clock of your own (tests); NULL uses `clock`. Returns nanoseconds. */
  uint64_t (*monotonic_ns)(void *clock_state);
  void *clock_state;
  uint64_t seed;              /* trace/span id generator seed; 0 = from the OS */
  /* For hosts that cannot see a call from outside end in a trap or an
   * exception (a JS program calling a module's exports directly): an enter of
   * an export site while the top of the stack is not an import site means the
   * previous call was cut short, so the frames above the newest import frame
   * are closed as unwound first. Only right when every import of the module
   * is instrumented (no --no-imports): otherwise a legitimate re-entry from an
   * import looks the same. */
  bool unwind_on_reentry;
  /* The span budget (below): spans exported per second, on average over all
   * threads, and the burst allowed above that rate (at most 10^9: more is
   * taken as 10^9). 0 = the defaults
   * (WO_DEFAULT_SPAN_RATE, WO_DEFAULT_SPAN_BURST); WO_UNLIMITED lifts the rate
   * limit. */
  uint64_t span_rate;
  uint64_t span_burst;
  /* Muting (below): a site is muted once it has closed mute_after calls
   * whose mean duration is under mute_below_ns. 0 = the defaults
   * (WO_DEFAULT_MUTE_AFTER, WO_DEFAULT_MUTE_BELOW_NS); mute_after =
   * WO_UNLIMITED never mutes. */
  uint64_t mute_after;
  uint64_t mute_below_ns;
  /* Patching muted sites out, for a module built with --patchable (it exports
   * the externref table wasm-instrument:muted-sites, a slot per function site
   * id): when not NULL, called once for each function site as it is muted
   * (import and export sites are muted too, but the module cannot skip their
   * hooks), on the thread that closed the frame that muted it (an exit, an
   * unwind, or wo_recorder_finish, which closes every thread's frames under
   * the recorder's lock), so that the host sets that site's slot to a non-null
   * value. From the call after the next on (the next one reads the slot,
   * docs/hook-contract.md), the module makes no hook call for the site:
   * its calls are no longer counted, and the frames below it get the nearest
   * frame still recorded as parent in the profile too. The callback must not
   * call the recorder. */
  void (*site_muted)(void *state, uint32_t site);
  void *site_muted_state;
  /* The outer context, for a host whose own code may have a trace going when
   * it calls into the module (a Node application traced by OpenTelemetry
   * calling an export while handling a request), so that the module's spans
   * continue that trace. When not NULL, called each time a frame opens on an
   * empty stack (a root, e.g. an export entered from the host), on the thread
   * that opens it, before the frame's clock is read. It returns true after
   * filling `out` when the host has an active span: the root's span then has
   * out->span_id as its parent and its trace (the root's descendants too) has
   * out->trace_id; the trace is recorded when out->sampled and not at all
   * otherwise, whatever sample_ratio says (the parent's decision holds, as
   * OpenTelemetry's parent-based sampling does). Returning false, or ids of
   * all zeros, makes the root start a trace of its own, as without the
   * callback. A muted root asks too (its children take the trace). The
   * callback must not call the recorder. */
  bool (*outer_context)(void *state, wo_outer_context *out);
  void *outer_context_state;
  /* Hand the thread's finished spans to the exporters each time its stack
   * empties (a root frame closes), not only when a batch is full: for an
   * exporter that feeds a pipeline expecting spans soon after they end (the
   * outer context's). One export call per root call. */
  bool export_at_root_end;
  /* WO_TIMING_CLOCK (default): each call's time is read from the clock at
   * its enter and exit. WO_TIMING_SAMPLED: the hooks read no clock; a
   * sampling thread estimates the times (below). Needs record =
   * WO_RECORD_PROFILE alone (spans need the clock): else
   * WO_ERR_INVALID_ARGUMENT. With muting on, a site's first calls still read
   * the clock, for muting's decision alone (see Muting). */
  unsigned profile_timing;
} wo_options;

/* Muting. A site whose calls prove many and short (an interpreter's hot
 * helpers: millions of calls of well under a microsecond, each paying the
 * clock and a span) is muted for the rest of the run: once it has closed at
 * least mute_after calls and the mean of all its calls so far is under
 * mute_below_ns (checked every 256 calls, so a site can also be muted late,
 * when its calls turn short). From then on its enter and exit
 * still keep the stack right and its calls are still counted in the profile,
 * but they read no clock and make no span; a span it would have been the
 * parent of gets its nearest recorded ancestor as parent, and the time it
 * takes from then on is its caller's self time. Counted in sites_muted and
 * spans_muted.
 * Under WO_TIMING_SAMPLED, where a call's time is not otherwise read, a site's
 * calls are timed by the clock only until its fifth check (1024 calls after
 * the first, at mute_after rounded up to a multiple of 256), and each check
 * judges the mean of the 256 calls since the last one, so that a slow start
 * (code compiled on first use) does not decide; a site none of those windows
 * shows short is sampled only from then on. A muted site's samples are its
 * caller's once it is patched out (site_muted); until then its frames stay
 * on the stack, as with muting off. */
enum { WO_DEFAULT_MUTE_AFTER = 1000, WO_DEFAULT_MUTE_BELOW_NS = 1000 };

/* The span budget. A tracer left on in production must not fill a disk, a
 * queue or a collector, so spans are limited by default, twice:
 *  - a rate: a token bucket of span_burst tokens refilled at span_rate a
 *    second; a span takes one when it ends and would be exported (spans that
 *    sampling or min_duration_ns drop cost nothing). A span that finds none
 *    left is dropped and counted in spans_over_rate, unless one of its
 *    children was recorded: then it is kept, so that no recorded span ever
 *    lacks its parent (such spans are at most as many as the recorded ones,
 *    so the rate holds within a factor of two).
 *  - a size: an exporter with a size limit (the file exporters) returns
 *    WO_OUTPUT_FULL once its output nears the limit, or WO_OUTPUT_DROPPED for
 *    a batch it dropped whole. The outputs share the budget: one full output
 *    stops the spans of every exporter. From then on the recorder drops every span
 *    ending without a recorded child (spans_over_size, which also counts the
 *    spans of dropped batches): the ancestors of the spans written still go
 *    out, into the room the exporter keeps for them.
 * The profile (WO_RECORD_PROFILE) is an aggregate and stays exact. */
#define WO_UNLIMITED UINT64_MAX
enum { WO_DEFAULT_SPAN_RATE = 10000, WO_DEFAULT_SPAN_BURST = 200000 };

typedef struct {
  uint64_t enters;
  uint64_t exits;
  uint64_t spans_recorded;     /* spans handed to the exporters */
  uint64_t spans_filtered;     /* shorter than min_duration_ns, or in a trace not sampled */
  uint64_t unknown_ids;        /* enter or exit with an id outside the site table */
  uint64_t exits_without_enter;/* exit on an empty stack */
  uint64_t exits_unmatched;    /* exit whose id is not open at all: ignored */
  uint64_t spans_unwound;      /* closed with error by an out-of-order exit or wo_unwind */
  uint64_t depth_overflows;    /* enters beyond max_depth */
  uint64_t export_errors;      /* export calls that failed */
  uint64_t spans_over_rate;    /* dropped: over the span rate (the span budget) */
  uint64_t spans_over_size;    /* dropped: an output was full; also the spans of batches an
                                  exporter dropped whole (which spans_recorded counts too,
                                  as handed to the exporters) */
  uint64_t spans_muted;        /* calls of muted sites: no span, no clock */
  uint64_t sites_muted;        /* sites muted so far */
} wo_counters;

typedef struct wo_recorder wo_recorder;

/* `sites` must outlive the recorder. The recorder takes ownership of the
 * exporters (their destroy is called by wo_recorder_free), also on failure. */
wo_status wo_recorder_new(const wo_options *options, const wo_sites *sites,
                          wo_exporter *exporters, size_t exporter_count, wo_recorder **out);

/* The hooks. Safe to call from several threads. */
void wo_enter(wo_recorder *recorder, uint32_t id);
void wo_exit(wo_recorder *recorder, uint32_t id);
/* For hosts of span interfaces rather than the hooks: wasi:otel/tracing names
 * a span only when it ends (on-end), wasi:observe/tracer gives a span's error
 * status before it ends.
 * wo_enter_pending opens a span as wo_enter does, but its site is `id` (a
 * placeholder) only until wo_exit_as names it; closed any other way (an
 * out-of-order exit, wo_unwind, finish) it stays `id`. Its profile node is
 * its own until it ends, then joins (or is merged into) the call path of the
 * site it ends as. It never triggers the unwind_on_reentry rule (it is no
 * export entry); to that rule it is a frame of its placeholder's kind.
 * wo_exit_as ends the innermost open enter (the one an exit in order would
 * end; one past max_depth is only counted): a pending one as site `id`, any
 * other as the site it was entered as; with error status when `error`
 * (counted in spans_unwound). An id outside the site table is counted and
 * ignored, as by wo_exit. */
void wo_enter_pending(wo_recorder *recorder, uint32_t id);
void wo_exit_as(wo_recorder *recorder, uint32_t id, bool error);
/* Closes every span open on the calling thread with error status: call it after
 * a trap, or when a host exception unwound through wasm frames. */
void wo_unwind(wo_recorder *recorder);
/* Closes the `count` innermost enters open on the calling thread with error
 * status (counted in spans_unwound), as exits that will never come: the
 * `unwind` hook (docs/hook-contract.md), called by a module after a non-local
 * exit (emscripten's longjmp or C++ throw through its JS `invoke_*`
 * trampolines) skipped the exits of frames it had entered. Enters past
 * max_depth count among them. A count larger than the open enters closes them
 * all and counts exits_unmatched. */
void wo_unwind_frames(wo_recorder *recorder, uint32_t count);
/* Open spans on the calling thread. */
uint32_t wo_depth(const wo_recorder *recorder);
/* The spans open on the calling thread that are being recorded (sampled, not
 * muted, within max_depth), root first, at most `max` of them, written to
 * `out` as they would be exported if they ended now, but with end_unix_ns =
 * start_unix_ns (error false). Returns how many were written. For a host that
 * hands spans to a pipeline which needs a span's parent started before the
 * span itself: spans come out in the order they end, so the parent of a span
 * in a batch may still be open. */
uint32_t wo_open_spans(const wo_recorder *recorder, wo_span *out, uint32_t max);
/* The recorder's clock now, on the scale of its spans' start_unix_ns and
 * end_unix_ns (the wall clock when the recorder was made, plus its clock's
 * time since): for a host that puts the spans beside times of its own clock
 * and needs the offset between the two. */
uint64_t wo_recorder_now_unix_ns(const wo_recorder *recorder);

/* Closes the spans still open on every thread with error status (for proc_exit
 * or shutdown), hands everything recorded to the exporters and flushes them.
 * No thread may be running the module meanwhile. */
wo_status wo_recorder_finish(wo_recorder *recorder);
/* Hands the calling thread's finished spans to the exporters and flushes them.
 * (Other threads hand theirs over as their batches fill, and at finish.) */
wo_status wo_recorder_flush(wo_recorder *recorder);
wo_counters wo_recorder_counters(const wo_recorder *recorder);
/* With sampled profile timing, the calls of a site that are timed by the
 * clock to decide whether to mute it (up to its fifth muting check: 2048 with
 * the default mute_after); later calls read no clock and are never judged.
 * 0 with the clock (which judges a site every 256 calls for as long as it
 * runs) and with muting off. For a host's report of what muting judged. */
uint64_t wo_recorder_muting_timed_calls(const wo_recorder *recorder);
void wo_recorder_free(wo_recorder *recorder);

/* ---- The aggregate profile (WO_RECORD_PROFILE) --------------------------- */

typedef struct wo_profile_node {
  const wo_site *site;                /* NULL for the root */
  uint64_t calls;
  uint64_t total_ns;                  /* of the calls that closed */
  uint64_t self_ns;                   /* total_ns less the children's */
  struct wo_profile_node *first_child;
  struct wo_profile_node *next_sibling;
  struct wo_profile_node *parent;     /* NULL for the root */
  /* Under WO_TIMING_SAMPLED: the samples that found this call path on top of
   * a thread's stack (added to by the sampling thread, hence atomic). */
  _Atomic uint64_t samples;
} wo_profile_node;

/* The call tree of every thread merged (calls closed so far). The tree belongs
 * to the recorder and stays valid until the next call of this function or
 * wo_recorder_free. NULL if profiling is off or out of memory. Like
 * wo_recorder_finish, it reads every thread's tree: call it when no thread is
 * running the module. */
const wo_profile_node *wo_recorder_profile(wo_recorder *recorder);

/* ---- Sampled profile timing (WO_TIMING_SAMPLED) ----------------------------
 * The hooks keep the call tree and exact call counts and read no clock; on
 * every enter and exit a thread publishes the profile node on top of its
 * stack (NULL when no frame is open). A sampling thread wakes every so often
 * and adds one to the samples of the node each thread is in
 * (wo_recorder_sample). The profile's times are estimates: a node's self time
 * is its samples times the wall time the sampling covered divided by all the
 * samples taken (on a node or not), rounded to whole ns; its total time its
 * self time plus its children's totals. Like any sampling profiler it sees
 * where a thread is at each sample: a function needs many samples (a time far
 * above the interval) for its time to mean something.
 *
 * wo_sampler_start runs that thread for a native host. A host whose sampling
 * thread cannot call into the recorder (the Node host, where the recorder is
 * a wasm32 instance in shared memory and the sampler a worker) reads the
 * calling thread's slot (wo_recorder_node_slot) itself, adds to the node's
 * `samples` atomically, and reports what it covered with
 * wo_recorder_sampled_over. */

/* One sample of every thread: the node it is in gets one more sample.
 * Returns how many threads were in a frame. Safe to call from any thread
 * while the module runs; does nothing (0) unless the recorder's timing is
 * WO_TIMING_SAMPLED. */
uint32_t wo_recorder_sample(wo_recorder *recorder);
/* What the sampling covered, for the times: `samples` taken over
 * `covered_ns` of wall time. A host that calls wo_recorder_sample itself
 * reports it once its sampling ends (wo_sampler_stop does). */
void wo_recorder_sampled_over(wo_recorder *recorder, uint64_t samples, uint64_t covered_ns);
/* The calling thread's slot, where the recorder publishes its current node
 * (created with the thread's state if need be; NULL when out of memory or
 * when the timing is not sampled). Valid until wo_recorder_free. */
wo_profile_node *_Atomic *wo_recorder_node_slot(wo_recorder *recorder);

typedef struct wo_sampler wo_sampler;
typedef struct {
  uint64_t samples;          /* taken, on a node or not */
  uint64_t samples_outside;  /* that found no frame open on any thread */
  uint64_t covered_ns;       /* wall time from the first to the last */
} wo_sampler_stats;
/* Starts a thread that calls wo_recorder_sample every `interval_us`
 * microseconds (1 to 10^7). The recorder must outlive it.
 * WO_ERR_INVALID_ARGUMENT when the interval is out of range or the
 * recorder's timing is not sampled; WO_ERR_NO_MEMORY when the thread cannot
 * be started. */
wo_status wo_sampler_start(wo_recorder *recorder, uint32_t interval_us, wo_sampler **out);
/* Stops the thread (waits for it), reports what it covered to the recorder
 * (wo_recorder_sampled_over), fills `stats` when not NULL and frees the
 * sampler. NULL is a no-op. */
void wo_sampler_stop(wo_sampler *sampler, wo_sampler_stats *stats);

/* Writes the tree as folded stacks, one line per call path with its self time
 * in nanoseconds ("main;parse;lex 1234"), the input of flamegraph.pl. ';' in
 * names becomes ':' and control characters '?'. Returns WO_ERR_IO on a write error. */
wo_status wo_profile_write_folded(const wo_profile_node *root, FILE *out);
/* Writes a table of the `top` sites with the most self time: calls, total and
 * self time. */
wo_status wo_profile_write_summary(const wo_profile_node *root, FILE *out, unsigned top);

/* ---- Built-in exporters ----------------------------------------------------- */

/* Each writes to a file it creates (path "-" is stdout) and closes on destroy.
 *
 * Each file has a size limit, max_bytes: a batch that would take the file
 * over it is dropped whole (never half a line, never a broken document: the
 * Chrome trace's closing bracket is counted in). Once the file is within
 * WO_FILE_RESERVE_BYTES (or an eighth of max_bytes, if less) of the limit,
 * export_spans returns WO_OUTPUT_FULL, so that the recorder starts no new
 * span and the reserve is left to the spans already open (a command's root
 * span ends last). */
#define WO_DEFAULT_FILE_MAX_BYTES (256ull << 20)
#define WO_FILE_RESERVE_BYTES (8ull << 20)

typedef struct {
  uint64_t bytes_written;    /* including header and footer */
  uint64_t batches_dropped;  /* over max_bytes */
  uint64_t spans_dropped;
  uint64_t max_bytes;        /* the limit in force; WO_UNLIMITED for none */
} wo_file_stats;

typedef struct {
  uint64_t max_bytes;        /* 0 = WO_DEFAULT_FILE_MAX_BYTES; WO_UNLIMITED = no limit */
  /* If not NULL, destroy writes the final counts here. */
  wo_file_stats *final_stats;
} wo_file_options;

/* OTLP/JSON, one `TracesData` object per line per batch (the OTLP file
 * exporter convention). `options` may be NULL (the defaults). */
wo_status wo_exporter_otlp_json_lines(const char *path, const wo_file_options *options,
                                      wo_exporter *out);
/* Chrome trace event JSON (`X` events, microseconds since the recorder began),
 * for Perfetto, chrome://tracing, DevTools and speedscope. */
wo_status wo_exporter_chrome_trace(const char *path, const wo_file_options *options,
                                   wo_exporter *out);
/* The counts so far of an exporter made by one of the two above (keep a copy
 * of the wo_exporter; valid until the recorder is freed).
 * WO_ERR_INVALID_ARGUMENT for another kind of exporter. */
wo_status wo_file_exporter_read_stats(const wo_exporter *exporter, wo_file_stats *out);

/* ---- OTLP/HTTP to a collector ------------------------------------------------ */

typedef enum { WO_OTLP_PROTOBUF = 0, WO_OTLP_JSON = 1 } wo_otlp_encoding;

/* What an OTLP/HTTP exporter did. Batches are whole export_spans calls. */
typedef struct {
  uint64_t batches_queued;      /* accepted by export_spans */
  uint64_t batches_sent;        /* answered with a 2xx */
  uint64_t spans_sent;
  uint64_t batches_dropped;     /* every batch not sent, for whatever reason below */
  uint64_t spans_dropped;
  uint64_t dropped_queue_full;  /* batches refused by export_spans: the queue was full */
  uint64_t dropped_rejected;    /* answered with a status that is not retried (400, 500, ...) */
  uint64_t dropped_failed;      /* retries exhausted, or still queued when destroyed */
  uint64_t retries;             /* requests sent again (429, 502, 503, 504, connection errors) */
  long last_http_status;        /* of the last answer, 0 if none */
} wo_otlp_http_stats;

typedef struct {
  /* Required. "http://host:4318" or "https://…"; "/v1/traces" is appended
   * unless the URL already has a path (other than "/"). */
  const char *endpoint;
  wo_otlp_encoding encoding;      /* application/x-protobuf (default) or application/json */
  /* Extra request headers, "Name: value" each, NULL-terminated; may be NULL.
   * Copied. */
  const char *const *headers;
  uint32_t max_queue;             /* batches waiting to be sent; 0 = 64 */
  uint32_t timeout_ms;            /* per request, and the longest a flush waits; 0 = 10000 */
  int max_retries;                /* sends again after the first attempt; 0 = 5, < 0 = none */
  /* If not NULL, destroy writes the final counts here (the exporter is
   * usually destroyed by wo_recorder_free, which leaves no other way to read
   * them). */
  wo_otlp_http_stats *final_stats;
} wo_otlp_http_options;

/* OTLP/HTTP: POSTs each batch as an `ExportTraceServiceRequest` to the
 * collector, from a background thread (libcurl). export_spans only encodes the
 * batch and queues it, so the instrumented program never waits for the
 * network. 429, 502, 503, 504 and connection errors are retried with
 * exponential backoff and jitter (100 ms doubling, at most 5 s; each wait a
 * random time between half and all of that), or when the collector's
 * `Retry-After` says (seconds or an HTTP-date, at most 60 s; a date in the
 * past retries at once); other statuses are not retried. When
 * the queue is full (collector down or slow), export_spans drops the whole
 * batch, counts it and returns WO_ERR_IO (the recorder counts an export error).
 * flush waits for the queue to drain, at most timeout_ms, and returns WO_ERR_IO
 * if batches are still pending (a later flush with nothing new queued does not
 * wait again). destroy flushes, abandons the request in flight, counts what was
 * never sent, stops the thread and frees everything.
 *
 * Errors: WO_ERR_INVALID_ARGUMENT for a missing or non-http(s) endpoint or a
 * header without ':'; WO_ERR_NO_MEMORY; WO_ERR_IO if libcurl or the thread
 * cannot start. Nothing is printed. */
wo_status wo_exporter_otlp_http(const wo_otlp_http_options *options, wo_exporter *out);
/* The counts so far of an exporter made by wo_exporter_otlp_http (keep a copy
 * of the wo_exporter; it is valid until the recorder is freed).
 * WO_ERR_INVALID_ARGUMENT for another kind of exporter. */
wo_status wo_otlp_http_read_stats(const wo_exporter *exporter, wo_otlp_http_stats *out);

#ifdef __cplusplus
}
#endif

#endif
