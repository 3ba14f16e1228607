/* OTLP/JSON lines: one `TracesData` object per line, one line per batch (the
 * OpenTelemetry file exporter convention). The OTLP/JSON rules: ids as lower
 * hex, enums as integers, 64-bit integers as decimal strings, lowerCamelCase
 * keys, and a status on every span. */
#include <stdlib.h>
#include <string.h>

#include "exporter_file.h"
#include "json_text.h"
#include "otlp_json.h"
#include "wasm_observe.h"

#define SCOPE_NAME "wasm-instrument"
#define SCOPE_VERSION "0.1.0"
enum { OTLP_STATUS_UNSET = 0, OTLP_STATUS_ERROR = 2 };

/* Keys are our own constants: no escaping needed. */
static void string_attribute(FILE *out, const char *key, const char *value, bool *first) {
  wo_json_put(out, *first ? "{\"key\":\"" : ",{\"key\":\"");
  *first = false;
  wo_json_put(out, key);
  wo_json_put(out, "\",\"value\":{\"stringValue\":");
  wo_json_string(out, value);
  wo_json_put(out, "}}");
}

static void int_attribute(FILE *out, const char *key, uint64_t value, bool *first) {
  wo_json_put(out, *first ? "{\"key\":\"" : ",{\"key\":\"");
  *first = false;
  wo_json_put(out, key);
  wo_json_put(out, "\",\"value\":{\"intValue\":\"");
  wo_json_u64(out, value);
  wo_json_put(out, "\"}}");
}

static bool is_zero(const uint8_t *bytes, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (bytes[i]) return false;
  return true;
}

static void write_span(FILE *out, const wo_span *s) {
  wo_json_put(out, "{\"traceId\":\"");
  wo_json_hex(out, s->trace_id, 16);
  wo_json_put(out, "\",\"spanId\":\"");
  wo_json_hex(out, s->span_id, 8);
  wo_json_put(out, "\"");
  if (!is_zero(s->parent_span_id, 8)) {
    wo_json_put(out, ",\"parentSpanId\":\"");
    wo_json_hex(out, s->parent_span_id, 8);
    wo_json_put(out, "\"");
  }
  wo_json_put(out, ",\"name\":");
  wo_json_string(out, s->site->name);
  wo_json_put(out, ",\"kind\":");
  wo_json_u64(out, (uint64_t)s->kind);
  wo_json_put(out, ",\"startTimeUnixNano\":\"");
  wo_json_u64(out, s->start_unix_ns);
  wo_json_put(out, "\",\"endTimeUnixNano\":\"");
  wo_json_u64(out, s->end_unix_ns);
  wo_json_put(out, "\",\"attributes\":[");
  bool first = true;
  string_attribute(out, "code.function.name", s->site->name, &first);
  int_attribute(out, "wasm.function.index", s->site->function_index, &first);
  if (s->site->symbol[0]) string_attribute(out, "wasm.function.symbol", s->site->symbol, &first);
  if (s->site->kind == WO_SITE_IMPORT) {
    string_attribute(out, "wasm.import.module", s->site->module, &first);
    string_attribute(out, "wasm.import.name", s->site->field, &first);
  } else if (s->site->kind == WO_SITE_EXPORT) {
    string_attribute(out, "wasm.export.name", s->site->field, &first);
  }
  int_attribute(out, "thread.id", s->thread, &first);
  wo_json_put(out, "],\"status\":{\"code\":");
  wo_json_u64(out, s->error ? OTLP_STATUS_ERROR : OTLP_STATUS_UNSET);
  if (s->error) wo_json_put(out, ",\"message\":\"unwound: the span did not end through its exit\"");
  wo_json_put(out, "}}");
}

void wo_otlp_json_write(FILE *out, const wo_resource *r, const wo_span *spans, size_t count) {
  flockfile(out);
  fputs("{\"resourceSpans\":[{\"resource\":{\"attributes\":[", out);
  bool first = true;
  string_attribute(out, "service.name", r->service_name, &first);
  if (r->module_name[0]) string_attribute(out, "wasm.module.name", r->module_name, &first);
  string_attribute(out, "telemetry.sdk.name", "wasm-observe", &first);
  string_attribute(out, "telemetry.sdk.language", "cpp", &first);
  fputs("]},\"scopeSpans\":[{\"scope\":{\"name\":\"" SCOPE_NAME "\",\"version\":\"" SCOPE_VERSION
        "\"},\"spans\":[",
        out);
  for (size_t i = 0; i < count; i++) {
    if (i) wo_json_put(out, ",");
    write_span(out, &spans[i]);
  }
  fputs("]}]}]}", out);
  funlockfile(out);
}

static wo_status export_spans(void *state, const wo_resource *r, const wo_span *spans,
                              size_t count) {
  FILE *out = wo_exporter_file(state);
  wo_otlp_json_write(out, r, spans, count);
  fputc('\n', out);
  return ferror(out) ? WO_ERR_IO : WO_OK;
}

wo_status wo_exporter_otlp_json_lines(const char *path, wo_exporter *out) {
  return wo_exporter_file_open(path, export_spans, NULL, NULL, out);
}
