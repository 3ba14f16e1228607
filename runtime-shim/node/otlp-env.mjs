// The OTLP/HTTP exporter's settings from explicit options and the standard
// OpenTelemetry environment variables (the options win):
//
//   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT   used as is
//   OTEL_EXPORTER_OTLP_ENDPOINT          a base URL: "v1/traces" is added to its path
//   OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL http/protobuf (default) or http/json
//   OTEL_EXPORTER_OTLP_[TRACES_]HEADERS  "name=value,name2=value2", values URL-encoded
//   OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT  ms per request (and for the final flush)
//
//   otlpHttpSettings({ endpoint, protocol, headers }, env) → null (no endpoint
//     anywhere) or { endpoint, endpointKind, protocol, headers, timeoutMs }, the
//     arguments of otlpHttpExporter(endpoint, options); throws on bad values.
// An explicit endpoint uses otlpTracesUrl's 'auto' rule (otlp-http.mjs).

// "name=value,..." with URL-encoded values (the W3C baggage format, without
// properties); an empty list is fine.
export function parseOtlpHeaders(text, what = 'OTEL_EXPORTER_OTLP_HEADERS') {
  const out = {};
  for (const item of (text ?? '').split(',')) {
    if (item.trim() === '') continue;
    const eq = item.indexOf('=');
    const name = eq < 0 ? '' : item.slice(0, eq).trim();
    if (name === '') throw new Error(`${what}: name=value items, not "${item.trim()}"`);
    try {
      out[name] = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      throw new Error(`${what}: bad %-encoding in "${item.trim()}"`);
    }
  }
  return out;
}

export function otlpHttpSettings(options = {}, env = process.env) {
  // The traces variable wins over the generic one; empty counts as unset.
  const pick = (name) => env[`OTEL_EXPORTER_OTLP_TRACES_${name}`] || env[`OTEL_EXPORTER_OTLP_${name}`] || undefined;
  let endpoint = options.endpoint;
  let endpointKind = 'auto';
  if (!endpoint && env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    endpointKind = 'traces';
  } else if (!endpoint && env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
    endpointKind = 'base';
  }
  if (!endpoint) return null;
  const protocol = options.protocol ?? pick('PROTOCOL') ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new Error(`OTLP protocol ${protocol} is not supported (http/protobuf or http/json)`);
  }
  const headers = {
    ...parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
    ...parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
    ...options.headers,
  };
  const timeout = pick('TIMEOUT');
  let timeoutMs;
  if (timeout !== undefined) {
    timeoutMs = Number(timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error(`OTEL_EXPORTER_OTLP_TIMEOUT: milliseconds, not ${timeout}`);
  }
  return { endpoint, endpointKind, protocol, headers, timeoutMs };
}
