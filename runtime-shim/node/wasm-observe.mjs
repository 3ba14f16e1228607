// wasm-observe for Node.js (V8): the host side of wasm-instrument's hook
// contract (docs/hook-contract.md) in JavaScript, with the semantics and
// output formats of the C library (runtime-shim/include/wasm_observe.h):
//
//   import { createRecorder, otlpJsonLinesExporter, chromeTraceExporter } from './wasm-observe.mjs';
//   const rec = createRecorder({ serviceName: 'checkout', moduleName: 'app.wasm',
//                                record: RECORD_SPANS | RECORD_PROFILE,
//                                exporters: [otlpJsonLinesExporter('trace.jsonl'),
//                                            chromeTraceExporter('trace.json')] });
//   rec.loadSites(bytes);                      // or a WebAssembly.Module
//   const instance = new WebAssembly.Instance(module, { ...rec.hooks(), ...other });
//   rec.patch(instance);                       // a --patchable build: muted sites patched out
//   ... run; after a trap the host caught: rec.unwind();
//   rec.finish();                              // closes what is open (error status), exports, flushes
//   fs.writeFileSync('out.folded', rec.folded());  // self time in ns per call path
//   process.stderr.write(rec.summary(20));
//   rec.close();                               // closes the exporters' files
//
//
// This file is the package's entry: createRecorder picks a recorder (the C
// library compiled to wasm32, wasm32-recorder.mjs, the only one since the JS
// recorder was removed, with the clock or sampled time) and the rest is
// re-exported from the files that hold it.
import { wasm32RecorderModule, createWasm32Recorder } from './wasm32-recorder.mjs';
import { resolveOpenTelemetryApi } from './otel-api-bridge.mjs';
import { RECORD_SPANS, RECORD_PROFILE, WasmObserveError } from './observe-common.mjs';
export * from './observe-common.mjs';
export { readSites } from './module-sites.mjs';
export { otlpJsonLinesExporter, chromeTraceExporter } from './file-exporters.mjs';
export { micros, buildProfile, writeFolded, writeFoldedCalls, writeSummary } from './profile-output.mjs';
export { SITES_SECTION } from './site-table.mjs';
export { jsonString } from './otlp-json.mjs';
export { otlpHttpExporter } from './otlp-http.mjs'; // OTLP/HTTP to a collector

function recordFlags(record) {
  if (record === undefined || record === null || record === 0) return RECORD_SPANS;
  if (typeof record === 'number') return record;
  const list = Array.isArray(record) ? record : String(record).split(/[,+| ]+/);
  let flags = 0;
  for (const r of list) {
    if (r === 'spans') flags |= RECORD_SPANS;
    else if (r === 'profile') flags |= RECORD_PROFILE;
    else if (r) throw new WasmObserveError('INVALID_ARGUMENT', `record: unknown '${r}'`);
  }
  return flags || RECORD_SPANS;
}

// options: { backend ('auto', the default, or 'wasm32': the same, the C
// recorder compiled to wasm32 (wasm32-recorder.mjs), the only recorder: where
// it cannot be found or built (no clang/wasi-libc in a source checkout) a
// WasmObserveError NO_RECORDER with the build's first error line, no
// fallback; 'js', the JS recorder, was removed: an INVALID_ARGUMENT error),
// serviceName, moduleName, record (RECORD_* flags,
// or 'spans', 'profile', ['spans','profile']), minDurationNs, sampleRatio
// (0 = 1.0), maxDepth (0 = 4096), batchSize (0 = 512), exporters: [...],
// otlpFile and chromeFile (spans to an OTLP/JSON lines file and a Chrome
// trace, in the formats of otlpJsonLinesExporter and chromeTraceExporter;
// the C library's exporters write them from inside the instance, the spans
// never copied out to JS; they need RECORD_SPANS; closed by close()), seed
// (non-zero integer; 0 = random), monotonicNs (a clock for tests: () => integer
// ns, called by the C recorder through its host.now_ns import in place of
// WASI's clock),
// sites and abi (a site table already read: readSites's `sites` and `abi`, in
// place of a later loadSites),
// unwindOnReentry (for JS programs that call exports directly and may catch a
// trap: an export entered while the stack's top is not an import call first
// closes the frames above the newest import frame as unwound; wrong when
// imports were left uninstrumented (--no-imports), see wasm_observe.h),
// profileTiming ('clock', the default: the clock is read at every enter and
// exit, as the C library does; 'sampled': the profile's call tree and call
// counts are exact and the same as with the clock, but its times are
// estimated by sampling, and the hooks read no clock but for a site's first
// calls while muting is on (see "Sampled profile timing" below). Only with record RECORD_PROFILE alone (spans need
// the clock)),
// profileIntervalUs (with 'sampled': the sampling period in microseconds,
// default 100; the thread wakes a little later than asked, ~150-200 us on
// Linux for 100, and the estimate uses the time it actually covered),
// spanRate and spanBurst (the span budget: spans exported a second, default
// 10000, and the burst above it, default 200000; Infinity lifts the rate
// limit), maxFileBytes (the size limit of otlpFile and chromeFile, default
// 256 MiB, Infinity for none). The span budget is the C library's
// (wasm_observe.h): a span that ends over the rate is dropped unless one of
// its children was kept (counter spansOverRate); once an output is full (an
// exporter returned OUTPUT_FULL or OUTPUT_DROPPED) only the ancestors of the
// spans kept are (spansOverSize, with the spans of dropped batches); the
// profile stays exact. muteAfter and muteBelowNs (muting, wasm_observe.h: a
// site is muted once it has closed muteAfter calls, default 1000, whose mean
// is under muteBelowNs, default 1000; muteAfter Infinity never mutes; its
// calls are still counted, they read no clock and make no span: counters
// spansMuted, sitesMuted), openTelemetry (true, or the @opentelemetry/api
// module: the spans also go into the application's own OpenTelemetry traces,
// otel-api-bridge.mjs. A root frame (an export called from JS) made while an
// OpenTelemetry span is active is that span's child, in its trace (W3C trace
// context), and is not recorded when that span is not sampled; without an
// active span the module's spans make a trace of their own. Every span is
// handed to the application's tracer provider (tracer 'wasm-observe'), so it
// goes through the application's span processors and exporters, with the
// name, kind and attributes the OTLP exporters give it; the spans of a call
// are handed over when it returns to JS. true loads @opentelemetry/api from
// the application (the current directory, then the main script's): an
// INVALID_ARGUMENT error when it is not installed. Not with profileTiming
// 'sampled'; needs record RECORD_SPANS;
// the span budget, muting, sampleRatio (for traces without an outer span)
// and minDurationNs apply as to the other exporters; recorder
// .openTelemetryStats() gives its counts) }
// The recorder's `backend` says which one it is ('wasm32').
//
// Sampled profile timing (the C recorder's WO_TIMING_SAMPLED, in its wasm32
// build, whose memory is shared): enter and exit keep the shadow stack and
// the call tree, count the call, and store the address of the current profile
// node (0: no frame open) into the recorder's memory, no clock. A worker
// thread (profile-sampler.mjs; unref'd, it never keeps the process alive)
// wakes every profileIntervalUs and adds one to the sample count of the node
// it finds there. When the profile is written (profile(),
// folded(), summary(), ...), a node's self time is its samples x (the wall
// time the thread sampled over / all its samples), rounded to whole ns, and
// its total time its self time plus its children's totals; samples taken
// while no frame was open are charged to nothing. finish() stops the thread
// (after finish, calls are still counted but no longer timed); profile()
// before finish() gives the estimate so far. samplerStats() (null with the
// clock) says what the estimate rests on: samples, samplesOutside (no frame
// open), samplesUnattributed (an address that is no node's: 0 unless the
// memory is corrupt), coveredNs,
// nsPerSample, running, error (the thread failed: times stop growing). The
// thread starts sampling some tens of ms after createRecorder (it starts
// while the program runs, wasm or not): calls before that are counted, not
// timed. Like any sampling profiler, it sees where the thread is at each
// sample: a function needs many samples (its time >> the interval) for its
// time to be meaningful; a function that is never on the stack at a sample
// gets 0 ns however often it is called.
export function createRecorder(options = {}) {
  const record = recordFlags(options.record);
  const recordSpans = (record & RECORD_SPANS) !== 0;
  const recordProfile = (record & RECORD_PROFILE) !== 0;
  const ratio = options.sampleRatio ?? 0;
  if (!(ratio >= 0 && ratio <= 1)) throw new WasmObserveError('INVALID_ARGUMENT', 'sampleRatio must be in [0, 1]');
  const backend = options.backend ?? 'auto';
  if (backend === 'js') {
    throw new WasmObserveError('INVALID_ARGUMENT', "backend 'js': the JS recorder was removed; the C recorder (backend 'auto' or 'wasm32') is the only one");
  }
  if (backend !== 'wasm32' && backend !== 'auto') {
    throw new WasmObserveError('INVALID_ARGUMENT', `backend: unknown '${backend}' (auto or wasm32)`);
  }
  const profileTiming = options.profileTiming ?? 'clock';
  if (profileTiming !== 'clock' && profileTiming !== 'sampled') {
    throw new WasmObserveError('INVALID_ARGUMENT', `profileTiming: unknown '${profileTiming}' (clock or sampled)`);
  }
  const profileIntervalUs = options.profileIntervalUs ?? 100;
  if (typeof profileIntervalUs !== 'number' || !(profileIntervalUs >= 1 && profileIntervalUs <= 1e7)) {
    throw new WasmObserveError('INVALID_ARGUMENT', `profileIntervalUs must be a number of microseconds in [1, 1e7], not ${profileIntervalUs}`);
  }
  const sampledTiming = profileTiming === 'sampled';
  if ((options.otlpFile || options.chromeFile) && !recordSpans) {
    throw new WasmObserveError('INVALID_ARGUMENT', 'otlpFile and chromeFile need record RECORD_SPANS');
  }
  if (sampledTiming) {
    if (recordSpans || !recordProfile) {
      throw new WasmObserveError('INVALID_ARGUMENT', "profileTiming 'sampled' needs record RECORD_PROFILE alone (spans need the clock)");
    }
  }
  if (options.openTelemetry) {
    if (sampledTiming) {
      throw new WasmObserveError('INVALID_ARGUMENT', "openTelemetry needs the C recorder: backend 'wasm32' or 'auto', profileTiming 'clock'");
    }
    if (!recordSpans) throw new WasmObserveError('INVALID_ARGUMENT', 'openTelemetry needs record RECORD_SPANS');
    const api = resolveOpenTelemetryApi(options.openTelemetry);
    return createWasm32Recorder(wasm32RecorderModule(), { ...options, openTelemetry: api }, record);
  }
  return createWasm32Recorder(wasm32RecorderModule(), { ...options, profileIntervalUs }, record);
}
