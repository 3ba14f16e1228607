// One batch of spans as an OTLP/JSON ExportTraceServiceRequest: the body of
// an OTLP/HTTP JSON request (otlp-http.mjs) and, with a newline, a line of
// otlpJsonLinesExporter (wasm-observe.mjs): a TracesData and an
// ExportTraceServiceRequest have the same JSON. Kept apart from
// wasm-observe.mjs so that both can use it without an import cycle.
//
//   encodeOtlpJson(resource, batch, count) → string

const SITE_IMPORT = 1;
const SITE_EXPORT = 2;
const KIND_INTERNAL = 1;
const KIND_SERVER = 2;
const KIND_CLIENT = 3;

// As json_text.c: '"' and '\' escaped, control bytes and DEL as \u00XX.
export function jsonString(s) {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c < 0x20 || c === 0x7f) {
      out += s.slice(from, i);
      out += c === 0x22 ? '\\"' : c === 0x5c ? '\\\\' : `\\u${c.toString(16).padStart(4, '0')}`;
      from = i + 1;
    }
  }
  return out + s.slice(from) + '"';
}

// A table, not toString(16): that costs ~150 ns a word, most of the encoding.
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
function hex32(x) { return HEX[x >>> 24] + HEX[(x >>> 16) & 255] + HEX[(x >>> 8) & 255] + HEX[x & 255]; }
function stringAttr(key, value) { return `{"key":"${key}","value":{"stringValue":${jsonString(value)}}}`; }
function intAttr(key, value) { return `{"key":"${key}","value":{"intValue":"${value}"}}`; }

const SCOPE = '{"name":"wasm-instrument","version":"0.1.0"}';

export function encodeOtlpJson(resource, b, count) {
  const attrs = [stringAttr('service.name', resource.serviceName)];
  if (resource.moduleName) attrs.push(stringAttr('wasm.module.name', resource.moduleName));
  attrs.push(stringAttr('telemetry.sdk.name', 'wasm-observe'), stringAttr('telemetry.sdk.language', resource.sdkLanguage ?? 'nodejs'));
  const spans = new Array(count);
  const base = resource.startUnixNs;
  for (let i = 0; i < count; i++) {
    const site = b.sites[b.site[i]];
    const t = i * 4;
    const s = i * 2;
    let out = `{"traceId":"${hex32(b.traceId[t])}${hex32(b.traceId[t + 1])}${hex32(b.traceId[t + 2])}${hex32(b.traceId[t + 3])}","spanId":"${hex32(b.spanId[s])}${hex32(b.spanId[s + 1])}"`;
    if (b.parentSpanId[s] !== 0 || b.parentSpanId[s + 1] !== 0) out += `,"parentSpanId":"${hex32(b.parentSpanId[s])}${hex32(b.parentSpanId[s + 1])}"`;
    const start = base + BigInt(b.start[i]);
    const end = start + BigInt(b.duration[i]);
    const kind = site.kind === SITE_IMPORT ? KIND_CLIENT : site.kind === SITE_EXPORT ? KIND_SERVER : KIND_INTERNAL;
    out += `,"name":${jsonString(site.name)},"kind":${kind},"startTimeUnixNano":"${start}","endTimeUnixNano":"${end}","attributes":[`;
    out += stringAttr('code.function.name', site.name) + ',' + intAttr('wasm.function.index', site.functionIndex);
    if (site.symbol) out += ',' + stringAttr('wasm.function.symbol', site.symbol);
    if (site.kind === SITE_IMPORT) out += ',' + stringAttr('wasm.import.module', site.module) + ',' + stringAttr('wasm.import.name', site.field);
    else if (site.kind === SITE_EXPORT) out += ',' + stringAttr('wasm.export.name', site.field);
    out += ',' + intAttr('thread.id', 0) + '],"status":';
    out += b.error[i] ? '{"code":2,"message":"unwound: the span did not end through its exit"}}' : '{"code":0}}';
    spans[i] = out;
  }
  return `{"resourceSpans":[{"resource":{"attributes":[${attrs.join(',')}]},"scopeSpans":[{"scope":${SCOPE},"spans":[${spans.join(',')}]}]}]}`;
}
