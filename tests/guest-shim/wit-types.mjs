// The WIT types the guest shim exchanges, transcribed for cabi.mjs from
// shared/wit-reference: wasi-otel-0.2.0-rc.2/tracing.wit + types.wit (and
// wasi:clocks' datetime), and tracer.wit of wasi:observe (float64 as f64).
import { bool, enumType, f64, flags, list, option, record, s64, string, tuple, u32, u64, variant } from './cabi.mjs';

export const datetime = record([['seconds', u64], ['nanoseconds', u32]]);
const spanKindLabels = ['client', 'server', 'producer', 'consumer', 'internal'];

// wasi:otel@0.2.0-rc.2
export const otelKeyValue = record([['key', string], ['value', string]]);
export const spanContext = record([
  ['trace-id', string], ['span-id', string], ['trace-flags', flags(['sampled'])],
  ['is-remote', bool], ['trace-state', list(tuple(string, string))],
]);
export const otelSpanKind = enumType(spanKindLabels);
export const otelEvent = record([['name', string], ['time', datetime], ['attributes', list(otelKeyValue)]]);
export const otelLink = record([['span-context', spanContext], ['attributes', list(otelKeyValue)]]);
export const otelStatus = variant([['unset', null], ['ok', null], ['error', string]]);
export const instrumentationScope = record([
  ['name', string], ['version', option(string)], ['schema-url', option(string)],
  ['attributes', list(otelKeyValue)],
]);
export const spanData = record([
  ['span-context', spanContext], ['parent-span-id', string], ['span-kind', otelSpanKind],
  ['name', string], ['start-time', datetime], ['end-time', datetime],
  ['attributes', list(otelKeyValue)], ['events', list(otelEvent)], ['links', list(otelLink)],
  ['status', otelStatus], ['instrumentation-scope', instrumentationScope],
  ['dropped-attributes', u32], ['dropped-events', u32], ['dropped-links', u32],
]);

// wasi:observe/tracer
export const observeValue = variant([
  ['string', string], ['bool', bool], ['float64', f64], ['s64', s64],
  ['string-array', list(string)], ['bool-array', list(bool)], ['float64-array', list(f64)],
  ['s64-array', list(s64)],
]);
export const observeKeyValue = record([['key', string], ['value', observeValue]]);
export const observeSpanKind = enumType(spanKindLabels);
export const observeLink = record([['span-context', spanContext], ['attributes', list(observeKeyValue)]]);
export const startOptions = record([
  ['new-root', bool], ['span-kind', option(observeSpanKind)],
  ['attributes', option(list(observeKeyValue))], ['links', option(list(observeLink))],
  ['timestamp', option(datetime)],
]);
export const observeStatus = variant([['unset', null], ['ok', null], ['error', string]]);
