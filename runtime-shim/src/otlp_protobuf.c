/* OTLP protobuf, by hand. A nested message is written in place and then given
 * its tag and length: `begin` remembers where its content starts, `end` moves
 * the content up by the size of the header and writes the header in front.
 * The attributes are those of the OTLP/JSON writer (export_otlp_json.c), in
 * the same order; tests/shim/otlp-http checks that both decode to the same
 * objects with protobufjs and the official .proto files. */
#include "otlp_protobuf.h"

#include <stdbool.h>
#include <string.h>

#include "json_text.h"
#include "text_buffer.h"

/* The same scope as export_otlp_json.c. */
#define SCOPE_NAME "wasm-instrument"
#define SCOPE_VERSION "0.1.0"

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2 };

/* ExportTraceServiceRequest */
enum { REQUEST_RESOURCE_SPANS = 1 };
/* ResourceSpans, Resource */
enum { RESOURCE_SPANS_RESOURCE = 1, RESOURCE_SPANS_SCOPE_SPANS = 2, RESOURCE_ATTRIBUTES = 1 };
/* ScopeSpans, InstrumentationScope */
enum { SCOPE_SPANS_SCOPE = 1, SCOPE_SPANS_SPANS = 2, SCOPE_NAME_FIELD = 1, SCOPE_VERSION_FIELD = 2 };
/* Span */
enum {
  SPAN_TRACE_ID = 1,
  SPAN_SPAN_ID = 2,
  SPAN_PARENT_SPAN_ID = 4,
  SPAN_NAME = 5,
  SPAN_KIND = 6,
  SPAN_START_TIME = 7,
  SPAN_END_TIME = 8,
  SPAN_ATTRIBUTES = 9,
  SPAN_STATUS = 15,
};
/* Status */
enum { STATUS_MESSAGE = 2, STATUS_CODE = 3, STATUS_CODE_ERROR = 2 };
/* KeyValue, AnyValue */
enum { KV_KEY = 1, KV_VALUE = 2, ANY_STRING = 1, ANY_INT = 3 };

static void put_raw(wo_buf *b, const void *p, size_t n) { wo_buf_append(b, p, n); }

static size_t varint_to(uint8_t *out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  out[n++] = (uint8_t)v;
  return n;
}

static void put_varint(wo_buf *b, uint64_t v) {
  uint8_t tmp[10];
  put_raw(b, tmp, varint_to(tmp, v));
}

static void put_tag(wo_buf *b, uint32_t field, unsigned wire) {
  put_varint(b, ((uint64_t)field << 3) | wire);
}

static void put_varint_field(wo_buf *b, uint32_t field, uint64_t v) {
  put_tag(b, field, WIRE_VARINT);
  put_varint(b, v);
}

static void put_fixed64_field(wo_buf *b, uint32_t field, uint64_t v) {
  uint8_t le[8];
  for (int i = 0; i < 8; i++) le[i] = (uint8_t)(v >> (8 * i));
  put_tag(b, field, WIRE_FIXED64);
  put_raw(b, le, 8);
}

static void put_bytes_field(wo_buf *b, uint32_t field, const uint8_t *p, size_t n) {
  put_tag(b, field, WIRE_LEN);
  put_varint(b, n);
  put_raw(b, p, n);
}

static size_t begin(const wo_buf *b) { return b->size; }

/* Turns the bytes written since `start` into a length-delimited field. */
static void end(wo_buf *b, size_t start, uint32_t field) {
  uint8_t head[20];
  size_t len = b->size - start;
  size_t n = varint_to(head, ((uint64_t)field << 3) | WIRE_LEN);
  n += varint_to(head + n, len);
  if (!wo_buf_reserve(b, n)) return;
  memmove(b->data + start + n, b->data + start, len);
  memcpy(b->data + start, head, n);
  b->size += n;
}

/* A `string` field: valid UTF-8, bad bytes become U+FFFD as in the JSON. */
static void put_string_field(wo_buf *b, uint32_t field, const char *s) {
  static const uint8_t replacement[3] = {0xef, 0xbf, 0xbd};
  size_t start = begin(b);
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    size_t n = wo_utf8_sequence(p);
    if (n == 0) {
      put_raw(b, replacement, 3);
      p++;
    } else {
      put_raw(b, p, n);
      p += n;
    }
  }
  end(b, start, field);
}

static void string_attribute(wo_buf *b, uint32_t field, const char *key, const char *value) {
  size_t kv = begin(b);
  put_string_field(b, KV_KEY, key);
  size_t any = begin(b);
  put_string_field(b, ANY_STRING, value);
  end(b, any, KV_VALUE);
  end(b, kv, field);
}

static void int_attribute(wo_buf *b, uint32_t field, const char *key, uint64_t value) {
  size_t kv = begin(b);
  put_string_field(b, KV_KEY, key);
  size_t any = begin(b);
  put_varint_field(b, ANY_INT, value);
  end(b, any, KV_VALUE);
  end(b, kv, field);
}

static bool is_zero(const uint8_t *bytes, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (bytes[i]) return false;
  return true;
}

static void put_span(wo_buf *b, const wo_span *s) {
  size_t span = begin(b);
  put_bytes_field(b, SPAN_TRACE_ID, s->trace_id, 16);
  put_bytes_field(b, SPAN_SPAN_ID, s->span_id, 8);
  if (!is_zero(s->parent_span_id, 8)) put_bytes_field(b, SPAN_PARENT_SPAN_ID, s->parent_span_id, 8);
  put_string_field(b, SPAN_NAME, s->site->name);
  put_varint_field(b, SPAN_KIND, (uint64_t)s->kind);
  put_fixed64_field(b, SPAN_START_TIME, s->start_unix_ns);
  put_fixed64_field(b, SPAN_END_TIME, s->end_unix_ns);
  const wo_site *site = s->site;
  string_attribute(b, SPAN_ATTRIBUTES, "code.function.name", site->name);
  int_attribute(b, SPAN_ATTRIBUTES, "wasm.function.index", site->function_index);
  if (site->symbol[0]) string_attribute(b, SPAN_ATTRIBUTES, "wasm.function.symbol", site->symbol);
  if (site->kind == WO_SITE_IMPORT) {
    string_attribute(b, SPAN_ATTRIBUTES, "wasm.import.module", site->module);
    string_attribute(b, SPAN_ATTRIBUTES, "wasm.import.name", site->field);
  } else if (site->kind == WO_SITE_EXPORT) {
    string_attribute(b, SPAN_ATTRIBUTES, "wasm.export.name", site->field);
  }
  int_attribute(b, SPAN_ATTRIBUTES, "thread.id", s->thread);
  /* Always a status, as in the JSON; an unset code is the empty message. */
  size_t status = begin(b);
  if (s->error) {
    put_string_field(b, STATUS_MESSAGE, "unwound: the span did not end through its exit");
    put_varint_field(b, STATUS_CODE, STATUS_CODE_ERROR);
  }
  end(b, status, SPAN_STATUS);
  end(b, span, SCOPE_SPANS_SPANS);
}

wo_status wo_otlp_protobuf_encode(const wo_resource *r, const wo_span *spans, size_t count,
                                  uint8_t **out, size_t *out_size) {
  *out = NULL;
  *out_size = 0;
  wo_buf b = {0};
  size_t resource_spans = begin(&b);
  size_t resource = begin(&b);
  string_attribute(&b, RESOURCE_ATTRIBUTES, "service.name", r->service_name);
  if (r->module_name[0]) string_attribute(&b, RESOURCE_ATTRIBUTES, "wasm.module.name", r->module_name);
  string_attribute(&b, RESOURCE_ATTRIBUTES, "telemetry.sdk.name", "wasm-observe");
  string_attribute(&b, RESOURCE_ATTRIBUTES, "telemetry.sdk.language", "cpp");
  end(&b, resource, RESOURCE_SPANS_RESOURCE);
  size_t scope_spans = begin(&b);
  size_t scope = begin(&b);
  put_string_field(&b, SCOPE_NAME_FIELD, SCOPE_NAME);
  put_string_field(&b, SCOPE_VERSION_FIELD, SCOPE_VERSION);
  end(&b, scope, SCOPE_SPANS_SCOPE);
  for (size_t i = 0; i < count; i++) put_span(&b, &spans[i]);
  end(&b, scope_spans, RESOURCE_SPANS_SCOPE_SPANS);
  end(&b, resource_spans, REQUEST_RESOURCE_SPANS);
  if (b.failed) {
    wo_buf_free(&b);
    return WO_ERR_NO_MEMORY;
  }
  *out = (uint8_t *)wo_buf_take(&b, out_size);
  return WO_OK;
}
