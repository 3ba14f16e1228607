// Checks the trace a driver left under the runtime shim's Node host
// (runtime-shim/node/register.mjs), for run.sh step 5.
//
//   node check-trace.mjs PREFIX ALLOW [EXPECT...]
//
// PREFIX.jsonl / PREFIX.json are the main thread's OTLP/JSON lines and Chrome
// trace, PREFIX.thread-N.* a worker's; PREFIX.calls the main thread's folded
// call counts, PREFIX.ref the same tree kept by hooks.mjs from the same hook
// calls; PREFIX.stderr has the recorders' counters. ALLOW says which spans may
// end with error status (unwound): none, main (the process ends from inside
// wasm), workers, or longjmp (the module's exceptions are longjmps through
// emscripten's invoke_* trampolines, whose repair unwinds spans on the main
// thread: some must be). EXPECT: NAME=N, the main thread's folded call counts hold
// N calls of NAME in all (the driver's own calls: C++ exceptions thrown).
//
// Checks, in every OTLP file present: each line is a TracesData object whose
// resource has the service.name run.sh set; ids are hex of the right length;
// start <= end; each parent is a span of the same file and trace, and the
// child lies within it (a worker's spans may miss a parent that was open when
// the thread was killed); status is 0, or 2 where ALLOW permits. The Chrome
// trace of the same thread parses and has an event for each span, with the
// same names. The main thread's counters show every enter closed (exported,
// filtered or dropped by the span budget, whose defaults hold here), and its
// folded call counts are exactly hooks.mjs's. Prints one line per problem
// ("check-trace: ...") or a summary; exit 1 on any problem.
import fs from 'node:fs';
import path from 'node:path';

const [prefix, allow, ...expects] = process.argv.slice(2);
const problems = [];
const problem = (s) => { if (problems.length < 20) problems.push(s); };
const dir = path.dirname(prefix);
const base = path.basename(prefix);

const attr = (list, key) => list?.find((a) => a.key === key)?.value;

// One OTLP/JSON lines file: its spans, checked, by id.
// A worker's file may hold spans whose parents were still open when the
// process killed the thread: counted, not a problem.
let orphans = 0;
function readOtlp(file, errorsAllowed, main) {
  const spans = new Map();
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, i) => {
    let data;
    try { data = JSON.parse(line); } catch (e) { problem(`${file}:${i + 1}: not JSON (${e.message})`); return; }
    const rs = data.resourceSpans?.[0];
    const service = attr(rs?.resource?.attributes, 'service.name')?.stringValue;
    if (service !== process.env.OTEL_SERVICE_NAME) problem(`${file}:${i + 1}: service.name ${service}`);
    for (const s of rs?.scopeSpans?.[0]?.spans ?? []) {
      if (!/^[0-9a-f]{32}$/.test(s.traceId) || !/^[0-9a-f]{16}$/.test(s.spanId) ||
          (s.parentSpanId !== undefined && !/^[0-9a-f]{16}$/.test(s.parentSpanId))) {
        problem(`${file}:${i + 1}: bad ids in ${JSON.stringify(s).slice(0, 200)}`);
      }
      const start = BigInt(s.startTimeUnixNano), end = BigInt(s.endTimeUnixNano);
      if (end < start) problem(`${file}: span ${s.name} ends before it starts`);
      if (![1, 2, 3].includes(s.kind)) problem(`${file}: span ${s.name} has kind ${s.kind}`);
      if (s.status?.code === 2 && !errorsAllowed) problem(`${file}: span ${s.name} unwound (status 2), not explained by '${allow}'`);
      if (spans.has(s.spanId)) problem(`${file}: span id ${s.spanId} twice`);
      spans.set(s.spanId, { name: s.name, traceId: s.traceId, parent: s.parentSpanId, start, end });
    }
  });
  for (const s of spans.values()) {
    if (s.parent === undefined) continue;
    const p = spans.get(s.parent);
    if (!p && main) problem(`${file}: span ${s.name}: parent ${s.parent} not in the file`);
    else if (!p) orphans++;
    else if (p.traceId !== s.traceId) problem(`${file}: span ${s.name}: parent in another trace`);
    else if (s.start < p.start || s.end > p.end) problem(`${file}: span ${s.name} is not within its parent ${p.name}`);
  }
  return spans;
}

// Span names with their counts.
function nameCounts(names) {
  const m = new Map();
  for (const n of names) m.set(n, (m.get(n) ?? 0) + 1);
  return m;
}

function checkChrome(file, spans) {
  let events;
  try { events = JSON.parse(fs.readFileSync(file, 'utf8')).traceEvents; } catch (e) { problem(`${file}: not a JSON document (${e.message})`); return; }
  if (!Array.isArray(events)) { problem(`${file}: no traceEvents`); return; }
  const want = nameCounts([...spans.values()].map((s) => s.name));
  const got = nameCounts(events.filter((e) => e.ph === 'X').map((e) => e.name));
  if (got.size !== want.size || [...want].some(([n, c]) => got.get(n) !== c)) {
    problem(`${file}: ${events.length} events, not one per OTLP span (${spans.size})`);
  }
}

const files = fs.readdirSync(dir).filter((f) => f.startsWith(base + '.'));
const threads = [''].concat(files.map((f) => /^.*\.(thread-\d+)\.jsonl$/.exec(f)?.[1]).filter(Boolean));
let total = 0;
for (const tag of threads) {
  const stem = tag ? `${prefix}.${tag}` : prefix;
  const main = tag === '';
  if (main && !fs.existsSync(`${stem}.jsonl`)) { problem(`${stem}.jsonl: missing`); continue; }
  const spans = readOtlp(`${stem}.jsonl`, main ? allow === 'main' || allow === 'longjmp' : allow === 'workers', main);
  // The JS function that throws a longjmp returns to no one: its span has no
  // children (spans opened after the repair belong to the frame it landed in).
  const throwers = new Set([...spans].filter(([, s]) => s.name.endsWith('env._emscripten_throw_longjmp')).map(([id]) => id));
  for (const s of spans.values()) if (throwers.has(s.parent)) problem(`${stem}.jsonl: span ${s.name} is a child of the longjmp that unwound it`);
  total += spans.size;
  if (main && spans.size === 0) problem(`${stem}.jsonl: no spans`);
  checkChrome(`${stem}.json`, spans);
}

// The main thread's recorder: every enter closed by its exit, or (ALLOW main)
// by the finish at exit.
const counterLine = fs.readFileSync(`${prefix}.stderr`, 'utf8').split('\n').find((l) => l.startsWith('wasm-observe: {'));
const counters = counterLine ? JSON.parse(counterLine.slice('wasm-observe: '.length)) : null;
if (!counters) problem(`${prefix}.stderr: no counters from the main thread's recorder`);
else {
  // closed: exported, filtered by the minimum duration, dropped by the span
  // budget, or muted (the defaults of both hold here)
  const closed = counters.spansRecorded + counters.spansFiltered + counters.spansOverRate + counters.spansOverSize +
    counters.spansMuted;
  if (counters.enters === 0 || closed !== counters.enters) problem(`main thread: ${counters.enters} enters, ${closed} spans closed`);
  const odd = counters.unknownIds + counters.exitsWithoutEnter + counters.exitsUnmatched + counters.depthOverflows + counters.exportErrors;
  if (odd !== 0) problem(`main thread: unexpected counters ${counterLine}`);
  if (counters.spansUnwound !== 0 && allow !== 'main' && allow !== 'longjmp') problem(`main thread: ${counters.spansUnwound} spans unwound`);
  if (counters.spansUnwound === 0 && allow === 'longjmp') problem('main thread: no span unwound, though the driver longjmps');
}

// The call tree, against hooks.mjs's.
const sorted = (file) => fs.readFileSync(file).toString('latin1').split('\n').filter(Boolean).sort();
const calls = sorted(`${prefix}.calls`);
const ref = sorted(`${prefix}.ref`);
if (calls.length === 0) problem(`${prefix}.calls: empty`);
if (calls.join('\n') !== ref.join('\n')) {
  const refSet = new Set(ref);
  const callSet = new Set(calls);
  const first = calls.find((l) => !refSet.has(l)) ?? ref.find((l) => !callSet.has(l));
  problem(`folded call counts differ from hooks.mjs's (${calls.length} vs ${ref.length} paths), e.g. ${first?.slice(0, 200)}`);
}
for (const e of expects) {
  const [name, n] = e.split('=');
  let count = 0;
  for (const line of calls) {
    const sp = line.lastIndexOf(' ');
    if (line.slice(0, sp).split(';').at(-1) === name) count += Number(line.slice(sp + 1));
  }
  if (count !== Number(n)) problem(`${name}: ${count} calls, expected ${n}`);
}

if (problems.length) {
  for (const p of problems) console.log(`check-trace: ${p}`);
  process.exit(1);
}
console.log(`trace: ${total} spans in ${threads.length} thread file(s), ${calls.length} call paths as hooks.mjs counted` +
  `${counters?.spansUnwound ? `, ${counters.spansUnwound} unwound ${allow === 'longjmp' ? 'by longjmps' : 'at exit'}` : ''}` +
  `${counters?.spansOverRate || counters?.spansOverSize ? `, ${counters.spansOverRate + counters.spansOverSize} dropped by the span budget` : ''}` +
  `${counters?.sitesMuted ? `, ${counters.sitesMuted} sites muted (${counters.spansMuted} calls with no span)` : ''}${orphans ? `, ${orphans} worker spans whose parent was open when the thread was killed` : ''}`);
