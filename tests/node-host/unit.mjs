// The recorder's semantics with a fake clock (the C recorder's rules:
// runtime-shim/include/wasm_observe.h); the JS file exporters against the C
// ones; the backends createRecorder refuses, and no recorder at all. Prints
// PASS/FAIL lines.
//   node unit.mjs [wasm32|auto]   (the backend asked for; default wasm32, named in each line)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  createRecorder, RECORD_SPANS, RECORD_PROFILE, writeFolded, otlpJsonLinesExporter, chromeTraceExporter, WasmObserveError,
} from '../../runtime-shim/node/wasm-observe.mjs';

const backend = process.argv[2] ?? 'wasm32';
const out = [];
const ok = (name, cond, why = '') => out.push(cond ? `PASS unit ${name} [${backend}]` : `FAIL unit ${name} [${backend}]: ${why}`);
const site = (name, kind = 0) => ({ kind, functionIndex: 0, name, raw: name, symbol: '', module: '', field: name });
const sites = [site('a'), site('b'), site('c'), site('imp', 1), site('run', 2)];

function make(opts = {}) {
  let t = 0;
  const spans = [];
  const exporter = {
    exportSpans(resource, b, n) {
      for (let i = 0; i < n; i++) spans.push({ name: b.sites[b.site[i]].name, start: b.start[i], dur: b.duration[i], error: b.error[i], depth: b.depth[i], parent: b.parentSpanId[2 * i] + ':' + b.parentSpanId[2 * i + 1], id: b.spanId[2 * i] + ':' + b.spanId[2 * i + 1] });
    },
  };
  const rec = createRecorder({ backend, record: RECORD_SPANS | RECORD_PROFILE, sites, exporters: [exporter], seed: 7, monotonicNs: () => (t += 10), ...opts });
  return { rec, spans };
}

{ // out-of-order exit unwinds the frames above, staggered 1 ns
  const { rec, spans } = make();
  rec.enter(0); rec.enter(1); rec.enter(2); rec.exit(0); rec.finish();
  const c = rec.counters();
  ok('out-of-order exit', c.spansUnwound === 2 && spans.length === 3 && spans[0].name === 'c' && spans[0].error && spans[1].error && !spans[2].error, JSON.stringify(spans));
  ok('unwound end in order', spans[0].start + spans[0].dur < spans[1].start + spans[1].dur && spans[1].start + spans[1].dur < spans[2].start + spans[2].dur, JSON.stringify(spans));
}
{ // unwindOnReentry: an export entered over stale frames (a trap JS caught)
  // unwinds them; an export entered from inside an import call does not
  const { rec, spans } = make({ unwindOnReentry: true });
  rec.enter(4); rec.enter(0); rec.enter(3); rec.enter(4); rec.enter(1); // run > a > imp > run > b
  const nested = rec.depth();
  rec.exit(3); // imp returns: closes b and the inner run as unwound
  rec.enter(2); // c traps; JS catches it at the top
  rec.enter(4); rec.exit(4); // the next call from JS
  rec.finish();
  const names = spans.map((s) => s.name + (s.error ? '!' : '')).join(' ');
  ok('re-entry over stale frames', nested === 5 && names === 'b! run! imp c! a! run! run' && spans[6].parent === '0:0', `${nested}: ${names}`);
  const off = make();
  off.rec.enter(4); off.rec.enter(2); off.rec.enter(4); off.rec.exit(4); off.rec.finish();
  ok('re-entry rule off by default', off.spans[0].name === 'run' && !off.spans[0].error && off.spans[0].parent !== '0:0', JSON.stringify(off.spans));
}
{ // unknown ids, exits without enter, unmatched exits
  const { rec, spans } = make();
  rec.exit(0); rec.enter(99); rec.exit(99); rec.enter(0); rec.exit(1); rec.exit(0); rec.finish();
  const c = rec.counters();
  ok('hostile calls counted', c.exitsWithoutEnter === 1 && c.unknownIds === 2 && c.exitsUnmatched === 1 && spans.length === 1 && !spans[0].error, JSON.stringify(c));
}
{ // max depth: deeper enters counted, their exits matched
  const { rec, spans } = make({ maxDepth: 2 });
  rec.enter(0); rec.enter(1); rec.enter(2); rec.enter(2); rec.exit(2); rec.exit(2); rec.exit(1); rec.exit(0); rec.finish();
  const c = rec.counters();
  ok('max depth', c.depthOverflows === 2 && spans.length === 2 && c.spansUnwound === 0 && rec.depth() === 0, JSON.stringify(c));
}
{ // exit of a recorded frame while overflowed: non-local exit out of the overflow
  const { rec, spans } = make({ maxDepth: 2 });
  rec.enter(0); rec.enter(1); rec.enter(2); rec.exit(0); rec.finish();
  ok('overflow non-local exit', spans.length === 2 && spans[0].error && !spans[1].error && rec.counters().exitsUnmatched === 0, JSON.stringify(spans));
}
{ // parents and the finish of open spans
  const { rec, spans } = make();
  rec.enter(4); rec.enter(0); rec.enter(3); rec.exit(3); rec.finish();
  ok('finish closes open spans with error', spans.length === 3 && spans[0].error === 0 && spans[1].error && spans[2].error && spans[0].parent === spans[1].id && spans[1].parent === spans[2].id && spans[2].parent === '0:0', JSON.stringify(spans));
}
{ // min duration drops short spans
  const { rec, spans } = make({ minDurationNs: 25 });
  rec.enter(0); rec.enter(1); rec.exit(1); rec.exit(0); rec.finish();
  ok('min duration', spans.length === 1 && spans[0].name === 'a' && rec.counters().spansFiltered === 1, JSON.stringify(spans));
}
{ // head sampling keeps whole traces
  const { rec, spans } = make({ sampleRatio: 0.5, muteAfter: Infinity }); // 2000 short calls: muting would take them
  for (let i = 0; i < 2000; i++) { rec.enter(0); rec.enter(1); rec.exit(1); rec.exit(0); }
  rec.finish();
  const n = spans.length;
  ok('head sampling', n % 2 === 0 && n > 1600 && n < 2400, `${n} spans`);
}
{ // profile: calls and self time; folded output
  const { rec } = make({ record: RECORD_PROFILE });
  rec.enter(0); rec.enter(1); rec.exit(1); rec.enter(1); rec.exit(1); rec.exit(0); rec.finish();
  const f = writeFolded(rec.profile());
  ok('profile folded', f === 'a 30\na;b 20\n', JSON.stringify(f));
  ok('profile calls', rec.foldedCalls() === 'a 1\na;b 2\n', JSON.stringify(rec.foldedCalls()));
}
{ // enterPending / exitAs (wasi:otel's order): each span entered as a
  // placeholder (c) and named when it ends; the rounds merge in the profile
  const { rec, spans } = make();
  for (let round = 0; round < 2; round++) {
    rec.enterPending(2); // run
    for (let i = 0; i < 2; i++) {
      rec.enterPending(2); // a
      rec.enterPending(2); rec.exitAs(3, false); // imp
      rec.enter(3); rec.exit(3); // a plain enter under a pending frame
      rec.exitAs(0, false);
    }
    rec.exitAs(4, false);
  }
  rec.finish();
  const names = spans.slice(0, 7).map((s) => s.name).join(' ');
  ok('pending spans named when they end', names === 'imp imp a imp imp a run' && spans.length === 14 && !spans.some((s) => s.error) &&
    spans[0].parent === spans[2].id && spans[2].parent === spans[6].id && spans[6].parent === '0:0', `${names} ${JSON.stringify(spans.slice(0, 3))}`);
  ok('pending spans in the profile', rec.foldedCalls() === 'export:run 2\nexport:run;a 4\nexport:run;a;import:imp 8\n', JSON.stringify(rec.foldedCalls()));
  const p = rec.profile();
  const a = p.children[0].children[0];
  ok('pending spans: times', p.children[0].totalNs === spans[6].dur + spans[13].dur && a.totalNs === spans[2].dur + spans[5].dur + spans[9].dur + spans[12].dur &&
    a.selfNs === a.totalNs - a.children[0].totalNs, JSON.stringify(p.children[0]));
}
{ // a pending span closed any other way keeps its placeholder; exitAs's error
  // flag; a plain frame ends as itself; unknown ids
  const { rec, spans } = make();
  rec.enterPending(2); rec.enterPending(2); rec.enterPending(2);
  rec.exitAs(3, true);
  rec.exitAs(99, false);
  const depth = rec.depth();
  rec.enter(1); rec.exitAs(0, true);
  rec.finish();
  const c = rec.counters();
  const names = spans.map((s) => s.name + (s.error ? '!' : '')).join(' ');
  ok('pending spans closed otherwise', depth === 2 && names === 'imp! b! c! c!' && c.spansUnwound === 4 && c.unknownIds === 1 &&
    rec.foldedCalls() === 'c 1\nc;c 1\nc;c;b 1\nc;c;import:imp 1\n', `${depth} ${names} ${JSON.stringify(c)} ${JSON.stringify(rec.foldedCalls())}`);
}
{ // pending enters past maxDepth: counted, and exitAs ends them first
  const { rec, spans } = make({ maxDepth: 2 });
  for (let i = 0; i < 5; i++) rec.enterPending(2);
  const depth = rec.depth();
  for (let i = 0; i < 5; i++) rec.exitAs(0, false);
  rec.exitAs(0, false);
  rec.finish();
  const c = rec.counters();
  ok('pending spans past maxDepth', depth === 2 && rec.depth() === 0 && c.depthOverflows === 3 && c.exitsWithoutEnter === 1 &&
    spans.map((s) => s.name).join(' ') === 'a a', `${depth} ${JSON.stringify(c)} ${JSON.stringify(spans)}`);
}
{ // the backend asked for is the C recorder ('auto' too: there is no other)
  const { rec } = make();
  ok('backend', rec.backend === 'wasm32' && rec.samplerStats() === null, `asked for ${backend}, got ${rec.backend}`);
}
{ // the JS file exporters, given as `exporters`, write the bytes the C
  // exporters write for otlpFile and chromeFile (the same spans, resource
  // and batches), names that need escaping included
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-observe-unit-'));
  const f = (name) => path.join(dir, name);
  // (raw: the name's UTF-8 bytes, one char each, as the site table reader gives it)
  const utf8 = (name, kind) => ({ ...site(name, kind), raw: Buffer.from(name, 'utf8').toString('latin1') });
  const named = [site('a'), site('b "q"\\\n'), utf8('c;d \u00e9'), { ...site('imp', 1), module: 'env', field: 'imp\t' }, site('run', 2)];
  let t = 0;
  const rec = createRecorder({ backend, record: RECORD_SPANS, sites: named, seed: 9, batchSize: 3, monotonicNs: () => (t += 1234),
    otlpFile: f('c.jsonl'), chromeFile: f('c.json'), exporters: [otlpJsonLinesExporter(f('js.jsonl')), chromeTraceExporter(f('js.json'))],
    muteAfter: Infinity, spanRate: Infinity });
  rec.enter(4); rec.enter(0); rec.enter(1); rec.exit(1); rec.enter(3); rec.exit(3); rec.enter(2); rec.exit(0); rec.enter(2);
  rec.finish(); rec.close();
  const read = (name) => fs.readFileSync(f(name), 'utf8');
  ok('JS OTLP/JSON lines exporter writes what the C one writes', read('c.jsonl') === read('js.jsonl') && read('c.jsonl').split('\n').length === 3,
    `${read('c.jsonl').slice(0, 200)} / ${read('js.jsonl').slice(0, 200)}`);
  ok('JS Chrome trace exporter writes what the C one writes', read('c.json') === read('js.json') && JSON.parse(read('c.json')).traceEvents.length === 6,
    `${read('c.json').slice(0, 200)} / ${read('js.json').slice(0, 200)}`);
  fs.rmSync(dir, { recursive: true });
}
{ // one recorder: backend 'js' (the JS recorder, removed) and unknown ones are refused
  const refusal = (options) => {
    try { createRecorder(options).close(); return 'none'; } catch (e) { return e instanceof WasmObserveError ? `${e.code}: ${e.message}` : String(e); }
  };
  const js = refusal({ backend: 'js' });
  ok("backend 'js' refused: the JS recorder was removed", js === "INVALID_ARGUMENT: backend 'js': the JS recorder was removed; the C recorder (backend 'auto' or 'wasm32') is the only one", js);
  const jsProfile = refusal({ backend: 'js', record: RECORD_PROFILE, sites });
  ok("backend 'js' refused whatever the options", jsProfile === js, jsProfile);
  const other = refusal({ backend: 'JS' });
  ok('unknown backend refused', other === "INVALID_ARGUMENT: backend: unknown 'JS' (auto or wasm32)", other);
}
{ // no recorder: where the C recorder cannot be had, createRecorder throws
  // NO_RECORDER with one line (the build's first error line), no fallback
  const attempt = (env) => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `
      import { createRecorder } from ${JSON.stringify(new URL('../../runtime-shim/node/wasm-observe.mjs', import.meta.url).href)};
      try { createRecorder({ backend: ${JSON.stringify(backend)} }); console.log('created'); } catch (e) { console.log(JSON.stringify([e.code, e.message])); }`],
    { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120000 });
    try { return JSON.parse(r.stdout); } catch { return [`exit ${r.status}`, r.stdout + r.stderr]; }
  };
  const missing = attempt({ WASM_OBSERVE_RECORDER: path.join(os.tmpdir(), 'no-such-dir', 'recorder.wasm') });
  ok('no recorder (WASM_OBSERVE_RECORDER missing): NO_RECORDER, one line', missing[0] === 'NO_RECORDER' && !missing[1].includes('\n') &&
    /^the C recorder \(wasm32\) is unavailable: ENOENT.*no-such-dir/.test(missing[1]), JSON.stringify(missing));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-observe-unit-cache-'));
  const env = { WASM_OBSERVE_CACHE: cache, WASI_SYSROOT: path.join(cache, 'no-sysroot') };
  delete process.env.WASM_OBSERVE_RECORDER;
  const unbuilt = attempt(env);
  ok('no recorder (cannot be built): NO_RECORDER, the build\'s first error line', unbuilt[0] === 'NO_RECORDER' && !unbuilt[1].includes('\n') &&
    /^the C recorder \(wasm32\) is unavailable: cannot build .*build\.sh: .*error: .*\(it needs clang and wasi-libc/.test(unbuilt[1]) &&
    fs.readdirSync(cache).length === 0, JSON.stringify(unbuilt));
  fs.rmSync(cache, { recursive: true });
}
console.log(out.join('\n'));
