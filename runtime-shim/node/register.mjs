// Traces the instrumented modules a JavaScript program loads itself (through
// emscripten, wasm-bindgen, napi-rs or Go's wasm_exec.js glue), without
// changing the program:
//
//   WASM_OBSERVE_CHROME=trace.json node --import ./runtime-shim/node/register.mjs app.mjs
//
// Every module that imports the hooks (`wasm-instrument:hooks/trace@0.1.0`, or
// `dylibso:observe/instrument`) and is instantiated through
// WebAssembly.instantiate, instantiateStreaming or `new WebAssembly.Instance`
// gets them from a recorder of its own, unless the program supplies them.
// Modules without hooks are untouched. Configuration, read once at start:
//
//   WASM_OBSERVE_OTLP_FILE     OTLP/JSON lines
//   WASM_OBSERVE_CHROME        Chrome trace event JSON
//   WASM_OBSERVE_FOLDED        folded stacks, self time in ns
//   WASM_OBSERVE_FOLDED_CALLS  folded stacks, call counts
//                              (these four: a path, or - for standard output)
//   WASM_OBSERVE_FLAMEGRAPH    an SVG flame graph (flamegraph.pl, where installed)
//   WASM_OBSERVE_SUMMARY=1     top functions by self time on stderr at exit
//   WASM_OBSERVE_COUNTERS=1    the recorder's counters on stderr at exit (and the
//                              OTLP/HTTP exporter's, {"otlp":{...}})
//   WASM_OBSERVE_BACKEND       auto (default) or wasm32: the same, the C recorder
//                              (js, the JS recorder, was removed: exit 2); where
//                              it cannot be built, a module runs untraced with
//                              one line on stderr
//   WASM_OBSERVE_PROFILE_TIMING  clock (default) or sampled: for the profile
//                              outputs alone (folded, flame graph, summary),
//                              exact call counts with times estimated by a
//                              sampling thread, so the hooks read no clock
//                              (the JS recorder; see createRecorder)
//   WASM_OBSERVE_PROFILE_INTERVAL_US  the sampling period (default 100)
//   WASM_OBSERVE_MIN_DURATION_NS, WASM_OBSERVE_SAMPLE_RATIO, WASM_OBSERVE_MAX_DEPTH
//   WASM_OBSERVE_SPAN_RATE, WASM_OBSERVE_SPAN_BURST, WASM_OBSERVE_MAX_FILE_SIZE
//                              the span budget (wasm-observe-run.mjs --span-rate,
//                              --span-burst, --max-file-size: 10000 spans/s, a
//                              burst of 200000, 256M a file; "unlimited" lifts
//                              the rate or the size); what it drops is said in
//                              one line on stderr at exit, per instance
//   WASM_OBSERVE_MUTE_AFTER, WASM_OBSERVE_MUTE_BELOW_NS  muting (--mute-after,
//                              --mute-below-ns: 1000 calls, 1000 ns; "never"
//                              keeps every span)
//   WASM_OBSERVE_OTEL=1        the spans also go into the program's own
//                              OpenTelemetry traces (createRecorder's
//                              openTelemetry: an export called while a span is
//                              active is its child, and every span goes through
//                              the program's tracer provider); needs
//                              @opentelemetry/api installed for the program (else
//                              one line on stderr and the program runs without
//                              it) and the C recorder (backend auto or wasm32)
//   OTEL_SERVICE_NAME          the resource's service.name (default wasm-module)
//   OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT)  OTLP/HTTP to a collector,
//                              with OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL, _HEADERS
//                              and _TIMEOUT (otlp-env.mjs): sent by a worker
//                              thread while the program runs; at exit the rest,
//                              for at most the timeout (10 s), and one line on
//                              stderr if anything was dropped
//
// With none of the outputs set, nothing is recorded (the hooks are still given,
// so the module runs). The first instance on the main thread writes the files
// named; any other instance writes next to them with a tag before the
// extension: `trace.2.json` for the second module on the main thread,
// `trace.thread-3.json` for the first on worker thread 3.
//
// A JS program calls exports directly and may catch a trap, which the hooks
// cannot see: the recorder then closes the abandoned spans when the next
// export is entered (`unwindOnReentry`), where the module's imports are all
// instrumented. Files are complete when the thread exits. A worker thread is
// usually killed at process exit, not ended: its span files then hold what
// it finished up to the last time its stack was empty (they are handed over
// then, or 100 ms later when that was less than 100 ms ago; the Chrome trace
// is a complete document after every batch); its folded stacks and summary
// are not written. OTLP/HTTP has one exporter (one sending thread) per thread
// that traces, for all its instances; a worker's spans go out as they are
// handed over, and what is still held when the worker is killed is lost.
import { isMainThread, threadId } from 'node:worker_threads';
import fs from 'node:fs';
import path from 'node:path';
import {
  createRecorder, readSites, parseLimit, describeBudgetDrops, describeMuting,
  RECORD_SPANS, RECORD_PROFILE, HOOK_MODULE, OBSERVE_SDK_MODULE, UNWIND_MODULE, SITE_IMPORT, isInvokeTrampoline,
} from './wasm-observe.mjs';
import { writeFlameGraph } from './flamegraph.mjs';
import { interceptInstantiation } from './intercept-instantiation.mjs';
import { otlpHttpExporter, otlpTracesUrl, describeDrops } from './otlp-http.mjs';
import { otlpHttpSettings } from './otlp-env.mjs';
import { loadOpenTelemetryApi } from './otel-api-bridge.mjs';

function readConfig(env) {
  const number = (name) => {
    if (env[name] === undefined || env[name] === '') return undefined;
    const n = Number(env[name]);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: not a number: ${env[name]}`);
    return n;
  };
  const limit = (name, suffixes) => {
    if (env[name] === undefined || env[name] === '') return undefined;
    const n = parseLimit(env[name], suffixes);
    if (n === null) throw new Error(`${name}: a positive integer${suffixes ? ' (K, M or G suffix)' : ''} or unlimited, not ${env[name]}`);
    return n;
  };
  const config = {
    otlpFile: env.WASM_OBSERVE_OTLP_FILE || null,
    chrome: env.WASM_OBSERVE_CHROME || null,
    folded: env.WASM_OBSERVE_FOLDED || null,
    foldedCalls: env.WASM_OBSERVE_FOLDED_CALLS || null,
    flameGraph: env.WASM_OBSERVE_FLAMEGRAPH || null,
    summary: env.WASM_OBSERVE_SUMMARY === '1',
    counters: env.WASM_OBSERVE_COUNTERS === '1',
    backend: env.WASM_OBSERVE_BACKEND || 'auto',
    serviceName: env.OTEL_SERVICE_NAME || undefined,
    minDurationNs: number('WASM_OBSERVE_MIN_DURATION_NS'),
    sampleRatio: number('WASM_OBSERVE_SAMPLE_RATIO'),
    maxDepth: number('WASM_OBSERVE_MAX_DEPTH'),
    spanRate: limit('WASM_OBSERVE_SPAN_RATE', false),
    spanBurst: limit('WASM_OBSERVE_SPAN_BURST', false),
    maxFileBytes: limit('WASM_OBSERVE_MAX_FILE_SIZE', true),
    muteAfter: env.WASM_OBSERVE_MUTE_AFTER === 'never' ? Infinity : limit('WASM_OBSERVE_MUTE_AFTER', false),
    muteBelowNs: limit('WASM_OBSERVE_MUTE_BELOW_NS', false),
    otlpHttp: otlpHttpSettings({}, env), // null without an endpoint
    profileTiming: env.WASM_OBSERVE_PROFILE_TIMING || 'clock',
    profileIntervalUs: number('WASM_OBSERVE_PROFILE_INTERVAL_US'),
    otel: env.WASM_OBSERVE_OTEL === '1',
  };
  if (!['', '0', '1', undefined].includes(env.WASM_OBSERVE_OTEL)) {
    throw new Error(`WASM_OBSERVE_OTEL: 1 or 0, not ${env.WASM_OBSERVE_OTEL}`);
  }
  if (config.backend === 'js') {
    throw new Error('WASM_OBSERVE_BACKEND=js: the JS recorder was removed; the C recorder (auto or wasm32) is the only one');
  }
  if (config.otel && config.profileTiming === 'sampled') {
    throw new Error('WASM_OBSERVE_OTEL=1 needs the C recorder: WASM_OBSERVE_BACKEND auto or wasm32, WASM_OBSERVE_PROFILE_TIMING clock');
  }
  if (!['clock', 'sampled'].includes(config.profileTiming)) {
    throw new Error(`WASM_OBSERVE_PROFILE_TIMING: clock or sampled, not ${config.profileTiming}`);
  }
  if (config.profileTiming === 'sampled' && (config.otlpFile || config.chrome || config.otlpHttp)) {
    throw new Error('WASM_OBSERVE_PROFILE_TIMING=sampled is for the profile outputs only: spans need the clock');
  }
  if (!['auto', 'wasm32'].includes(config.backend)) {
    throw new Error(`WASM_OBSERVE_BACKEND: auto or wasm32, not ${config.backend}`);
  }
  if (config.otlpHttp) otlpTracesUrl(config.otlpHttp.endpoint, config.otlpHttp.endpointKind); // a bad URL: here, not at the first instance
  return config;
}

// `trace.json` with tag `2` is `trace.2.json`; no tag keeps the name.
// A profile output: `-` is standard output (as for the OTLP and Chrome files),
// written at once (this runs at exit, when an asynchronous write may be lost).
function writeOutput(file, bytes) {
  if (file !== '-') return fs.writeFileSync(file, bytes);
  for (let done = 0; done < bytes.length;) done += fs.writeSync(1, bytes, done);
}

function taggedPath(file, tag) {
  if (!tag || file === '-') return file;
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}.${tag}${ext}`;
}

// The hooks' modules a module imports: which ABI it was instrumented for.
function hookImports(module) {
  const imports = WebAssembly.Module.imports(module);
  const repairs = imports.some((d) => d.module === UNWIND_MODULE);
  return {
    abi: imports.some((d) => d.module === HOOK_MODULE) ? 'wasm-instrument'
      : imports.some((d) => d.module === OBSERVE_SDK_MODULE) ? 'observe-sdk' : null,
    // function imports other than the hooks: the calls that can re-enter
    // (emscripten's invoke_* trampolines, where the module took the unwind
    // hook, call the module's own table, not an export: they cannot)
    functionImports: imports.filter((d) => d.kind === 'function' && d.module !== HOOK_MODULE &&
      d.module !== OBSERVE_SDK_MODULE && d.module !== UNWIND_MODULE &&
      !(repairs && isInvokeTrampoline(d))).length,
  };
}

let config;
try {
  config = readConfig(process.env);
} catch (e) {
  process.stderr.write(`wasm-observe: ${e.message}\n`);
  process.exit(2);
}

// The program's @opentelemetry/api (WASM_OBSERVE_OTEL=1), or null.
let otelApi = null;
if (config.otel) {
  try {
    otelApi = loadOpenTelemetryApi();
  } catch (e) {
    process.stderr.write(`wasm-observe: WASM_OBSERVE_OTEL=1 ignored: ${e.message}\n`);
  }
}

const traced = []; // { recorder, tag }: this thread's recorders, finished at exit
let instances = 0;

// Hooks that do nothing, in wasm: a call from wasm to wasm costs ~6 ns where
// one into a JS function costs ~12 (bench/shim: sql.js runs 1.6x instead of
// 2.2x with every function instrumented and nothing recorded).
// (module (func (export "enter") (param i32)) (func (export "exit") (param i32))
//         (func (export "memory-grow") (param i32)) (func (export "unwind") (param i32)))
const NO_OP_HOOKS = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 1, 127, 0, 3, 5, 4, 0, 0, 0, 0,
  7, 39, 4, 5, 101, 110, 116, 101, 114, 0, 0, 4, 101, 120, 105, 116, 0, 1, 11, 109, 101, 109, 111, 114,
  121, 45, 103, 114, 111, 119, 0, 2, 6, 117, 110, 119, 105, 110, 100, 0, 3, 10, 13, 4, 2, 0, 11, 2, 0, 11,
  2, 0, 11, 2, 0, 11]);
let noOpHooks = null;
function noOps() {
  if (!noOpHooks) {
    // the real constructor: this file's interceptor must not see its own module
    const { enter, exit, 'memory-grow': memoryGrow, unwind } = new RealInstance(new WebAssembly.Module(NO_OP_HOOKS)).exports;
    noOpHooks = { [HOOK_MODULE]: { enter, exit }, [UNWIND_MODULE]: { unwind }, [OBSERVE_SDK_MODULE]: { enter, exit, 'memory-grow': memoryGrow } };
  }
  return noOpHooks;
}
const wantsOutput = () => config.otlpFile || config.chrome || config.folded || config.foldedCalls ||
  config.flameGraph || config.summary || config.counters || config.otlpHttp || otelApi;

// The thread's OTLP/HTTP exporter, made with its first recorder: one worker
// thread sends for all of them (one queue bound for the thread). Each recorder
// gets a view without flush and close; finishAll ends it.
let otlp = null;
function otlpHttpView() {
  otlp ??= otlpHttpExporter(config.otlpHttp.endpoint, config.otlpHttp);
  return {
    exportSpans: (resource, batch, n) => otlp.exportSpans(resource, batch, n),
    encoding: otlp.encoding,
    exportEncoded: (bytes, n) => otlp.exportEncoded(bytes, n),
  };
}

// The hooks for one instance of `module`: a recorder's, or no-ops when there
// is nothing to write or the module's site table cannot be read (the program
// runs untraced rather than not at all). null when the module has no hooks.
function hooksFor(module, link) {
  const { abi, functionImports } = hookImports(module);
  if (!abi) return null;
  if (!wantsOutput()) return noOps();
  try {
    const recorder = recorderFor(module, functionImports);
    link.recorder = recorder;
    return isMainThread ? recorder.hooks() : flushingWhenIdle(recorder, recorder.hooks());
  } catch (e) {
    process.stderr.write(`wasm-observe: cannot trace a module, running it untraced: ${e.message}\n`);
    return noOps();
  }
}

function recorderFor(module, functionImports) {
  const ordinal = ++instances;
  const tag = [isMainThread ? '' : `thread-${threadId}`, ordinal > 1 ? String(ordinal) : ''].filter(Boolean).join('.');
  const exporters = [];
  if (config.otlpHttp) exporters.push(otlpHttpView());
  const otlpFile = config.otlpFile ? taggedPath(config.otlpFile, tag) : undefined;
  const chromeFile = config.chrome ? taggedPath(config.chrome, tag) : undefined;
  const wantProfile = config.folded || config.foldedCalls || config.flameGraph || config.summary;
  let record = exporters.length || otlpFile || chromeFile || otelApi ? RECORD_SPANS : 0;
  if (wantProfile || !record) record |= RECORD_PROFILE; // counters only: the cheaper mode
  const table = readSites(module);
  const importSites = table.sites.filter((s) => s.kind === SITE_IMPORT).length;
  const recorder = createRecorder({
    backend: config.backend,
    record,
    serviceName: config.serviceName,
    minDurationNs: config.minDurationNs,
    sampleRatio: config.sampleRatio,
    maxDepth: config.maxDepth,
    spanRate: config.spanRate,
    spanBurst: config.spanBurst,
    maxFileBytes: config.maxFileBytes,
    muteAfter: config.muteAfter,
    muteBelowNs: config.muteBelowNs,
    exporters,
    otlpFile,
    chromeFile,
    sites: table.sites,
    abi: table.abi,
    unwindOnReentry: table.abi === 'wasm-instrument' && importSites >= functionImports,
    profileTiming: config.profileTiming,
    profileIntervalUs: config.profileIntervalUs,
    openTelemetry: otelApi ?? undefined,
  });
  traced.push({ recorder, tag });
  return recorder;
}

// A worker thread is usually terminated rather than ended when the process
// exits, and then its exit handler never runs: so its recorder hands finished
// spans to the exporters when its stack empties: at once if the last time was
// IDLE_FLUSH_MS ago, else from a timer (which runs once the thread is idle).
// (The main thread's exit handler writes everything.)
const IDLE_FLUSH_MS = 100;
function flushingWhenIdle(recorder, hooks) {
  let last = -Infinity;
  let timer = null;
  const flush = () => {
    timer = null;
    last = performance.now();
    recorder.flush();
  };
  const out = {};
  for (const [name, namespace] of Object.entries(hooks)) {
    const exit = namespace.exit;
    if (!exit) {
      out[name] = namespace;
      continue;
    }
    out[name] = {
      ...namespace,
      exit(id) {
        exit(id);
        if (recorder.depth() !== 0) return;
        if (performance.now() - last >= IDLE_FLUSH_MS) flush();
        else if (!timer) (timer = setTimeout(flush, IDLE_FLUSH_MS)).unref();
      },
    };
  }
  return out;
}

// The program's import object, with the hooks added where it has none. A proxy
// rather than a copy: some loaders pass proxies or lazily filled objects.
function withHooks(module, imports, link) {
  const target = imports == null ? {} : imports;
  if (Reflect.has(target, HOOK_MODULE) || Reflect.has(target, OBSERVE_SDK_MODULE)) return imports;
  const hooks = hooksFor(module, link);
  if (!hooks) return imports;
  return new Proxy(target, {
    get(t, key, receiver) {
      if (typeof key === 'string' && Object.hasOwn(hooks, key) && !Reflect.has(t, key)) return hooks[key];
      return Reflect.get(t, key, receiver);
    },
    has(t, key) {
      return (typeof key === 'string' && Object.hasOwn(hooks, key)) || Reflect.has(t, key);
    },
  });
}

const RealInstance = WebAssembly.Instance;
// a module built with --patchable: its recorder patches the muted sites out
interceptInstantiation(withHooks, (instance, link) => link.recorder?.patch(instance));

// Closes what is still open (process.exit from inside wasm, an uncaught
// error) with error status and writes every output. Runs once per thread.
let finished = false;
function finishAll() {
  if (finished) return;
  finished = true;
  for (const { recorder, tag } of traced) {
    try {
      recorder.close();
      const folded = config.folded || config.flameGraph ? recorder.folded() : null; // the profile is read once
      if (config.folded) writeOutput(taggedPath(config.folded, tag), Buffer.from(folded, 'latin1'));
      if (config.foldedCalls) writeOutput(taggedPath(config.foldedCalls, tag), Buffer.from(recorder.foldedCalls(), 'latin1'));
      const label = tag ? ` [${tag}]` : '';
      if (config.flameGraph) {
        const why = writeFlameGraph(folded, taggedPath(config.flameGraph, tag), `wasm-observe${label}`);
        if (why) process.stderr.write(`wasm-observe: WASM_OBSERVE_FLAMEGRAPH: ${why}\n`);
      }
      if (config.summary) process.stderr.write(`wasm-observe${label}:\n` + Buffer.from(recorder.summary(20), 'latin1').toString('latin1'));
      const counters = recorder.counters();
      const drops = describeBudgetDrops(counters, config);
      if (drops) process.stderr.write(`wasm-observe${label}: ${drops}; WASM_OBSERVE_SPAN_RATE, _SPAN_BURST and _MAX_FILE_SIZE change them\n`);
      const muted = describeMuting(counters, config, 'WASM_OBSERVE_MUTE_AFTER=never');
      if (muted) process.stderr.write(`wasm-observe${label}: ${muted}\n`);
      if (config.counters) process.stderr.write(`wasm-observe${label}: ${JSON.stringify(counters)}\n`);
      const otelStats = config.counters && recorder.openTelemetryStats ? recorder.openTelemetryStats() : null;
      if (otelStats) process.stderr.write(`wasm-observe${label}: ${JSON.stringify({ openTelemetry: otelStats })}\n`);
      const sampler = config.counters && recorder.samplerStats ? recorder.samplerStats() : null;
      if (sampler) process.stderr.write(`wasm-observe${label}: ${JSON.stringify({ sampler })}\n`);
    } catch (e) {
      process.stderr.write(`wasm-observe: writing the trace failed: ${e.message}\n`);
    }
  }
  if (otlp) {
    // An exit handler cannot await: this blocks until the worker thread has
    // sent what it holds, for at most the export timeout.
    const stats = otlp.shutdownSync();
    const label = isMainThread ? '' : ` [thread-${threadId}]`;
    const dropped = describeDrops(stats);
    if (dropped) process.stderr.write(`wasm-observe${label}: OTLP export to ${otlp.url}: ${dropped}\n`);
    if (config.counters) process.stderr.write(`wasm-observe${label}: ${JSON.stringify({ otlp: stats })}\n`);
  }
}
process.on('exit', finishAll);
