#!/usr/bin/env node
// wasm-observe run: runs a WASI command module (or a module exporting `run`)
// under node:wasi, or a WASI command component through jco, with tracing.
//
//   node wasm-observe-run.mjs run MODULE.wasm [options] [--] [args...]
//   node wasm-observe-run.mjs run COMPONENT.wasm [options] [--] [args...]
//
// A component (instrumented with `wasm-instrument`, any --link: the host
// provides wasm-instrument:hooks/trace, wasi:otel/tracing and
// wasi:observe/tracer from the recorder) is transpiled by jco into a cache
// ($WASM_OBSERVE_CACHE, else ~/.cache/wasm-observe) and run with
// @bytecodealliance/preview2-shim, with the same options and outputs
// (component-host.mjs). These two npm packages are needed for components
// only, found in $WASM_OBSERVE_NODE_MODULES (a node_modules directory), else
// from this script's directory or the current one:
//   npm install @bytecodealliance/jco@1.35.0 @bytecodealliance/preview2-shim@0.25.0
// A component's exit status carries only ok/err: 0 or 1 (134 after a trap).
// A component without a site table runs untraced.
//
// The options are the wasm2c runner's (runtime-shim/wasm2c/example/traced-run),
// by the same names; only --backend is this host's own (and --off the
// runner's).
//
//   --otlp URL            OTLP/HTTP to a collector: "/v1/traces" is added to a URL
//                         without a path (http://localhost:4318), a URL with a path
//                         is used as is. Sent by a worker thread while the program
//                         runs, the rest when it has returned, for at most the
//                         timeout (10 s); what could not be sent is reported in
//                         one line on stderr
//   --otlp-protocol P     http/protobuf (default) or http/json
//   --otlp-header K=V     an extra request header (repeatable)
//   --otlp-max-queue N    batches of 512 spans held for sending (default 64): when
//                         the collector is slower than the program (or down), the
//                         batches past N are dropped (and reported)
//   --otlp-file FILE      OTLP/JSON lines (one TracesData per batch per line)
//   --chrome FILE         Chrome trace event JSON (Perfetto, DevTools, speedscope)
//   --folded FILE         folded stacks, self time in ns (flamegraph.pl input)
//   --folded-calls FILE   call counts per call path (tests/e2e trace naming)
//   --flamegraph FILE     an SVG flame graph of the folded stacks, by flamegraph.pl
//                         ($FLAMEGRAPH_PL, the PATH, or libdevel-nytprof-perl's);
//                         a line on stderr where it is not installed
//   --summary             top functions by self time on stderr at exit
//   --top N               rows of the summary (default 20)
//   --service-name NAME   OTLP service.name (default $OTEL_SERVICE_NAME, else wasm-module)
//   --min-duration-ns N   drop spans shorter than N ns (--min-duration-us N too)
//   --sample-ratio R      keep this share of traces (head sampling)
//   --max-depth N         deeper enters are counted, not recorded (default 4096)
//   --batch N             spans per export batch (default 512)
//   --span-rate N         the span budget: spans exported a second (default 10000),
//                         or "unlimited"; a span over it is dropped unless a span
//                         it called was kept (the profile stays exact)
//   --span-burst N        spans allowed at once above that rate (default 200000)
//   --mute-after N        muting: a function that has closed N calls (default
//                         1000) averaging under --mute-below-ns (default 1000) is muted:
//                         its calls are still counted in the profile, but read no
//                         clock and make no span (a --patchable build: patched
//                         out, no longer counted); "never" keeps every span
//   --mute-below-ns T     see --mute-after
//   --max-file-size B     bytes per trace file (--otlp-file, --chrome), with an
//                         optional K, M or G suffix (default 256M), or "unlimited";
//                         once a file is nearly full only the ancestors of the
//                         spans written are
//                         What the budget drops is counted, and said in one line
//                         on stderr at exit
//   --profile-timing sampled  for the profile outputs alone (--folded,
//                         --flamegraph, --summary): exact call counts, times
//                         estimated by a sampling thread, no clock in the hooks
//                         (the JS recorder); clock (the default) times each call
//   --profile-interval-us N   the sampling period (default 100)
//   --counters            print the recorder's counters on stderr at exit (and
//                         the OTLP/HTTP exporter's, {"otlp":{...}}, on a second line)
//   --backend auto|wasm32 the recorder: both are the C library compiled to
//                         wasm32 (shipped in the npm package; in a source
//                         checkout built on first use into a cache), the only
//                         recorder: where it cannot be built, one line on stderr
//                         and exit 2 (js, the JS recorder, was removed)
//
// The program's stdout, stderr and exit code are those of an untraced run:
// proc_exit's code; 134 after a trap or an uncaught wasm exception (with a line
// "trap: ..." on stderr, as tests/e2e/run-node.mjs does); 2 for a usage or
// setup error. A trap, proc_exit deep in the stack or a JS exception thrown
// through wasm frames leaves a closed trace: the open spans end with error
// status. Besides WASI, `env.print_i32` / `env.print_i64` are provided (the
// fixtures' helpers: the number and a newline on stdout).
//
// Without --otlp, the OpenTelemetry variables turn OTLP/HTTP on:
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is), else OTEL_EXPORTER_OTLP_ENDPOINT
// (a base URL: "v1/traces" is added to its path). Also read, with --otlp too:
// OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL, OTEL_EXPORTER_OTLP_[TRACES_]HEADERS
// (k=v,k2=v2, values URL-encoded), OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT (ms) and
// OTEL_SERVICE_NAME; the options win over them.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createRecorder, RECORD_SPANS, RECORD_PROFILE, parseLimit, describeBudgetDrops, describeMuting,
} from './wasm-observe.mjs';
import { writeFlameGraph } from './flamegraph.mjs';
import { otlpHttpExporter, describeDrops } from './otlp-http.mjs';
import { otlpHttpSettings } from './otlp-env.mjs';

const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  if (String(warning).includes('WASI')) return;
  return emitWarning.call(process, warning, ...rest);
};
const { WASI } = await import('node:wasi');

const TRAP_EXIT = 134;

function die(msg) {
  process.stderr.write(`wasm-observe: ${msg}\n`);
  process.exit(2);
}

function usage() {
  const text = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  return text.slice(1, text.findIndex((l) => l.startsWith('import'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n');
}

const argv = process.argv.slice(2);
if (argv[0] === '-h' || argv[0] === '--help') { process.stdout.write(usage() + '\n'); process.exit(0); }
if (argv[0] !== 'run' || !argv[1]) die('usage: wasm-observe-run.mjs run MODULE.wasm|COMPONENT.wasm [options] [--] [args...] (--help)');
const modulePath = argv[1];
const opts = { summary: false, counters: false, otlpHeaders: {} };
let progArgs = [];
for (let i = 2; i < argv.length; i++) {
  const a = argv[i];
  const value = () => {
    if (i + 1 >= argv.length) die(`${a} needs a value`);
    return argv[++i];
  };
  const limit = (v, suffixes) => {
    const n = parseLimit(v, suffixes);
    if (n === null || (a === '--span-burst' && !(n <= 1e9))) die(`${a}: a positive integer${suffixes ? ' (K, M or G suffix)' : ''}${a === '--span-burst' ? ' up to 10^9' : ' or unlimited'}, not ${v}`);
    return n;
  };
  const number = (v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) die(`${a}: not a number: ${v}`);
    return n;
  };
  switch (a) {
    case '--': progArgs = argv.slice(i + 1); i = argv.length; break;
    case '--otlp': opts.otlpUrl = value(); break;
    case '--otlp-protocol':
      opts.otlpProtocol = value();
      if (!['http/protobuf', 'http/json'].includes(opts.otlpProtocol)) die(`--otlp-protocol: http/protobuf or http/json, not ${opts.otlpProtocol}`);
      break;
    case '--otlp-header': {
      const v = value();
      const eq = v.indexOf('=');
      if (eq <= 0) die(`--otlp-header: NAME=VALUE, not ${v}`);
      opts.otlpHeaders[v.slice(0, eq).trim()] = v.slice(eq + 1);
      break;
    }
    case '--otlp-max-queue':
      opts.otlpMaxQueue = number(value());
      if (!Number.isInteger(opts.otlpMaxQueue) || opts.otlpMaxQueue < 1) die(`--otlp-max-queue: a count of batches, not ${opts.otlpMaxQueue}`);
      break;
    case '--otlp-file': opts.otlp = value(); break;
    case '--chrome': opts.chrome = value(); break;
    case '--folded': opts.folded = value(); break;
    case '--folded-calls': opts.foldedCalls = value(); break;
    case '--flamegraph': opts.flameGraph = value(); break;
    case '--summary': opts.summary = true; break;
    case '--top': opts.top = number(value()); break;
    case '--batch': opts.batchSize = number(value()); break;
    case '--counters': opts.counters = true; break;
    case '--service-name': opts.serviceName = value(); break;
    case '--min-duration-ns': opts.minDurationNs = number(value()); break;
    case '--min-duration-us': opts.minDurationNs = number(value()) * 1000; break;
    case '--sample-ratio': opts.sampleRatio = number(value()); break;
    case '--max-depth': opts.maxDepth = number(value()); break;
    case '--span-rate': opts.spanRate = limit(value(), false); break;
    case '--span-burst': opts.spanBurst = limit(value(), false); break;
    case '--max-file-size': opts.maxFileBytes = limit(value(), true); break;
    case '--mute-after': {
      const v = value();
      opts.muteAfter = v === 'never' ? Infinity : limit(v, false);
      break;
    }
    case '--mute-below-ns': opts.muteBelowNs = limit(value(), false); break;
    case '--profile-timing':
      opts.profileTiming = value();
      if (!['clock', 'sampled'].includes(opts.profileTiming)) die(`--profile-timing: clock or sampled, not ${opts.profileTiming}`);
      break;
    case '--profile-interval-us': opts.profileIntervalUs = number(value()); break;
    case '--backend':
      opts.backend = value();
      if (opts.backend === 'js') die('--backend js: the JS recorder was removed; the C recorder (--backend auto or wasm32) is the only one');
      if (!['auto', 'wasm32'].includes(opts.backend)) die(`--backend: auto or wasm32, not ${opts.backend}`);
      break;
    default:
      if (a.startsWith('-')) die(`unknown option ${a}`);
      progArgs = argv.slice(i);
      i = argv.length;
  }
}

let bytes;
try { bytes = fs.readFileSync(modulePath); } catch (e) { die(`cannot read ${modulePath}: ${e.message}`); }

// The recorder and the outputs the options ask for, the same for a module and
// a component: named by `sitesSource` (loadSites: the module's bytes, or a
// module holding a component's site table). finish(code) writes and flushes
// everything once (awaits the OTLP/HTTP exporter); finishSync() does the same
// where nothing can be awaited (a process 'exit' handler).
function startRecording(sitesSource) {
  const exporters = [];
  let otlp = null;
  try {
    // --otlp and its options, else the OpenTelemetry variables
    const settings = otlpHttpSettings({ endpoint: opts.otlpUrl, protocol: opts.otlpProtocol, headers: opts.otlpHeaders });
    if (settings) exporters.push(otlp = otlpHttpExporter(settings.endpoint, { ...settings, maxQueueBatches: opts.otlpMaxQueue }));
  } catch (e) { die(e.message); }
  const wantProfile = opts.folded || opts.foldedCalls || opts.flameGraph || opts.summary;
  let record = 0;
  if (exporters.length || opts.otlp || opts.chrome) record |= RECORD_SPANS;
  if (wantProfile) record |= RECORD_PROFILE;
  let rec;
  try {
    rec = createRecorder({
      backend: opts.backend,
      record: record || RECORD_PROFILE,
      serviceName: opts.serviceName ?? (process.env.OTEL_SERVICE_NAME || undefined),
      moduleName: path.basename(modulePath),
      minDurationNs: opts.minDurationNs,
      sampleRatio: opts.sampleRatio,
      maxDepth: opts.maxDepth,
      batchSize: opts.batchSize,
      spanRate: opts.spanRate,
      spanBurst: opts.spanBurst,
      maxFileBytes: opts.maxFileBytes,
      muteAfter: opts.muteAfter,
      muteBelowNs: opts.muteBelowNs,
      exporters,
      otlpFile: opts.otlp,
      chromeFile: opts.chrome,
      profileTiming: opts.profileTiming,
      profileIntervalUs: opts.profileIntervalUs,
    });
    rec.loadSites(sitesSource);
  } catch (e) { die(`${modulePath}: ${e.message}`); }

  let written = false;
  function writeOutputs() {
    if (written) return false;
    written = true;
    rec.finish(); // closes what proc_exit or a trap left open, with error status
    rec.close(); // the files; the OTLP/HTTP exporter starts sending what it holds
    const folded = opts.folded || opts.flameGraph ? rec.folded() : null; // the profile is read once
    if (opts.folded) fs.writeFileSync(opts.folded, Buffer.from(folded, 'latin1'));
    if (opts.foldedCalls) fs.writeFileSync(opts.foldedCalls, Buffer.from(rec.foldedCalls(), 'latin1'));
    if (opts.flameGraph) {
      const why = writeFlameGraph(folded, opts.flameGraph, path.basename(modulePath));
      if (why) process.stderr.write(`wasm-observe: --flamegraph ${opts.flameGraph}: ${why}\n`);
    }
    if (opts.summary) process.stderr.write(Buffer.from(rec.summary(opts.top ?? 20), "latin1"));
    const counters = rec.counters();
    const drops = describeBudgetDrops(counters, opts);
    if (drops) process.stderr.write(`wasm-observe: ${drops}; --span-rate, --span-burst and --max-file-size change them\n`);
    const muted = describeMuting(counters, opts, '--mute-after never');
    if (muted) process.stderr.write(`wasm-observe: ${muted}\n`);
    if (opts.counters) process.stderr.write(JSON.stringify(counters) + '\n');
    const sampler = opts.counters && rec.samplerStats ? rec.samplerStats() : null;
    if (sampler) process.stderr.write(JSON.stringify({ sampler }) + '\n');
    return true;
  }
  function reportOtlp(stats) {
    const dropped = describeDrops(stats);
    if (dropped) process.stderr.write(`wasm-observe: OTLP export to ${otlp.url}: ${dropped}\n`);
    if (opts.counters) process.stderr.write(JSON.stringify({ otlp: stats }) + '\n');
  }
  return {
    rec,
    otlp,
    async finish(code) {
      if (!writeOutputs()) return;
      process.exitCode = code;
      if (!otlp) return;
      // The program ran synchronously: the batches go out now, within the timeout.
      reportOtlp(await otlp.shutdown());
    },
    finishSync() {
      if (!writeOutputs()) return;
      if (otlp) reportOtlp(otlp.shutdownSync());
    },
  };
}

function describe(e) {
  if (e instanceof WebAssembly.RuntimeError) return e.message;
  if (e instanceof RangeError) return `stack exhausted (${e.message})`;
  if (typeof WebAssembly.Exception === 'function' && e instanceof WebAssembly.Exception) return 'uncaught wasm exception';
  return null;
}

// A component (the preamble's layer bytes are 0x01 0x00) is run through jco
// by component-host.mjs; a core module under node:wasi here.
const isComponent = bytes.length >= 8 && bytes.readUInt32BE(0) === 0x0061736d && bytes[6] === 1 && bytes[7] === 0;
if (isComponent) {
  const { runComponent } = await import('./component-host.mjs');
  await runComponent({ componentPath: modulePath, bytes, progArgs, opts, startRecording, describeTrap: describe, die });
} else {
  await runModule();
}

async function runModule() {
  let mod;
  try { mod = new WebAssembly.Module(bytes); } catch (e) { die(`cannot compile ${modulePath}: ${e.message}`); }
  const { rec, otlp, finish } = startRecording(bytes);

  const importDescs = WebAssembly.Module.imports(mod);
  const usesWasi = importDescs.some((d) => d.module === 'wasi_snapshot_preview1');
  const writeOut = (fd, s) => fs.writeSync(fd, s);
  const env = {
    print_i32: (x) => writeOut(1, `${x | 0}\n`),
    print_i64: (x) => writeOut(1, `${BigInt.asIntN(64, x)}\n`),
  };
  const provided = { env, ...rec.hooks('observe-sdk') };
  let wasi = null;
  const imports = {};
  if (usesWasi) {
    wasi = new WASI({ version: 'preview1', args: [path.basename(modulePath), ...progArgs], env: {}, returnOnExit: true });
    imports.wasi_snapshot_preview1 = wasi.wasiImport;
  }
  for (const d of importDescs) {
    if (d.module === 'wasi_snapshot_preview1') continue;
    const m = Object.hasOwn(provided, d.module) ? provided[d.module] : null;
    if (!m || !Object.hasOwn(m, d.name) || d.kind !== 'function') die(`unsupported import ${d.module}.${d.name} (${d.kind})`);
    imports[d.module] = m;
  }

  if (otlp) await otlp.ready; // its worker thread, before the program fills the queue
  let code = 0;
  try {
    const instance = new WebAssembly.Instance(mod, imports); // runs the start function
    rec.patch(instance); // a --patchable build: muted sites patched out
    const ex = instance.exports;
    if (typeof ex._start === 'function') {
      if (wasi) code = wasi.start(instance) ?? 0;
      else ex._start();
    } else {
      if (wasi && typeof ex._initialize === 'function') wasi.initialize(instance);
      else if (wasi && ex.memory) wasi.initialize(instance);
      if (typeof ex.run === 'function') ex.run();
    }
  } catch (e) {
    const what = describe(e);
    rec.unwind(); // the spans the trap or exception cut through
    if (what === null) { await finish(2); throw e; }
    writeOut(2, `trap: ${what}\n`);
    code = TRAP_EXIT;
  }
  await finish(code);
}
