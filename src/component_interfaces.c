#include "component_interfaces.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

/* A value type: a type index inside the instance type (>= 0), or minus a
 * primitive's opcode. */
enum {
  V_BOOL = -0x7f,
  V_S64 = -0x78,
  V_U64 = -0x77,
  V_U32 = -0x79,
  V_F64 = -0x75,
  V_STRING = -0x73,
  V_NONE = INT_MIN, /* no payload, no result */
};

/* An instance type being declared: its declarations, and the next index of
 * its own type space (type definitions and type exports add one each). */
typedef struct {
  wi_writer decls;
  uint32_t count;
  int next_type;
} itype;

static void put_byte(wi_writer *w, uint8_t b) { wi_put_bytes(w, &b, 1); }

static void put_valtype(wi_writer *w, int v) {
  if (v < 0) put_byte(w, (uint8_t)-v);
  else wi_put_s33(w, (uint32_t)v);
}

/* Starts a type definition; returns its index. */
static int def(itype *t, uint8_t form) {
  put_byte(&t->decls, 0x01);
  put_byte(&t->decls, form);
  t->count++;
  return t->next_type++;
}

static int record(itype *t, int n, const char *const names[], const int types[]) {
  int index = def(t, 0x72);
  wi_put_u32(&t->decls, (uint32_t)n);
  for (int i = 0; i < n; i++) {
    wi_put_cstr(&t->decls, names[i]);
    put_valtype(&t->decls, types[i]);
  }
  return index;
}

static int variant(itype *t, int n, const char *const names[], const int payloads[]) {
  int index = def(t, 0x71);
  wi_put_u32(&t->decls, (uint32_t)n);
  for (int i = 0; i < n; i++) {
    wi_put_cstr(&t->decls, names[i]);
    if (payloads[i] == V_NONE) {
      put_byte(&t->decls, 0x00);
    } else {
      put_byte(&t->decls, 0x01);
      put_valtype(&t->decls, payloads[i]);
    }
    put_byte(&t->decls, 0x00);
  }
  return index;
}

static int labels(itype *t, uint8_t form, int n, const char *const names[]) {
  int index = def(t, form);
  wi_put_u32(&t->decls, (uint32_t)n);
  for (int i = 0; i < n; i++) wi_put_cstr(&t->decls, names[i]);
  return index;
}

static int of_one(itype *t, uint8_t form, int element) {
  int index = def(t, form);
  put_valtype(&t->decls, element);
  return index;
}

static int list(itype *t, int element) { return of_one(t, 0x70, element); }
static int option(itype *t, int element) { return of_one(t, 0x6b, element); }

static int handle(itype *t, uint8_t form, int resource) {
  int index = def(t, form);
  wi_put_u32(&t->decls, (uint32_t)resource);
  return index;
}

static int tuple2(itype *t, int a, int b) {
  int index = def(t, 0x6f);
  wi_put_u32(&t->decls, 2);
  put_valtype(&t->decls, a);
  put_valtype(&t->decls, b);
  return index;
}

static int func(itype *t, int n, const char *const names[], const int params[], int result) {
  int index = def(t, 0x40);
  wi_put_u32(&t->decls, (uint32_t)n);
  for (int i = 0; i < n; i++) {
    wi_put_cstr(&t->decls, names[i]);
    put_valtype(&t->decls, params[i]);
  }
  if (result == V_NONE) {
    put_byte(&t->decls, 0x01);
    put_byte(&t->decls, 0x00);
  } else {
    put_byte(&t->decls, 0x00);
    put_valtype(&t->decls, result);
  }
  return index;
}

static void export_head(itype *t, const char *name, uint8_t kind) {
  put_byte(&t->decls, 0x04);
  put_byte(&t->decls, 0x00); /* a plain name */
  wi_put_cstr(&t->decls, name);
  put_byte(&t->decls, kind);
  t->count++;
}

/* (export "name" (type (eq type))): a named type, with an index of its own. */
static int export_type(itype *t, const char *name, int type) {
  export_head(t, name, 0x03);
  put_byte(&t->decls, 0x00);
  wi_put_u32(&t->decls, (uint32_t)type);
  return t->next_type++;
}

static int export_resource(itype *t, const char *name) {
  export_head(t, name, 0x03);
  put_byte(&t->decls, 0x01); /* sub resource */
  return t->next_type++;
}

static void export_func(itype *t, const char *name, int functype) {
  export_head(t, name, 0x01);
  wi_put_u32(&t->decls, (uint32_t)functype);
}

static void finish(itype *t, wi_writer *out) {
  put_byte(out, 0x42);
  wi_put_u32(out, t->count);
  wi_put_bytes(out, t->decls.data, t->decls.size);
  out->failed |= t->decls.failed;
  free(t->decls.data);
}

static int datetime(itype *t) {
  static const char *const names[] = {"seconds", "nanoseconds"};
  static const int types[] = {V_U64, V_U32};
  return export_type(t, "datetime", record(t, 2, names, types));
}

/* flags trace-flags, list<tuple<string, string>>, record span-context. */
static int span_context(itype *t) {
  static const char *const sampled[] = {"sampled"};
  int flags = export_type(t, "trace-flags", labels(t, 0x6e, 1, sampled));
  int trace_state = list(t, tuple2(t, V_STRING, V_STRING));
  static const char *const names[] = {"trace-id", "span-id", "trace-flags", "is-remote",
                                      "trace-state"};
  int types[] = {V_STRING, V_STRING, flags, V_BOOL, trace_state};
  return export_type(t, "span-context", record(t, 5, names, types));
}

static int span_kind(itype *t) {
  static const char *const kinds[] = {"client", "server", "producer", "consumer", "internal"};
  return export_type(t, "span-kind", labels(t, 0x6d, 5, kinds));
}

static int status(itype *t) {
  static const char *const cases[] = {"unset", "ok", "error"};
  static const int payloads[] = {V_NONE, V_NONE, V_STRING};
  return export_type(t, "status", variant(t, 3, cases, payloads));
}

void wi_encode_hook_func_type(wi_writer *out) {
  put_byte(out, 0x40);
  wi_put_u32(out, 1);
  wi_put_cstr(out, "id");
  put_byte(out, 0x79); /* u32 */
  put_byte(out, 0x01); /* no result */
  put_byte(out, 0x00);
}

void wi_encode_hooks_instance_type(wi_writer *out) {
  itype t = {0};
  static const char *const id[] = {"id"};
  static const int u32[] = {V_U32};
  int hook = func(&t, 1, id, u32, V_NONE);
  export_func(&t, "enter", hook);
  export_func(&t, "exit", hook);
  finish(&t, out);
}

void wi_encode_otel_tracing_type(wi_writer *out) {
  itype t = {0};
  int time = datetime(&t);
  static const char *const kv_names[] = {"key", "value"};
  static const int kv_types[] = {V_STRING, V_STRING}; /* the value is JSON text */
  int key_value = export_type(&t, "key-value", record(&t, 2, kv_names, kv_types));
  int maybe_string = option(&t, V_STRING);
  int attributes = list(&t, key_value);
  static const char *const scope_names[] = {"name", "version", "schema-url", "attributes"};
  int scope_types[] = {V_STRING, maybe_string, maybe_string, attributes};
  int scope = export_type(&t, "instrumentation-scope", record(&t, 4, scope_names, scope_types));
  int context = span_context(&t);
  int kind = span_kind(&t);
  static const char *const event_names[] = {"name", "time", "attributes"};
  int event_types[] = {V_STRING, time, attributes};
  int event = export_type(&t, "event", record(&t, 3, event_names, event_types));
  static const char *const link_names[] = {"span-context", "attributes"};
  int link_types[] = {context, attributes};
  int link = export_type(&t, "link", record(&t, 2, link_names, link_types));
  int span_status = status(&t);
  int events = list(&t, event);
  int links = list(&t, link);
  static const char *const data_names[] = {
      "span-context", "parent-span-id", "span-kind",  "name",
      "start-time",   "end-time",       "attributes", "events",
      "links",        "status",         "instrumentation-scope", "dropped-attributes",
      "dropped-events", "dropped-links"};
  int data_types[] = {context, V_STRING, kind,   V_STRING,    time,  time,  attributes,
                      events,  links,    span_status, scope, V_U32, V_U32, V_U32};
  int data = export_type(&t, "span-data", record(&t, 14, data_names, data_types));
  static const char *const context_name[] = {"context"};
  int on_start[] = {context};
  export_func(&t, "on-start", func(&t, 1, context_name, on_start, V_NONE));
  static const char *const span_name[] = {"span"};
  int on_end[] = {data};
  export_func(&t, "on-end", func(&t, 1, span_name, on_end, V_NONE));
  export_func(&t, "outer-span-context", func(&t, 0, NULL, NULL, context));
  finish(&t, out);
}

void wi_encode_observe_tracer_type(wi_writer *out) {
  itype t = {0};
  int span = export_resource(&t, "span");
  int own_span = handle(&t, 0x69, span);
  int time = datetime(&t);
  int kind = span_kind(&t);
  static const char *const value_cases[] = {"string",       "bool",        "float64",
                                            "s64",          "string-array", "bool-array",
                                            "float64-array", "s64-array"};
  int value_payloads[] = {V_STRING,           V_BOOL,          V_F64,          V_S64,
                          list(&t, V_STRING), list(&t, V_BOOL), list(&t, V_F64), list(&t, V_S64)};
  int value = export_type(&t, "value", variant(&t, 8, value_cases, value_payloads));
  static const char *const kv_names[] = {"key", "value"};
  int kv_types[] = {V_STRING, value};
  int key_value = export_type(&t, "key-value", record(&t, 2, kv_names, kv_types));
  int context = span_context(&t);
  int attributes = list(&t, key_value);
  static const char *const link_names[] = {"span-context", "attributes"};
  int link_types[] = {context, attributes};
  int link = export_type(&t, "link", record(&t, 2, link_names, link_types));
  int maybe_time = option(&t, time);
  static const char *const option_names[] = {"new-root", "span-kind", "attributes", "links",
                                             "timestamp"};
  int option_types[] = {V_BOOL, option(&t, kind), option(&t, attributes),
                        option(&t, list(&t, link)), maybe_time};
  int start_options = export_type(&t, "start-options", record(&t, 5, option_names, option_types));
  static const char *const start_names[] = {"name", "options"};
  int start_params[] = {V_STRING, option(&t, start_options)};
  export_func(&t, "start", func(&t, 2, start_names, start_params, own_span));
  int borrow_span = handle(&t, 0x68, span);
  static const char *const end_names[] = {"self", "timestamp"};
  int end_params[] = {borrow_span, maybe_time};
  export_func(&t, "[method]span.end", func(&t, 2, end_names, end_params, V_NONE));
  int span_status = status(&t);
  static const char *const status_names[] = {"self", "status"};
  int status_params[] = {borrow_span, span_status};
  export_func(&t, "[method]span.set-status", func(&t, 2, status_names, status_params, V_NONE));
  finish(&t, out);
}

void wi_encode_wall_clock_type(wi_writer *out) {
  itype t = {0};
  int time = datetime(&t);
  export_func(&t, "now", func(&t, 0, NULL, NULL, time));
  finish(&t, out);
}

void wi_encode_monotonic_clock_type(wi_writer *out) {
  itype t = {0};
  int u64 = def(&t, 0x77); /* a primitive value type: u64 */
  int instant = export_type(&t, "instant", u64);
  export_func(&t, "now", func(&t, 0, NULL, NULL, instant));
  finish(&t, out);
}

void wi_encode_random_type(wi_writer *out) {
  itype t = {0};
  export_func(&t, "get-random-u64", func(&t, 0, NULL, NULL, V_U64));
  finish(&t, out);
}
