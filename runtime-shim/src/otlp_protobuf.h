/* One batch as an OTLP `ExportTraceServiceRequest` in protobuf wire format,
 * encoded by hand (no protobuf-c): the same resource, scope, spans and
 * attributes as the OTLP/JSON writer (otlp_json.h). Field numbers are those of
 * opentelemetry-proto's collector/trace/v1/trace_service.proto,
 * trace/v1/trace.proto, common/v1/common.proto and resource/v1/resource.proto. */
#ifndef WO_OTLP_PROTOBUF_H
#define WO_OTLP_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

#include "wasm_observe.h"

/* Encodes the batch into a new buffer (*out, *out_size; the caller frees *out).
 * Strings that are not valid UTF-8 get U+FFFD for the bad bytes, as protobuf
 * `string` fields must be UTF-8. Returns WO_ERR_NO_MEMORY or WO_OK. */
wo_status wo_otlp_protobuf_encode(const wo_resource *resource, const wo_span *spans, size_t count,
                                  uint8_t **out, size_t *out_size);

#endif
