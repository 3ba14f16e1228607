/* One batch as an OTLP/JSON `TracesData` (the same shape as an
 * `ExportTraceServiceRequest`): written by export_otlp_json.c, shared by the
 * file exporter (one line per batch) and the OTLP/HTTP exporter (one request
 * body per batch). */
#ifndef WO_OTLP_JSON_H
#define WO_OTLP_JSON_H

#include "text_buffer.h"
#include "wasm_observe.h"

/* Appends the object, without a newline, to `out`; check out->failed
 * afterwards (out of memory: the text is incomplete). */
void wo_otlp_json_write(wo_buf *out, const wo_resource *resource, const wo_span *spans,
                        size_t count);

#endif
