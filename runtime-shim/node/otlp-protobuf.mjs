// One batch of spans as an OTLP ExportTraceServiceRequest in protobuf, by
// hand: the same fields, values and order as the C library's otlp_protobuf.c
// and the same content as the OTLP/JSON lines exporter (field numbers from
// opentelemetry-proto: collector/trace/v1/trace_service.proto, trace/v1/
// trace.proto, common/v1/common.proto, resource/v1/resource.proto).
//
//   encodeOtlpProtobuf(resource, batch, count) → Uint8Array
//
// `resource` and `batch` are what an exporter's exportSpans gets (see the
// exporter interface in wasm-observe.mjs). Sizes are computed first and the
// message is written once into a buffer of exactly that size, so nothing is
// moved; the parts of a span that depend only on its site (name, kind,
// attributes) are encoded once per site and copied.

const SITE_IMPORT = 1;
const SITE_EXPORT = 2;
const KIND_INTERNAL = 1;
const KIND_SERVER = 2;
const KIND_CLIENT = 3;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const tag = (field, wire) => (field << 3) | wire;

// Span fields (trace.proto): trace_id 1, span_id 2, parent_span_id 4, name 5,
// kind 6, start_time_unix_nano 7, end_time_unix_nano 8, attributes 9, status 15.
const SPAN_TRACE_ID = tag(1, WIRE_LEN);
const SPAN_SPAN_ID = tag(2, WIRE_LEN);
const SPAN_PARENT_SPAN_ID = tag(4, WIRE_LEN);
const SPAN_NAME = 5;
const SPAN_KIND = 6;
const SPAN_START = tag(7, WIRE_FIXED64);
const SPAN_END = tag(8, WIRE_FIXED64);
const SPAN_ATTRIBUTES = 9;
const SPAN_STATUS = 15;
// ExportTraceServiceRequest.resource_spans 1; ResourceSpans.resource 1,
// .scope_spans 2; Resource.attributes 1; ScopeSpans.scope 1, .spans 2;
// InstrumentationScope.name 1, .version 2; Status.message 2, .code 3;
// KeyValue.key 1, .value 2; AnyValue.string_value 1, .int_value 3.

const encoder = new TextEncoder(); // lone surrogates become U+FFFD, as in the JSON

function varintSize(n) {
  let size = 1;
  while (n >= 0x80) { n = Math.floor(n / 128); size++; }
  return size;
}

// A small growable writer for the parts encoded once (sites, resource, scope).
class Parts {
  constructor() { this.bytes = []; }
  varint(n) {
    while (n >= 0x80) { this.bytes.push((n % 128) | 0x80); n = Math.floor(n / 128); }
    this.bytes.push(n);
    return this;
  }
  raw(u8) { for (const b of u8) this.bytes.push(b); return this; }
  len(field, content) { return this.varint(tag(field, WIRE_LEN)).varint(content.length).raw(content); }
  string(field, s) { return this.len(field, encoder.encode(s)); }
  done() { return Uint8Array.from(this.bytes); }
}

const message = (fill) => { const p = new Parts(); fill(p); return p.done(); };

function stringAttr(p, field, key, value) {
  return p.len(field, message((kv) => kv.string(1, key).len(2, message((any) => any.string(1, value)))));
}

function intAttr(p, field, key, value) {
  // int_value is set even when 0: it is a oneof member.
  return p.len(field, message((kv) => kv.string(1, key).len(2, message((any) => any.varint(tag(3, WIRE_VARINT)).varint(value)))));
}

// A span's name and kind (before its times) and its attributes (after them).
function siteParts(site) {
  const kind = site.kind === SITE_IMPORT ? KIND_CLIENT : site.kind === SITE_EXPORT ? KIND_SERVER : KIND_INTERNAL;
  const head = message((p) => p.string(SPAN_NAME, site.name).varint(tag(SPAN_KIND, WIRE_VARINT)).varint(kind));
  const tail = message((p) => {
    stringAttr(p, SPAN_ATTRIBUTES, 'code.function.name', site.name);
    intAttr(p, SPAN_ATTRIBUTES, 'wasm.function.index', site.functionIndex);
    if (site.symbol) stringAttr(p, SPAN_ATTRIBUTES, 'wasm.function.symbol', site.symbol);
    if (site.kind === SITE_IMPORT) {
      stringAttr(p, SPAN_ATTRIBUTES, 'wasm.import.module', site.module);
      stringAttr(p, SPAN_ATTRIBUTES, 'wasm.import.name', site.field);
    } else if (site.kind === SITE_EXPORT) {
      stringAttr(p, SPAN_ATTRIBUTES, 'wasm.export.name', site.field);
    }
    intAttr(p, SPAN_ATTRIBUTES, 'thread.id', 0); // one stack per recorder (README)
  });
  return { head, tail };
}

// Always a status, as in the JSON: empty (unset) or the error with its message.
const STATUS_OK = message((p) => p.len(SPAN_STATUS, new Uint8Array(0)));
const STATUS_ERROR = message((p) => p.len(SPAN_STATUS, message((s) => s
  .string(2, 'unwound: the span did not end through its exit')
  .varint(tag(3, WIRE_VARINT)).varint(2))));

const SCOPE = message((p) => p.len(1, message((s) => s.string(1, 'wasm-instrument').string(2, '0.1.0'))));

function resourcePart(resource) {
  return message((p) => p.len(1, message((r) => {
    stringAttr(r, 1, 'service.name', resource.serviceName);
    if (resource.moduleName) stringAttr(r, 1, 'wasm.module.name', resource.moduleName);
    stringAttr(r, 1, 'telemetry.sdk.name', 'wasm-observe');
    stringAttr(r, 1, 'telemetry.sdk.language', resource.sdkLanguage ?? 'nodejs');
  })));
}

// Per site object: the site table can be replaced (loadSites), its sites not.
const siteCache = new WeakMap();
function partsOf(site) {
  let parts = siteCache.get(site);
  if (!parts) { parts = siteParts(site); siteCache.set(site, parts); }
  return parts;
}

export function encodeOtlpProtobuf(resource, b, count) {
  const res = resourcePart(resource);
  const sizes = new Array(count);
  let spansSize = 0;
  for (let i = 0; i < count; i++) {
    const { head, tail } = partsOf(b.sites[b.site[i]]);
    const hasParent = b.parentSpanId[2 * i] !== 0 || b.parentSpanId[2 * i + 1] !== 0;
    const n = 18 + 10 + (hasParent ? 10 : 0) + head.length + 18 + tail.length + (b.error[i] ? STATUS_ERROR.length : STATUS_OK.length);
    sizes[i] = n;
    spansSize += 1 + varintSize(n) + n;
  }
  const scopeSpansSize = SCOPE.length + spansSize;
  const resourceSpansSize = res.length + 1 + varintSize(scopeSpansSize) + scopeSpansSize;
  const total = 1 + varintSize(resourceSpansSize) + resourceSpansSize;

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let p = 0;
  const varint = (n) => {
    while (n >= 0x80) { out[p++] = (n % 128) | 0x80; n = Math.floor(n / 128); }
    out[p++] = n;
  };
  const copy = (u8) => { out.set(u8, p); p += u8.length; };
  const words = (arr, at, n) => { // ids: each 32-bit word big-endian (as the JSON's hex)
    for (let k = 0; k < n; k++) { view.setUint32(p, arr[at + k]); p += 4; }
  };

  out[p++] = tag(1, WIRE_LEN); varint(resourceSpansSize);
  copy(res);
  out[p++] = tag(2, WIRE_LEN); varint(scopeSpansSize);
  copy(SCOPE);
  const base = resource.startUnixNs;
  for (let i = 0; i < count; i++) {
    const { head, tail } = partsOf(b.sites[b.site[i]]);
    out[p++] = tag(2, WIRE_LEN); varint(sizes[i]);
    out[p++] = SPAN_TRACE_ID; out[p++] = 16; words(b.traceId, 4 * i, 4);
    out[p++] = SPAN_SPAN_ID; out[p++] = 8; words(b.spanId, 2 * i, 2);
    if (b.parentSpanId[2 * i] !== 0 || b.parentSpanId[2 * i + 1] !== 0) {
      out[p++] = SPAN_PARENT_SPAN_ID; out[p++] = 8; words(b.parentSpanId, 2 * i, 2);
    }
    copy(head);
    const start = base + BigInt(b.start[i]);
    out[p++] = SPAN_START; view.setBigUint64(p, start, true); p += 8;
    out[p++] = SPAN_END; view.setBigUint64(p, start + BigInt(b.duration[i]), true); p += 8;
    copy(tail);
    copy(b.error[i] ? STATUS_ERROR : STATUS_OK);
  }
  if (p !== total) throw new Error(`otlp-protobuf: wrote ${p} bytes, sized ${total}`);
  return out;
}
