/* Chrome trace event JSON: complete (`X`) events with exact decimal
 * microseconds since the recorder began, one process per module and one
 * thread per wasm thread. Loads in Perfetto, chrome://tracing, DevTools and
 * speedscope. Events are streamed, a batch at a time through one buffer; the
 * closing bracket is written on close. */

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
  wo_buf *out = wo_exporter_file_buffer(state);
  int *written = wo_exporter_file_flag(state);
  for (size_t i = 0; i < count; i++) {
    const wo_span *s = &spans[i];
    uint64_t start = s->start_unix_ns >= r->start_unix_ns ? s->start_unix_ns - r->start_unix_ns : 0;
    if (i || *written) WO_BUF_LITERAL(out, ",\n{\"name\":");
    else WO_BUF_LITERAL(out, "\n{\"name\":");
    wo_json_string(out, s->site->name);
    WO_BUF_LITERAL(out, ",\"cat\":\"");
    wo_json_put(out, category(s->site));
    WO_BUF_LITERAL(out, "\",\"ph\":\"X\",\"ts\":");
    wo_json_micros(out, start);
    WO_BUF_LITERAL(out, ",\"dur\":");
    wo_json_micros(out, s->end_unix_ns - s->start_unix_ns);
    WO_BUF_LITERAL(out, ",\"pid\":1,\"tid\":");
    wo_json_u64(out, s->thread);
    WO_BUF_LITERAL(out, ",\"args\":{\"function_index\":");
    wo_json_u64(out, s->site->function_index);
    if (s->error) WO_BUF_LITERAL(out, ",\"status\":\"unwound\"");
    WO_BUF_LITERAL(out, "}}");
  }
  wo_status rc = wo_exporter_file_write(state, count);
  /* Only events that reached the file need a comma before the next one. */
  if (wo_exporter_file_wrote(rc) && count) *written = 1;
  return rc;
}

wo_status wo_exporter_chrome_trace(const char *path, const wo_file_options *options,
                                   wo_exporter *out) {
  return wo_exporter_file_open(path, options, export_spans, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[",
                               "\n]}\n", out);
}
