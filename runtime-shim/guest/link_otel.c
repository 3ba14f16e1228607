/* The guest shim's link to wasi:otel/tracing@0.2.0-rc.2: each span is an
 * on-start(span-context) when it opens and an on-end(span-data) when it ends.
 * Ids and times are the shim's own: ids from a PRNG seeded once from
 * wasi:random, times = the wall clock read once + monotonic deltas. A root
 * span (empty stack) joins the host's outer span when outer-span-context gives
 * a valid one, with its flags and its trace-state (copied, within the W3C
 * bounds), else starts a fresh trace with no parent and no trace-state. Every
 * span of the trace carries that trace-state, in on-start and on-end. */
#include <stddef.h>

#include "guest.h"
#include "trace_ids.h"

#define OTEL "wasi:otel/tracing@0.2.0-rc.2"

/* Canonical-ABI layouts (size/align): string and list 8/4 (ptr, len); flags
 * with one label, bool and enums u8; datetime 16/8; status 12/4; option<string>
 * 12/4; instrumentation-scope 40/4; span-context 28/4; span-data 168/8. */
typedef struct {
  uint32_t ptr, len;
} cabi_slice;

/* key-value: key, value (a string: the value's JSON) */
typedef struct {
  cabi_slice key, value;
} otel_key_value;

/* tuple<string, string>: a trace-state entry (key, value) */
typedef struct {
  cabi_slice key, value;
} otel_trace_state_entry;

typedef struct {
  cabi_slice trace_id;
  cabi_slice span_id;
  uint8_t trace_flags; /* bit 0: sampled */
  uint8_t is_remote;
  cabi_slice trace_state; /* list<tuple<string, string>> */
} otel_span_context;

typedef struct {
  uint64_t seconds;
  uint32_t nanoseconds;
} otel_datetime;

typedef struct {
  uint8_t discriminant; /* unset 0, ok 1, error 2 */
  cabi_slice message;   /* error(string) */
} otel_status;

typedef struct {
  uint8_t is_some;
  cabi_slice value;
} otel_option_string;

typedef struct {
  cabi_slice name;
  otel_option_string version;
  otel_option_string schema_url;
  cabi_slice attributes;
} otel_instrumentation_scope;

typedef struct {
  otel_span_context span_context;
  cabi_slice parent_span_id;
  uint8_t span_kind; /* client 0, server 1, producer 2, consumer 3, internal 4 */
  cabi_slice name;
  otel_datetime start_time;
  otel_datetime end_time;
  cabi_slice attributes;
  cabi_slice events;
  cabi_slice links;
  otel_status status;
  otel_instrumentation_scope instrumentation_scope;
  uint32_t dropped_attributes;
  uint32_t dropped_events;
  uint32_t dropped_links;
} otel_span_data;

_Static_assert(sizeof(otel_key_value) == WI_GUEST_OTEL_KV_SIZE &&
                   _Alignof(otel_key_value) == WI_GUEST_OTEL_KV_ALIGN,
               "key-value");
_Static_assert(sizeof(otel_trace_state_entry) == 16 && _Alignof(otel_trace_state_entry) == 4,
               "tuple<string, string>");
_Static_assert(WI_GUEST_TRACE_STATE_MAX_ENTRIES * sizeof(otel_trace_state_entry) +
                       WI_GUEST_TRACE_STATE_MAX_CHARS <= WI_GUEST_TRACE_STATE_SIZE,
               "the trace-state copy fits its area");
_Static_assert(sizeof(otel_span_context) == 28 && _Alignof(otel_span_context) == 4, "span-context");
_Static_assert(offsetof(otel_span_context, trace_flags) == 16, "span-context.trace-flags");
_Static_assert(offsetof(otel_span_context, is_remote) == 17, "span-context.is-remote");
_Static_assert(offsetof(otel_span_context, trace_state) == 20, "span-context.trace-state");
_Static_assert(sizeof(otel_datetime) == 16 && _Alignof(otel_datetime) == 8, "datetime");
_Static_assert(sizeof(otel_status) == 12 && offsetof(otel_status, message) == 4, "status");
_Static_assert(sizeof(otel_instrumentation_scope) == 40, "instrumentation-scope");
_Static_assert(offsetof(otel_instrumentation_scope, version) == 8, "scope.version");
_Static_assert(offsetof(otel_instrumentation_scope, schema_url) == 20, "scope.schema-url");
_Static_assert(offsetof(otel_instrumentation_scope, attributes) == 32, "scope.attributes");
_Static_assert(offsetof(otel_span_data, parent_span_id) == 28, "parent-span-id");
_Static_assert(offsetof(otel_span_data, span_kind) == 36, "span-kind");
_Static_assert(offsetof(otel_span_data, name) == 40, "name");
_Static_assert(offsetof(otel_span_data, start_time) == 48, "start-time");
_Static_assert(offsetof(otel_span_data, end_time) == 64, "end-time");
_Static_assert(offsetof(otel_span_data, attributes) == 80, "attributes");
_Static_assert(offsetof(otel_span_data, events) == 88, "events");
_Static_assert(offsetof(otel_span_data, links) == 96, "links");
_Static_assert(offsetof(otel_span_data, status) == 104, "status");
_Static_assert(offsetof(otel_span_data, instrumentation_scope) == 116, "instrumentation-scope");
_Static_assert(offsetof(otel_span_data, dropped_attributes) == 156, "dropped-attributes");
_Static_assert(offsetof(otel_span_data, dropped_events) == 160, "dropped-events");
_Static_assert(offsetof(otel_span_data, dropped_links) == 164, "dropped-links");
_Static_assert(sizeof(otel_span_data) == 168 && _Alignof(otel_span_data) == 8, "span-data");

WI_IMPORT(OTEL, "on-start")
void otel_on_start(const char *trace_id, uint32_t trace_id_len, const char *span_id,
                   uint32_t span_id_len, uint32_t trace_flags, uint32_t is_remote,
                   const void *trace_state, uint32_t trace_state_len);
WI_IMPORT(OTEL, "on-end") void otel_on_end(const otel_span_data *span);
WI_IMPORT(OTEL, "outer-span-context") void otel_outer_span_context(otel_span_context *ret);
WI_IMPORT("wasi:clocks/wall-clock@0.2.0", "now") void wall_clock_now(otel_datetime *ret);
WI_IMPORT("wasi:clocks/monotonic-clock@0.2.0", "now") uint64_t monotonic_clock_now(void);
WI_IMPORT("wasi:random/random@0.2.0", "get-random-u64") uint64_t random_get_u64(void);
WI_IMPORT("env", "scratch-reset") void scratch_reset(void);

#define NS_PER_S 1000000000ull

const uint32_t guest_link_kind = WI_GUEST_BLOB_LINK_OTEL;
const uint32_t guest_link_times_spans = 1;

static uint64_t wall_base_ns, monotonic_base;
/* The current trace: the one the open stack belongs to. */
static char trace_id[32];
static uint8_t trace_flags;
static char root_parent[16];
static uint32_t root_parent_len;
/* The current trace's trace-state: `trace_state_count` entries at
 * GUEST_TRACE_STATE_BASE, their strings after them (guest_abi.h). */
static otel_trace_state_entry *const trace_state =
    (otel_trace_state_entry *)(uintptr_t)GUEST_TRACE_STATE_BASE;
static char *const trace_state_chars =
    (char *)(uintptr_t)(GUEST_TRACE_STATE_BASE +
                        WI_GUEST_TRACE_STATE_MAX_ENTRIES * sizeof(otel_trace_state_entry));
static uint32_t trace_state_count;
/* Where the host writes outer-span-context's result, and the on-end record. */
static otel_span_context outer;
static otel_span_data data;
static const char unwound_message[] = GUEST_UNWOUND_MESSAGE;
/* A root's attributes: its site's, then the counters (counters.c). */
static otel_key_value root_attributes[GUEST_MAX_SITE_ATTRS + GUEST_COUNTERS];
static char root_digits[GUEST_COUNTERS][10];

static uint64_t now_ns(void) { return wall_base_ns + (monotonic_clock_now() - monotonic_base); }

static otel_datetime datetime_of(uint64_t ns) {
  return (otel_datetime){.seconds = ns / NS_PER_S, .nanoseconds = (uint32_t)(ns % NS_PER_S)};
}

static uint32_t ptr_of(const void *p) { return (uint32_t)(uintptr_t)p; }

void guest_link_init(void) {
  trace_ids_seed(random_get_u64());
  otel_datetime wall;
  wall_clock_now(&wall);
  monotonic_base = monotonic_clock_now();
  wall_base_ns = wall.seconds * NS_PER_S + wall.nanoseconds;
  /* The fields that never change. */
  data.span_context.trace_id = (cabi_slice){ptr_of(trace_id), 32};
  data.span_context.span_id.len = 16;
  data.instrumentation_scope.name =
      (cabi_slice){guest_blob->scope_name_ptr, guest_blob->scope_name_len};
  data.instrumentation_scope.version =
      (otel_option_string){1, {guest_blob->scope_version_ptr, guest_blob->scope_version_len}};
}

/* 1 when the host's string [ptr, ptr + len) lies inside the memory. */
static int in_memory(cabi_slice s) {
  uint64_t size = (uint64_t)__builtin_wasm_memory_size(0) * WI_GUEST_PAGE_SIZE;
  return (uint64_t)s.ptr + s.len <= size;
}

/* The outer context's trace-state, copied into B's area: when it has at most
 * WI_GUEST_TRACE_STATE_MAX_ENTRIES entries and its header form ("k=v,k=v") at
 * most WI_GUEST_TRACE_STATE_MAX_CHARS characters, and lies inside the memory;
 * else dropped whole and counted. */
static void copy_trace_state(cabi_slice list) {
  trace_state_count = 0;
  if (list.len == 0) return;
  const otel_trace_state_entry *in = (const otel_trace_state_entry *)(uintptr_t)list.ptr;
  int ok = list.len <= WI_GUEST_TRACE_STATE_MAX_ENTRIES &&
           in_memory((cabi_slice){list.ptr, list.len * (uint32_t)sizeof *in});
  uint64_t chars = list.len - 1; /* the commas */
  for (uint32_t i = 0; ok && i < list.len; i++) {
    ok = in_memory(in[i].key) && in_memory(in[i].value);
    chars += (uint64_t)in[i].key.len + 1 + in[i].value.len;
  }
  if (!ok || chars > WI_GUEST_TRACE_STATE_MAX_CHARS) {
    guest_blob->dropped_trace_states++;
    return;
  }
  char *out = trace_state_chars;
  for (uint32_t i = 0; i < list.len; i++) {
    memcpy(out, (const char *)(uintptr_t)in[i].key.ptr, in[i].key.len);
    trace_state[i].key = (cabi_slice){ptr_of(out), in[i].key.len};
    out += in[i].key.len;
    memcpy(out, (const char *)(uintptr_t)in[i].value.ptr, in[i].value.len);
    trace_state[i].value = (cabi_slice){ptr_of(out), in[i].value.len};
    out += in[i].value.len;
  }
  trace_state_count = list.len;
}

/* A root opens: join the host's outer span, or start a fresh trace. */
static void begin_trace(void) {
  memset(&outer, 0, sizeof outer);
  otel_outer_span_context(&outer);
  const char *outer_trace = (const char *)(uintptr_t)outer.trace_id.ptr;
  const char *outer_span = (const char *)(uintptr_t)outer.span_id.ptr;
  if (in_memory(outer.trace_id) && in_memory(outer.span_id) &&
      trace_ids_valid(outer_trace, outer.trace_id.len, 32) &&
      trace_ids_valid(outer_span, outer.span_id.len, 16)) {
    memcpy(trace_id, outer_trace, 32);
    memcpy(root_parent, outer_span, 16);
    root_parent_len = 16;
    trace_flags = outer.trace_flags & 1;
    copy_trace_state(outer.trace_state);
  } else {
    trace_ids_new_trace(trace_id);
    root_parent_len = 0;
    trace_flags = 1;
    trace_state_count = 0;
  }
  /* Everything the host allocated for the answer is copied or dropped. */
  scratch_reset();
}

void guest_link_open(guest_frame *frames, uint32_t depth, const wi_guest_site_record *site) {
  (void)site;
  guest_frame *f = &frames[depth];
  if (depth == 0) begin_trace();
  trace_ids_new_span(f->span_id);
  otel_on_start(trace_id, 32, f->span_id, 16, trace_flags, 0, trace_state, trace_state_count);
  f->start_ns = now_ns(); /* after on-start: the host's own cost stays outside the span */
}

static uint8_t span_kind_of(uint32_t site_kind) {
  switch (site_kind) {
  case WI_GUEST_KIND_IMPORT: return 0; /* client */
  case WI_GUEST_KIND_EXPORT: return 1; /* server */
  default: return 4;                   /* internal */
  }
}

/* The attributes of the span of `site` at `depth`: the site's, and for a
 * root the counters that are not 0 (as JSON numbers: their digits). */
static cabi_slice attributes_of(uint32_t depth, const wi_guest_site_record *site) {
  guest_counter counters[GUEST_COUNTERS];
  uint32_t n = guest_root_counters(depth, site, root_attributes, sizeof *root_attributes, counters);
  if (n == 0) return (cabi_slice){site->attrs_ptr, site->attrs_count};
  for (uint32_t i = 0; i < n; i++) {
    uint32_t digits = guest_decimal(root_digits[i], counters[i].value);
    root_attributes[site->attrs_count + i] =
        (otel_key_value){{ptr_of(counters[i].key), counters[i].key_len},
                         {ptr_of(root_digits[i]), digits}};
  }
  return (cabi_slice){ptr_of(root_attributes), site->attrs_count + n};
}

uint64_t guest_link_close(guest_frame *frames, uint32_t depth, const wi_guest_site_record *site,
                          int unwound) {
  guest_frame *f = &frames[depth];
  uint64_t end_ns = now_ns();
  if (end_ns < f->start_ns) end_ns = f->start_ns;
  data.span_context.span_id.ptr = ptr_of(f->span_id);
  data.span_context.trace_flags = trace_flags;
  data.span_context.trace_state = (cabi_slice){ptr_of(trace_state), trace_state_count};
  int32_t parent = guest_span_parent(depth);
  data.parent_span_id = parent >= 0 ? (cabi_slice){ptr_of(frames[parent].span_id), 16}
                                    : (cabi_slice){ptr_of(root_parent), root_parent_len};
  data.span_kind = span_kind_of(site->kind);
  data.name = (cabi_slice){site->name_ptr, site->name_len};
  data.start_time = datetime_of(f->start_ns);
  data.end_time = datetime_of(end_ns);
  data.attributes = attributes_of(depth, site);
  data.status = unwound ? (otel_status){2, {ptr_of(unwound_message), sizeof unwound_message - 1}}
                        : (otel_status){0, {0, 0}};
  otel_on_end(&data);
  return end_ns - f->start_ns;
}
