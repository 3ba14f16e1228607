/* One batch as an OTLP/JSON `TracesData` (the same shape as an
 * `ExportTraceServiceRequest`): written by export_otlp_json.c, shared by the
 * file exporter (one line per batch) and the OTLP/HTTP exporter (one request
 * body per batch, through open_memstream). */
#ifndef WO_OTLP_JSON_H
#define WO_OTLP_JSON_H

#include <stdio.h>

#include "wasm_observe.h"

/* Writes the object without a newline; check ferror(out) afterwards. */
void wo_otlp_json_write(FILE *out, const wo_resource *resource, const wo_span *spans,
                        size_t count);

#endif
