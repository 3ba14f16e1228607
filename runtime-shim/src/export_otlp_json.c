/* OTLP/JSON lines: one `TracesData` object per line, one line per batch (the
 * OpenTelemetry file exporter convention). The OTLP/JSON rules: ids as lower
 * hex, enums as integers, 64-bit integers as decimal strings, lowerCamelCase
 * keys, and a status on every span.
 *
 * A batch is formatted into one buffer and written with one fwrite
 * (text_buffer.h says why), each span through a cursor into room made for
 * the whole span at once (json_text.h says why). */
#include <assert.h>

#include "exporter_file.h"
#include "json_text.h"
#include "otlp_json.h"
#include "wasm_observe.h"

#define SCOPE_NAME "wasm-instrument"
#define SCOPE_VERSION "0.1.0"

/* Attribute keys are our own literals (no escaping needed), each written with
 * its punctuation in one piece; `sep` is "" for the first of a list, else ",". */
#define STRING_ATTRIBUTE_HEAD(sep, key) sep "{\"key\":\"" key "\",\"value\":{\"stringValue\":"
#define INT_ATTRIBUTE_HEAD(sep, key) sep "{\"key\":\"" key "\",\"value\":{\"intValue\":\""

/* Everything in a span but its four strings, with room to spare: the literal
 * text, ids and numbers come to about 600 bytes (the assert in write_span
 * would catch a change that outgrew it). */
enum { SPAN_FIXED_MAX = 1024 };

static bool is_zero(const uint8_t *bytes, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (bytes[i]) return false;
  return true;
}

/* max + wo_json_string_max(len), or SIZE_MAX if it does not fit. */
static size_t plus_string(size_t max, size_t len) {
  size_t more = wo_json_string_max(len);
  return more == SIZE_MAX || max > SIZE_MAX - more ? SIZE_MAX : max + more;
}

static void write_span(wo_buf *out, const wo_span *s) {
  const wo_site *site = s->site;
  bool import = site->kind == WO_SITE_IMPORT, export = site->kind == WO_SITE_EXPORT;
  size_t name_len = strlen(site->name), symbol_len = strlen(site->symbol);
  size_t module_len = import ? strlen(site->module) : 0;
  size_t field_len = import || export ? strlen(site->field) : 0;
  size_t max = plus_string(SPAN_FIXED_MAX, name_len);
  max = plus_string(max, name_len);
  max = plus_string(max, symbol_len);
  max = plus_string(max, module_len);
  max = plus_string(max, field_len);
  char *start = max == SIZE_MAX ? NULL : wo_buf_reserve(out, max);
  if (!start) {
    out->failed = true;
    return;
  }
  char *o = start;
  o = WO_JSON_PUT_LITERAL(o, "{\"traceId\":\"");
  o = wo_json_put_hex(o, s->trace_id, 16);
  o = WO_JSON_PUT_LITERAL(o, "\",\"spanId\":\"");
  o = wo_json_put_hex(o, s->span_id, 8);
  if (!is_zero(s->parent_span_id, 8)) {
    o = WO_JSON_PUT_LITERAL(o, "\",\"parentSpanId\":\"");
    o = wo_json_put_hex(o, s->parent_span_id, 8);
  }
  o = WO_JSON_PUT_LITERAL(o, "\",\"name\":");
  char *name = o;
  o = wo_json_put_string(o, site->name, name_len);
  size_t name_size = (size_t)(o - name);
  o = WO_JSON_PUT_LITERAL(o, ",\"kind\":");
  o = wo_json_put_u64(o, (uint64_t)s->kind);
  o = WO_JSON_PUT_LITERAL(o, ",\"startTimeUnixNano\":\"");
  o = wo_json_put_u64(o, s->start_unix_ns);
  o = WO_JSON_PUT_LITERAL(o, "\",\"endTimeUnixNano\":\"");
  o = wo_json_put_u64(o, s->end_unix_ns);
  o = WO_JSON_PUT_LITERAL(o, "\",\"attributes\":[" STRING_ATTRIBUTE_HEAD("", "code.function.name"));
  memcpy(o, name, name_size); /* the name again, already escaped */
  o += name_size;
  o = WO_JSON_PUT_LITERAL(o, "}}" INT_ATTRIBUTE_HEAD(",", "wasm.function.index"));
  o = wo_json_put_u64(o, site->function_index);
  o = WO_JSON_PUT_LITERAL(o, "\"}}");
  if (symbol_len) {
    o = WO_JSON_PUT_LITERAL(o, STRING_ATTRIBUTE_HEAD(",", "wasm.function.symbol"));
    o = wo_json_put_string(o, site->symbol, symbol_len);
    o = WO_JSON_PUT_LITERAL(o, "}}");
  }
  if (import) {
    o = WO_JSON_PUT_LITERAL(o, STRING_ATTRIBUTE_HEAD(",", "wasm.import.module"));
    o = wo_json_put_string(o, site->module, module_len);
    o = WO_JSON_PUT_LITERAL(o, "}}" STRING_ATTRIBUTE_HEAD(",", "wasm.import.name"));
    o = wo_json_put_string(o, site->field, field_len);
    o = WO_JSON_PUT_LITERAL(o, "}}");
  } else if (export) {
    o = WO_JSON_PUT_LITERAL(o, STRING_ATTRIBUTE_HEAD(",", "wasm.export.name"));
    o = wo_json_put_string(o, site->field, field_len);
    o = WO_JSON_PUT_LITERAL(o, "}}");
  }
  o = WO_JSON_PUT_LITERAL(o, INT_ATTRIBUTE_HEAD(",", "thread.id"));
  o = wo_json_put_u64(o, s->thread);
  /* status.code 2 (error) with a message, or 0 (unset). */
  if (s->error)
    o = WO_JSON_PUT_LITERAL(o, "\"}}],\"status\":{\"code\":2,\"message\":\"unwound: the span did "
                               "not end through its exit\"}}");
  else
    o = WO_JSON_PUT_LITERAL(o, "\"}}],\"status\":{\"code\":0}}");
  assert((size_t)(o - start) <= max);
  out->size += (size_t)(o - start);
}

static void string_attribute(wo_buf *out, const char *head, const char *value) {
  wo_json_put(out, head);
  wo_json_string(out, value);
  WO_BUF_LITERAL(out, "}}");
}

void wo_otlp_json_write(wo_buf *out, const wo_resource *r, const wo_span *spans, size_t count) {
  WO_BUF_LITERAL(out, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
  string_attribute(out, STRING_ATTRIBUTE_HEAD("", "service.name"), r->service_name);
  if (r->module_name[0])
    string_attribute(out, STRING_ATTRIBUTE_HEAD(",", "wasm.module.name"), r->module_name);
  WO_BUF_LITERAL(out, STRING_ATTRIBUTE_HEAD(",", "telemetry.sdk.name") "\"wasm-observe\"}}"
                      STRING_ATTRIBUTE_HEAD(",", "telemetry.sdk.language") "\"cpp\"}}");
  WO_BUF_LITERAL(out, "]},\"scopeSpans\":[{\"scope\":{\"name\":\"" SCOPE_NAME
                      "\",\"version\":\"" SCOPE_VERSION "\"},\"spans\":[");
  for (size_t i = 0; i < count; i++) {
    if (i) WO_BUF_LITERAL(out, ",");
    write_span(out, &spans[i]);
  }
  WO_BUF_LITERAL(out, "]}]}]}");
}

static wo_status export_spans(void *state, const wo_resource *r, const wo_span *spans,
                              size_t count) {
  wo_buf *out = wo_exporter_file_buffer(state);
  wo_otlp_json_write(out, r, spans, count);
  WO_BUF_LITERAL(out, "\n");
  return wo_exporter_file_write(state, count);
}

wo_status wo_exporter_otlp_json_lines(const char *path, const wo_file_options *options,
                                      wo_exporter *out) {
  return wo_exporter_file_open(path, options, export_spans, NULL, NULL, out);
}
