#include "otlp_request.h"

#include <stdint.h>

#include "otlp_json.h"
#include "otlp_protobuf.h"
#include "text_buffer.h"

wo_status wo_otlp_request_body(wo_otlp_encoding encoding, const wo_resource *resource,
                               const wo_span *spans, size_t count, char **out, size_t *out_size) {
  if (encoding == WO_OTLP_JSON) {
    wo_buf text = {0};
    wo_otlp_json_write(&text, resource, spans, count);
    if (text.failed) {
      wo_buf_free(&text);
      return WO_ERR_NO_MEMORY;
    }
    *out = wo_buf_take(&text, out_size);
    return WO_OK;
  }
  uint8_t *body;
  wo_status rc = wo_otlp_protobuf_encode(resource, spans, count, &body, out_size);
  if (rc != WO_OK) return rc;
  *out = (char *)body;
  return WO_OK;
}
