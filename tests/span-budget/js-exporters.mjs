// The span budget with the package's JS file exporters (otlpJsonLinesExporter
// and chromeTraceExporter, each with its maxBytes) given to the C recorder as
// `exporters`: their OUTPUT_FULL / OUTPUT_DROPPED go back to the recorder
// through the batch hand-over (wasm32-recorder.mjs), where the command's
// --otlp-file and --chrome are written by the C exporters inside the
// instance. Runs a WASI command as `wasm-observe-run.mjs run` does and
// writes what check-budget.mjs reads:
//
//   node js-exporters.mjs MODULE.wasm DIR [--span-rate R] [--max-file-size B] [--mute-after N] [-- ARGS...]
//
// DIR/otlp.jsonl, DIR/chrome.json, DIR/calls.txt (call counts); on stderr the
// command's lines: the span budget's, muting's, and the counters (JSON).
import fs from 'node:fs';
import path from 'node:path';
import {
  createRecorder, otlpJsonLinesExporter, chromeTraceExporter, parseLimit, describeBudgetDrops, describeMuting,
  RECORD_SPANS, RECORD_PROFILE,
} from '../../runtime-shim/node/wasm-observe.mjs';

const emitWarning = process.emitWarning;
process.emitWarning = (w, ...rest) => (String(w).includes('WASI') ? undefined : emitWarning.call(process, w, ...rest));
const { WASI } = await import('node:wasi');

const argv = process.argv.slice(2);
const [modulePath, dir] = argv;
const opts = {};
let args = [];
for (let i = 2; i < argv.length; i++) {
  const a = argv[i];
  const limit = (suffixes) => {
    const v = parseLimit(argv[++i], suffixes);
    if (v === null) throw new Error(`${a}: ${argv[i]}`);
    return v;
  };
  if (a === '--span-rate') opts.spanRate = limit(false);
  else if (a === '--max-file-size') opts.maxFileBytes = limit(true);
  else if (a === '--mute-after') opts.muteAfter = argv[++i] === 'never' ? Infinity : Number(argv[i]);
  else if (a === '--') { args = argv.slice(i + 1); break; } else throw new Error(`unknown option ${a}`);
}

const file = (name) => path.join(dir, name);
let rec;
try {
  rec = createRecorder({
    ...opts,
    record: RECORD_SPANS | RECORD_PROFILE,
    moduleName: path.basename(modulePath),
    exporters: [otlpJsonLinesExporter(file('otlp.jsonl'), { maxBytes: opts.maxFileBytes }),
      chromeTraceExporter(file('chrome.json'), { maxBytes: opts.maxFileBytes })],
  });
} catch (e) {
  process.stderr.write(`js-exporters.mjs: ${e.message}\n`);
  process.exit(2);
}
const bytes = fs.readFileSync(modulePath);
rec.loadSites(bytes);
const wasi = new WASI({ version: 'preview1', args: [path.basename(modulePath), ...args], env: {}, returnOnExit: true });
const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { wasi_snapshot_preview1: wasi.wasiImport, ...rec.hooks() });
const code = wasi.start(instance) ?? 0;
rec.finish();
rec.close();
fs.writeFileSync(file('calls.txt'), Buffer.from(rec.foldedCalls(), 'latin1'));
const counters = rec.counters();
const drops = describeBudgetDrops(counters, opts);
if (drops) process.stderr.write(`wasm-observe: ${drops}\n`);
const muted = describeMuting(counters, opts);
if (muted) process.stderr.write(`wasm-observe: ${muted}\n`);
process.stderr.write(JSON.stringify(counters) + '\n');
process.exitCode = code;
