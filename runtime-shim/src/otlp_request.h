/* One batch as the body of an OTLP/HTTP `/v1/traces` request, in either
 * encoding: shared by the OTLP/HTTP exporter (export_otlp_http.c) and the
 * Node host's wasm32 build, which hands the body to a JS sender. */
#ifndef WO_OTLP_REQUEST_H
#define WO_OTLP_REQUEST_H

#include <stddef.h>

#include "wasm_observe.h"

/* Encodes the batch as protobuf (`ExportTraceServiceRequest`) or OTLP/JSON
 * into a new buffer (*out, *out_size; the caller frees *out with free).
 * Returns WO_ERR_NO_MEMORY or WO_OK. */
wo_status wo_otlp_request_body(wo_otlp_encoding encoding, const wo_resource *resource,
                               const wo_span *spans, size_t count, char **out, size_t *out_size);

#endif
