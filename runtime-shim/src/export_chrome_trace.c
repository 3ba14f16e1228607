/* Chrome trace event JSON: complete (`X`) events with exact decimal
 * microseconds since the recorder began, one process per module and one
 * thread per wasm thread. Loads in Perfetto, chrome://tracing, DevTools and
 * speedscope. Events are streamed; the closing bracket is written on close. */

#include "exporter_file.h"
#include "json_text.h"
#include "wasm_observe.h"

static const char *category(const wo_site *site) {
  switch (site->kind) {
    case WO_SITE_IMPORT: return "import";
    case WO_SITE_EXPORT: return "export";
    case WO_SITE_FUNCTION: break;
  }
  return "function";
}

static wo_status export_spans(void *state, const wo_resource *r, const wo_span *spans,
                              size_t count) {
  FILE *out = wo_exporter_file(state);
  int *written = wo_exporter_file_flag(state);
  flockfile(out);
  for (size_t i = 0; i < count; i++) {
    const wo_span *s = &spans[i];
    uint64_t start = s->start_unix_ns >= r->start_unix_ns ? s->start_unix_ns - r->start_unix_ns : 0;
    wo_json_put(out, *written ? ",\n{\"name\":" : "\n{\"name\":");
    *written = 1;
    wo_json_string(out, s->site->name);
    wo_json_put(out, ",\"cat\":\"");
    wo_json_put(out, category(s->site));
    wo_json_put(out, "\",\"ph\":\"X\",\"ts\":");
    wo_json_micros(out, start);
    wo_json_put(out, ",\"dur\":");
    wo_json_micros(out, s->end_unix_ns - s->start_unix_ns);
    wo_json_put(out, ",\"pid\":1,\"tid\":");
    wo_json_u64(out, s->thread);
    wo_json_put(out, ",\"args\":{\"function_index\":");
    wo_json_u64(out, s->site->function_index);
    if (s->error) wo_json_put(out, ",\"status\":\"unwound\"");
    wo_json_put(out, "}}");
  }
  funlockfile(out);
  return ferror(out) ? WO_ERR_IO : WO_OK;
}

wo_status wo_exporter_chrome_trace(const char *path, wo_exporter *out) {
  return wo_exporter_file_open(path, export_spans, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[",
                               "\n]}\n", out);
}
