// The sampled profile timing (createRecorder's profileTiming: 'sampled', the
// C recorder's WO_TIMING_SAMPLED in its wasm32 build, sampled by a worker
// through its shared memory): exact call counts, the same as with the clock;
// times from the sampling thread; the options it refuses; the thread never
// holds the process. Prints PASS/FAIL lines.
//   node profile-sampled.mjs [wasm32]   (the backend run.sh is testing)
import { spawnSync } from 'node:child_process';
import {
  createRecorder, RECORD_SPANS, RECORD_PROFILE, SITE_FUNCTION, SITE_IMPORT, SITE_EXPORT, WasmObserveError,
} from '../../runtime-shim/node/wasm-observe.mjs';

const backend = process.argv[2] ?? 'wasm32';
const out = [];
const ok = (name, cond, why = '') => out.push(cond ? `PASS sampled ${name} [${backend}]` : `FAIL sampled ${name} [${backend}]: ${why}`);
const site = (name, kind = SITE_FUNCTION) => ({ kind, functionIndex: 0, name, raw: name, symbol: '', module: '', field: name });
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const busy = (ms) => { for (const end = performance.now() + ms; performance.now() < end;); };

// The error createRecorder throws for these options: its code, or 'none'.
function refusal(options) {
  try {
    const rec = createRecorder(options);
    rec.close();
    return 'none';
  } catch (e) {
    return e instanceof WasmObserveError ? e.code : `${e.name}: ${e.message}`;
  }
}

{ // the combinations it refuses, whatever the backend
  const sampled = { profileTiming: 'sampled' };
  const cases = [
    ['spans and profile', { backend, record: RECORD_SPANS | RECORD_PROFILE, ...sampled }],
    ['spans', { backend, record: RECORD_SPANS, ...sampled }],
    ['default record (spans)', { backend, ...sampled }],
    ['unknown timing', { backend, record: RECORD_PROFILE, profileTiming: 'tsc' }],
    ['interval 0', { backend, record: RECORD_PROFILE, ...sampled, profileIntervalUs: 0 }],
    ['interval not a number', { backend, record: RECORD_PROFILE, ...sampled, profileIntervalUs: '100' }],
  ];
  const got = cases.map(([name, o]) => `${name}: ${refusal(o)}`);
  ok('refused combinations', got.every((g) => g.endsWith(': INVALID_ARGUMENT')), got.join('; '));
  const rec = createRecorder({ backend: 'auto', record: RECORD_PROFILE, profileTiming: 'sampled', sites: [site('a')] });
  ok('auto means the C recorder', rec.backend === 'wasm32' && rec.samplerStats() !== null, `backend ${rec.backend}`);
  rec.close();
}

// A clock recorder and a sampled one over the same sites; `calls(rec)` is
// what must agree: the call counts per path and the counters.
const sites = [site('a'), site('b'), site('c'), site('d'), site('imp', SITE_IMPORT), site('run', SITE_EXPORT), site('e'), site('f')];
const pair = (opts = {}) => [
  // no muting: the clock's recorder times every call, as the sampled one counts
  // it (muting under sampled timing: patched-check.mjs)
  createRecorder({ backend, record: RECORD_PROFILE, sites, monotonicNs: (() => { let t = 0; return () => (t += 10); })(), muteAfter: Infinity, ...opts }),
  createRecorder({ backend, record: RECORD_PROFILE, sites, profileTiming: 'sampled', muteAfter: Infinity, ...opts }),
];
const firstDifference = (a, b) => {
  const x = a.split('\n');
  const y = b.split('\n');
  const i = x.findIndex((line, k) => line !== y[k]);
  return `line ${i + 1} of ${x.length} / ${y.length}: clock '${x[i]}', sampled '${y[i]}'`;
};
const calls = (rec) => `${rec.foldedCalls()}${JSON.stringify(rec.counters())}`;
function same(name, opts, script) {
  const recs = pair(opts);
  const mid = recs.map((rec) => script(rec)); // script may return a mid-run snapshot
  const before = recs.map((rec) => rec.foldedCalls());
  for (const rec of recs) rec.finish();
  const [clock, sampled] = recs.map(calls);
  ok(name, clock === sampled && before[0] === before[1] && mid[0] === mid[1] && clock.includes(' '),
    clock !== sampled ? firstDifference(clock, sampled) : before[0] !== before[1] ? `before finish: ${firstDifference(...before)}`
      : `mid-run: ${firstDifference(mid[0] ?? '', mid[1] ?? '')}`);
  for (const rec of recs) rec.close();
}

// xorshift32: the same sequence every run
function random(seed) {
  let x = seed;
  return (n) => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
}

{ // a random well-nested call sequence: 200k calls, up to 40 deep, 8 sites
  same('counts equal the clock\'s', {}, (rec) => {
    const r = random(12345);
    const stack = [];
    let snapshot = null;
    for (let i = 0; i < 400000; i++) {
      if (stack.length && (stack.length >= 40 || r(100) < 48)) rec.exit(stack.pop());
      else { const id = r(8); stack.push(id); rec.enter(id); }
      if (i === 200000) snapshot = rec.foldedCalls(); // open frames are not counted yet
    }
    return snapshot;
  });
}

{ // hostile calls: unknown ids, exits without enter, unmatched and
  // out-of-order exits, enters past maxDepth and a non-local exit out of
  // them, re-entry over stale frames (a caught trap), unwind()
  same('hostile sequence as with the clock', { maxDepth: 6, unwindOnReentry: true }, (rec) => {
    const r = random(777);
    const stack = [];
    for (let i = 0; i < 60000; i++) {
      const k = r(100);
      if (k < 40) { const id = r(8); stack.push(id); rec.enter(id); }
      else if (k < 75) { if (stack.length) rec.exit(stack.pop()); }
      else if (k < 80) rec.enter(8 + r(5)); // unknown ids
      else if (k < 84) rec.exit(8 + r(5));
      else if (k < 88) rec.exit(r(8)); // without enter, unmatched, or out of order
      else if (k < 92 && stack.length > 2) { const j = r(stack.length); rec.exit(stack[j]); stack.length = j; } // out of order
      else if (k < 95) { rec.enter(5); stack.push(5); } // run (export): re-entry
      else if (k < 96) { rec.unwind(); stack.length = 0; }
      else if (k < 97) rec.enter(-1 >>> 0);
      else { const id = r(8); stack.push(id); rec.enter(id); rec.enter(id); stack.push(id); }
    }
    return rec.foldedCalls();
  });
  const [clock, sampled] = pair({ maxDepth: 4 });
  for (const rec of [clock, sampled]) {
    rec.exit(0); rec.enter(99); rec.exit(99); rec.enter(0); rec.exit(1); // without enter, unknown, unmatched
    rec.enter(1); rec.enter(2); rec.enter(3); rec.enter(3); rec.enter(2); // at maxDepth, then 2 beyond
    rec.exit(2); rec.exit(1); // one beyond closed, then a non-local exit: 3, 2 unwound
    rec.enter(5); rec.enter(2); rec.enter(6); rec.exit(5); // out of order: 6, 2 unwound
    rec.depthBefore = rec.depth();
    rec.finish(); // a unwound
  }
  const c = sampled.counters();
  ok('hostile counters', calls(clock) === calls(sampled) && c.exitsWithoutEnter === 1 && c.unknownIds === 2 &&
    c.exitsUnmatched === 1 && c.depthOverflows === 2 && c.spansUnwound === 5 && sampled.depthBefore === 1 && clock.depthBefore === 1,
    `${calls(clock)} / ${calls(sampled)}; depth ${clock.depthBefore} / ${sampled.depthBefore}`);
}

{ // differential fuzzing: 120 random hostile sequences, each with its own
  // maxDepth (past the first stack of 64 frames or not) and unwindOnReentry,
  // ids in and out of range (negative ones too); counts and counters as the
  // clock's at the end and halfway
  const bad = [];
  for (let seed = 1; seed <= 120 && bad.length < 3; seed++) {
    const r = random(seed * 2654435761 >>> 0 || 1);
    const maxDepth = [3, 20, 64, 65, 200, 0][r(6)];
    const opts = { maxDepth, unwindOnReentry: r(2) === 1 };
    const recs = pair(opts);
    const mids = recs.map((rec) => {
      const q = random(seed);
      const stack = [];
      let mid = null;
      for (let i = 0; i < 6000; i++) {
        const k = q(100);
        if (k < 45) { const id = q(8); stack.push(id); rec.enter(id); }
        else if (k < 85) { if (stack.length) rec.exit(stack.pop()); }
        else if (k < 88) rec.enter(q(3) === 0 ? -q(5) - 1 : 8 + q(5));
        else if (k < 91) rec.exit(q(3) === 0 ? -q(5) - 1 : q(13));
        else if (k < 95 && stack.length > 1) { const j = q(stack.length); rec.exit(stack[j]); stack.length = j; }
        else if (k < 98) { rec.enter(5); stack.push(5); }
        else if (k < 99) { rec.unwind(); stack.length = 0; }
        else { rec.exit(4); }
        if (i === 3000) mid = `${rec.foldedCalls()}${rec.depth()}`;
      }
      return mid;
    });
    for (const rec of recs) rec.finish();
    const [clock, sampled] = recs.map(calls);
    if (clock !== sampled || mids[0] !== mids[1]) bad.push(`seed ${seed} ${JSON.stringify(opts)}: ${clock !== sampled ? firstDifference(clock, sampled) : 'halfway'}`);
    for (const rec of recs) rec.close();
  }
  ok('differential fuzzing against the clock', bad.length === 0, bad.join('; '));
}

{ // a function busy 4 of every 6 ms (2 before its callee, 2 after), its
  // callee 1 ms, 1 ms outside any frame: ~80% of the time charged to it
  const rec = createRecorder({ backend, record: RECORD_PROFILE, sites, profileTiming: 'sampled' });
  const start = performance.now();
  let rounds = 0;
  // until 1000 samples (the thread starts tens of ms late; a loaded machine
  // runs it less often), at least 300 ms, at most 5 s
  while ((performance.now() - start < 300 || rec.samplerStats().samples < 1000) && performance.now() - start < 5000) {
    rec.enter(0); busy(2); rec.enter(1); busy(1); rec.exit(1); busy(2); rec.exit(0); busy(1);
    rounds++;
  }
  const wall = performance.now() - start;
  rec.finish();
  const p = rec.profile();
  const a = p.children.find((n) => n.site.name === 'a');
  const b = a?.children.find((n) => n.site.name === 'b');
  const s = rec.samplerStats();
  const self = a && b ? a.selfNs + b.selfNs : 0;
  const share = self ? a.selfNs / self : 0;
  ok('busy function gets its share', a && b && share >= 0.6 && share <= 0.95 && s.samples >= 200,
    `a ${(share * 100).toFixed(1)}% of ${self} ns, ${JSON.stringify(s)}`);
  ok('calls and totals', a.calls === rounds && b.calls === rounds && a.totalNs === a.selfNs + b.totalNs && b.totalNs === b.selfNs,
    `${rounds} rounds: ${JSON.stringify({ a: [a.calls, a.selfNs, a.totalNs], b: [b.calls, b.selfNs, b.totalNs] })}`);
  // the time charged is the wall time the thread covered, less what it saw
  // outside any frame (compared with what it covered, not with the run's wall
  // time: on a loaded machine the thread covers less of the run)
  const outside = s.samplesOutside / s.samples;
  ok('time covers the run', self > 0.5 * s.coveredNs && s.coveredNs > 0.2 * wall * 1e6 && self <= s.coveredNs + s.nsPerSample && outside >= 0.05 && outside <= 0.35,
    `${self} ns charged, ${wall.toFixed(0)} ms run, ${JSON.stringify(s)}`);
  ok('summary and folded', /a\n/.test(rec.summary(5)) && rec.folded() === `a ${a.selfNs}\na;b ${b.selfNs}\n`, rec.folded());
  // stopped by finish: no more samples
  const after = rec.samplerStats().samples;
  sleep(30);
  ok('thread stops at finish', !rec.samplerStats().running && rec.samplerStats().samples === after && after > 0, JSON.stringify(rec.samplerStats()));
  rec.close();
}

{ // frames closed as unwound (an out-of-order exit, unwind()) hand the
  // samples back to their parent, or to no one
  const rec = createRecorder({ backend, record: RECORD_PROFILE, sites, profileTiming: 'sampled' });
  const start = performance.now();
  while ((performance.now() - start < 300 || rec.samplerStats().samples < 500) && performance.now() - start < 5000) {
    rec.enter(0); rec.enter(1); busy(1); rec.exit(0); busy(1); // b unwound by a's exit
    rec.enter(2); busy(1); rec.unwind(); busy(1); // c unwound
  }
  rec.finish();
  const p = rec.profile();
  const self = (name, node = p) => {
    let sum = 0;
    for (const ch of node.children) sum += (ch.site.name === name ? ch.selfNs : 0) + self(name, ch);
    return sum;
  };
  const s = rec.samplerStats();
  const [a, b, c] = ['a', 'b', 'c'].map((n) => self(n));
  const outside = s.samplesOutside / s.samples;
  ok('unwound frames hand the time back', outside >= 0.3 && outside <= 0.7 && b / (a + b + c) >= 0.3 && b / (a + b + c) <= 0.7 &&
    a < 0.15 * (a + b + c), `a ${a} b ${b} c ${c} ns, outside ${(outside * 100).toFixed(1)}%, ${JSON.stringify(s)}`);
  rec.close();
}

{ // the tree outgrows its first sample table (256 nodes): deep paths, the
  // busy one created last (node > 4096), still sampled; counts as the clock's
  const [clock, sampled] = pair({ maxDepth: 8192 });
  for (const rec of [clock, sampled]) {
    for (let i = 0; i < 5000; i++) rec.enter(i % 8);
    for (let i = 5000; i-- > 0;) rec.exit(i % 8);
  }
  const deep = sampled.profile();
  let last = deep;
  while (last.children.length) last = last.children[0];
  const start = performance.now();
  for (let i = 0; i < 5000; i++) sampled.enter(i % 8);
  while (performance.now() - start < 400 || (sampled.samplerStats().samples < 300 && performance.now() - start < 5000)) busy(1);
  for (let i = 5000; i-- > 0;) sampled.exit(i % 8);
  for (let i = 0; i < 5000; i++) clock.enter(i % 8);
  for (let i = 5000; i-- > 0;) clock.exit(i % 8);
  for (const rec of [clock, sampled]) rec.finish();
  let leaf = sampled.profile();
  while (leaf.children.length) leaf = leaf.children[0];
  const s = sampled.samplerStats();
  ok('tree grows, deep node sampled', calls(clock) === calls(sampled) && leaf.site === last.site && leaf.selfNs > 0.5 * s.coveredNs &&
    s.samplesUnattributed === 0, `leaf self ${leaf.selfNs} ns, ${JSON.stringify(s)}`);
  for (const rec of [clock, sampled]) rec.close();
}

{ // the thread never keeps the process alive: a program that never calls
  // finish() ends; one that finishes in an exit handler (register.mjs) gets
  // its times there
  const url = new URL('../../runtime-shim/node/wasm-observe.mjs', import.meta.url).href;
  const program = (tail) => `
    import { createRecorder, RECORD_PROFILE } from ${JSON.stringify(url)};
    const rec = createRecorder({ record: RECORD_PROFILE, profileTiming: 'sampled',
      sites: [{ kind: 0, functionIndex: 0, name: 'f', raw: 'f', symbol: '', module: '', field: 'f' }] });
    rec.enter(0);
    for (const end = performance.now() + 300; performance.now() < end;); // the thread starts tens of ms late
    ${tail}`;
  const run = (src) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8', timeout: 20000 });
    return { ...r, ms: performance.now() - t0 };
  };
  const open = run(program(''));
  ok('thread does not keep the process alive', open.status === 0 && open.signal === null && open.ms < 10000,
    `exit ${open.status} signal ${open.signal} after ${open.ms.toFixed(0)} ms: ${open.stderr}`);
  const atExit = run(program(`process.on('exit', () => { rec.exit(0); rec.finish(); process.stdout.write(rec.folded()); });`));
  const ns = Number(/^f (\d+)$/m.exec(atExit.stdout)?.[1] ?? 0);
  ok('finish in an exit handler', atExit.status === 0 && ns > 20e6 && atExit.ms < 10000,
    `exit ${atExit.status} after ${atExit.ms.toFixed(0)} ms: ${JSON.stringify(atExit.stdout)} ${atExit.stderr}`);
}

console.log(out.join('\n'));
