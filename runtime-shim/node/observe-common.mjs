// What the Node host's recorders and commands share: the hook modules' names,
// the record and site kinds, the defaults (wasm_observe.h's), the error type,
// the options' limits and the lines that report what a budget dropped, the
// hooks' import object and the spans' resource.
export const HOOK_MODULE = 'wasm-instrument:hooks/trace@0.1.0';
export const OBSERVE_SDK_MODULE = 'dylibso:observe/instrument';
// The unwind hook, imported by modules with emscripten's invoke_* trampolines
// (docs/hook-contract.md): unwind(count) closes the count innermost enters.
export const UNWIND_MODULE = 'wasm-instrument:hooks/unwind@0.1.0';
// emscripten's `env.invoke_<sig>` trampoline (passes/emscripten_glue.c).
export const isInvokeTrampoline = (d) => d.module === 'env' && /^invoke_[vijfdpe]+$/.test(d.name);

export const RECORD_SPANS = 1;
export const RECORD_PROFILE = 2;

export const SITE_FUNCTION = 0;
export const SITE_IMPORT = 1;
export const SITE_EXPORT = 2;

export const KIND_INTERNAL = 1;
export const KIND_SERVER = 2;
export const KIND_CLIENT = 3;

export const DEFAULT_MAX_DEPTH = 4096;
// The span budget (wasm_observe.h, "The span budget"): spans exported a second
// and the burst above that, and the size limit of each trace file, with the
// reserve kept for the spans already open once a file says it is full.
export const DEFAULT_SPAN_RATE = 10000;
export const DEFAULT_SPAN_BURST = 200000;
export const DEFAULT_FILE_MAX_BYTES = 256 * 1024 * 1024;
// Muting (wasm_observe.h): a site is muted once it has closed this many calls
// with a mean duration under this many ns.
export const DEFAULT_MUTE_AFTER = 1000;
export const DEFAULT_MUTE_BELOW_NS = 1000;
// What an exporter's exportSpans may return when its output is at its size
// limit: the batch was written but only the open spans' ancestors fit now
// (OUTPUT_FULL), or the batch was dropped whole (OUTPUT_DROPPED).
export const OUTPUT_FULL = 'full';
export const OUTPUT_DROPPED = 'dropped';
export const FIRST_STACK = 64;
// Enters beyond maxDepth are not recorded, but the ids of this many are kept
// so that an exit can still be matched against them (recorder_internal.h).
export const OVERFLOW_IDS = 4096;

export class WasmObserveError extends Error {
  constructor(code, message) {
    super(message);
    // 'NOT_WASM' | 'NO_SITE_TABLE' | 'MALFORMED' | 'UNSUPPORTED_VERSION' | 'INVALID_ARGUMENT'
    // | 'NO_MEMORY' | 'IO' | 'NO_RECORDER' (the C recorder cannot be found or built)
    this.code = code;
  }
}

// A limit given as an option: undefined or 0 for the default, Infinity (or
// 'unlimited') for none, else a positive number.
export function budgetLimit(value, fallback, what) {
  if (value === undefined || value === null || value === 0) return fallback;
  if (value === Infinity || value === 'unlimited') return Infinity;
  if (typeof value === 'number' && value > 0 && Number.isFinite(value)) return value;
  throw new WasmObserveError('INVALID_ARGUMENT', `${what}: a positive number or Infinity, not ${value}`);
}

// A limit as a command line or environment variable gives it: "unlimited"
// (Infinity), or a positive integer, with a K, M or G suffix (powers of 1024)
// when `suffixes`. null when it is neither.
export function parseLimit(text, suffixes = false) {
  if (text === 'unlimited') return Infinity;
  const m = /^([0-9]+)([KMG]?)$/.exec(String(text));
  if (!m || (m[2] && !suffixes)) return null;
  const n = Number(m[1]) * 1024 ** ' KMG'.indexOf(m[2] || ' ');
  return n > 0 && Number.isSafeInteger(n) ? n : null;
}

// One line for stderr at exit when the span budget dropped anything (the
// counters and the limits in force), else null.
export function describeBudgetDrops(counters, { spanRate, spanBurst, maxFileBytes } = {}) {
  const overRate = counters.spansOverRate ?? 0, overSize = counters.spansOverSize ?? 0;
  if (!overRate && !overSize) return null;
  const rate = budgetLimit(spanRate, DEFAULT_SPAN_RATE, 'spanRate');
  const burst = budgetLimit(spanBurst, DEFAULT_SPAN_BURST, 'spanBurst');
  const size = budgetLimit(maxFileBytes, DEFAULT_FILE_MAX_BYTES, 'maxFileBytes');
  return `span budget: ${overRate} spans dropped over the rate limit` +
    (rate === Infinity ? ' (none)' : ` (${rate}/s, burst ${burst})`) +
    `, ${overSize} over the size limit` + (size === Infinity ? '' : ` (${size} bytes a file)`);
}

// One line for stderr at exit when sites were muted, else null; `offSwitch`,
// the host's way to turn muting off, ends it with what that keeps (every
// call with sampled timing, which makes no spans; every span with the clock).
export function describeMuting(counters, { muteAfter, muteBelowNs, profileTiming } = {}, offSwitch = '') {
  if (!counters.sitesMuted) return null;
  const off = offSwitch ? `; ${offSwitch} keeps every ${profileTiming === 'sampled' ? 'call' : 'span'}` : '';
  const after = budgetLimit(muteAfter, DEFAULT_MUTE_AFTER, 'muteAfter');
  const below = budgetLimit(muteBelowNs, DEFAULT_MUTE_BELOW_NS, 'muteBelowNs');
  const patched = counters.sitesPatched
    ? `${counters.sitesPatched} of them patched out of the module (--patchable: their later calls uncounted)` : '';
  // sampled timing times a site's first calls only, in windows of 256, up to
  // the recorder's mutingTimedCalls (wo_recorder_muting_timed_calls)
  if (profileTiming === 'sampled') {
    const last = counters.mutingTimedCalls ? ` to the ${counters.mutingTimedCalls}th` : '';
    return `muted ${counters.sitesMuted} sites (256 calls in a row averaging under ${below} ns, judged from the ` +
      `${after}th call${last})` + (patched ? `: ${patched}` : '') + off;
  }
  return `muted ${counters.sitesMuted} sites (${after} calls averaging under ${below} ns): ` +
    `${counters.spansMuted} calls counted with no span${patched ? `; ${patched}` : ''}` + off;
}

// The import object entries of a recorder's hooks for a module of `abi`:
// the default ABI's (and its unwind hook) always, and observe-sdk's for an
// observe-sdk module.
export function hookNamespaces({ enter, exit, memoryGrow, unwind }, abi) {
  const h = { [HOOK_MODULE]: { enter, exit }, [UNWIND_MODULE]: { unwind } };
  if (abi === 'observe-sdk') h[OBSERVE_SDK_MODULE] = { enter, exit, 'memory-grow': memoryGrow };
  return h;
}

// The resource of a recorder's spans: the options' names and the time it began.
export function recorderResource(options) {
  return {
    serviceName: options.serviceName ?? 'wasm-module',
    moduleName: options.moduleName ?? '',
    startUnixNs: BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e3)) * 1000n,
  };
}
