#!/usr/bin/env node
// Checks one traced run of a fixture against its golden trace.
//
//   node check.mjs [--exclude RE] DIR EXPECTED.folded [LABEL]
//
// --exclude RE: call paths that match RE (a JS regular expression on the
// folded stack, or on a span's chain of names from its root) are left out
// of both sides: tests/component-host leaves out the stdio flushes, which
// differ between the WASI adapter of a component and node:wasi.
// DIR holds the CLI's outputs: otlp.jsonl, chrome.json, self.folded, calls.folded
// and flame.svg.
// EXPECTED is fixtures/expected/NAME.folded (call counts per stack, e2e naming:
// import:/export: prefixes, last line "# unbalanced U open O invalid I truncated T").
// Prints one "PASS what" / "FAIL what: why" line per check (LABEL, e.g. the
// recorder backend, appended to each check's name as " [LABEL]"). Every check
// compares with EXPECTED: when it cannot be read, each of them fails.
import fs from 'node:fs';

const args = process.argv.slice(2);
let exclude = null;
if (args[0] === '--exclude') { exclude = new RegExp(args[1]); args.splice(0, 2); }
const kept = (stack) => !exclude || !exclude.test(stack);
const [dir, expectedPath, label] = args;
const results = [];
const tag = label ? ` [${label}]` : '';
const pass = (what) => results.push(`PASS ${what}${tag}`);
const fail = (what, why) => results.push(`FAIL ${what}${tag}: ${why}`);
let noGolden = null;
const check = (what, fn) => {
  if (noGolden) return fail(what, noGolden);
  try {
    const why = fn();
    if (why) fail(what, why); else pass(what);
  } catch (e) { fail(what, e.message.slice(0, 200)); }
};

let expectedLines = [];
try {
  expectedLines = fs.readFileSync(expectedPath, 'latin1').split('\n').filter((l) => l !== '' && (l.startsWith('#') || kept(l.slice(0, l.lastIndexOf(' ')))));
} catch (e) {
  noGolden = `no golden file ${expectedPath} (${e.code ?? e.message.slice(0, 200)})`;
}
const summary = expectedLines.find((l) => l.startsWith('#')) ?? '';
const open = Number((/open (\d+)/.exec(summary) ?? [0, 0])[1]);
const expected = new Map();
for (const l of expectedLines) {
  if (l.startsWith('#')) continue;
  const sp = l.lastIndexOf(' ');
  expected.set(l.slice(0, sp), Number(l.slice(sp + 1)));
}
const totalCalls = [...expected.values()].reduce((a, b) => a + b, 0);
const strip = (stack) => stack.split(';').map((f) => f.replace(/^(import|export):/, '')).join(';');
const fmt = (set) => [...set].slice(0, 2).join(' | ').slice(0, 200);

// folded stacks (self ns): the same set of stacks, every count a positive integer
check('folded stacks', () => {
  const got = new Set();
  for (const l of fs.readFileSync(`${dir}/self.folded`, 'latin1').split('\n')) {
    if (l === '') continue;
    const m = /^(.*) (\d+)$/.exec(l);
    if (!m || Number(m[2]) <= 0) return `bad line '${l.slice(0, 100)}'`;
    if (got.has(m[1])) return `stack twice: ${m[1]}`;
    if (!kept(m[1])) continue;
    got.add(m[1]);
  }
  const want = new Set([...expected.keys()].map(strip));
  const missing = new Set([...want].filter((s) => !got.has(s)));
  const extra = new Set([...got].filter((s) => !want.has(s)));
  if (missing.size || extra.size) return `missing ${missing.size} (${fmt(missing)}), extra ${extra.size} (${fmt(extra)})`;
});

// the flame graph (--flamegraph): an SVG with the program's root frame
check('flame graph', () => {
  if (!fs.existsSync(`${dir}/flame.svg`)) return 'no flame.svg (flamegraph.pl missing? apt-get install libdevel-nytprof-perl)';
  const svg = fs.readFileSync(`${dir}/flame.svg`, 'utf8');
  if (!svg.includes('</svg>')) return 'not a complete SVG';
  // a root frame: as wide as its whole subtree, so flamegraph.pl never leaves it out
  const root = [...expected.keys()].map((k) => strip(k).split(';')[0]).find((f) => /^[\w.]+$/.test(f));
  if (root && !svg.includes(`<title>${root} (`)) return `no frame for ${root}`;
});

// call counts through the profile tree
check('call counts', () => {
  const got = new Map();
  for (const l of fs.readFileSync(`${dir}/calls.folded`, 'latin1').split('\n')) {
    if (l === '') continue;
    const sp = l.lastIndexOf(' ');
    if (kept(l.slice(0, sp))) got.set(l.slice(0, sp), Number(l.slice(sp + 1)));
  }
  for (const [k, v] of expected) if (got.get(k) !== v) return `${k}: expected ${v}, got ${got.get(k)}`;
  for (const k of got.keys()) if (!expected.has(k)) return `unexpected stack ${k}`;
});

// OTLP/JSON lines
let spans = null;
check('otlp well-formed', () => {
  spans = [];
  const lines = fs.readFileSync(`${dir}/otlp.jsonl`, 'utf8').split('\n');
  if (lines.pop() !== '') return 'no final newline';
  for (const line of lines) {
    const d = JSON.parse(line);
    const rs = d.resourceSpans;
    if (!Array.isArray(rs) || rs.length !== 1) return 'resourceSpans';
    const attrs = rs[0].resource.attributes;
    if (!attrs.some((a) => a.key === 'service.name' && typeof a.value.stringValue === 'string')) return 'no service.name';
    for (const s of rs[0].scopeSpans[0].spans) spans.push(s);
  }
  const byId = new Map();
  for (const s of spans) {
    if (!/^[0-9a-f]{32}$/.test(s.traceId) || !/^[0-9a-f]{16}$/.test(s.spanId)) return `bad ids ${s.traceId} ${s.spanId}`;
    if (![1, 2, 3].includes(s.kind)) return `kind ${s.kind}`;
    if (!/^\d+$/.test(s.startTimeUnixNano) || !/^\d+$/.test(s.endTimeUnixNano)) return 'times not decimal strings';
    if (BigInt(s.endTimeUnixNano) < BigInt(s.startTimeUnixNano)) return `${s.name} ends before it starts`;
    if (!s.status || ![0, 2].includes(s.status.code)) return `${s.name}: status ${JSON.stringify(s.status)}`;
    if (byId.has(s.spanId)) return `span id ${s.spanId} twice`;
    byId.set(s.spanId, s);
  }
  for (const s of spans) {
    if (s.parentSpanId === undefined) continue;
    const p = byId.get(s.parentSpanId);
    if (!p) return `${s.name}: parent ${s.parentSpanId} is not a span`;
    if (p.traceId !== s.traceId) return `${s.name}: parent in another trace`;
    if (BigInt(s.startTimeUnixNano) < BigInt(p.startTimeUnixNano) || BigInt(s.endTimeUnixNano) > BigInt(p.endTimeUnixNano)) return `${s.name} not inside its parent ${p.name}`;
  }
  let counted = spans.length;
  if (exclude) {
    // the span's call path: its names from the root
    const chain = (s) => {
      const names = [];
      for (let p = s; p; p = p.parentSpanId === undefined ? null : byId.get(p.parentSpanId)) names.push(p.name);
      return names.reverse().join(';');
    };
    counted = spans.filter((s) => kept(chain(s))).length;
  }
  if (counted !== totalCalls) return `${counted} spans${exclude ? ' not excluded' : ''}, expected ${totalCalls} (one per call)`;
});
check('otlp error status on unwound spans', () => {
  if (!spans) return 'no spans';
  const errors = spans.filter((s) => s.status.code === 2).length;
  if (errors !== open) return `${errors} spans with error status, expected ${open} (open at the end)`;
});

// Chrome trace
check('chrome trace', () => {
  const d = JSON.parse(fs.readFileSync(`${dir}/chrome.json`, 'utf8'));
  const ev = d.traceEvents;
  if (!Array.isArray(ev)) return 'no traceEvents';
  for (const e of ev) {
    if (e.ph !== 'X' || typeof e.ts !== 'number' || typeof e.dur !== 'number' || e.dur < 0) return `bad event ${JSON.stringify(e).slice(0, 100)}`;
  }
  if (spans && ev.length !== spans.length) return `${ev.length} X events, ${spans.length} spans`;
  const unwound = ev.filter((e) => e.args.status === 'unwound').length;
  if (unwound !== open) return `${unwound} unwound events, expected ${open}`;
});

process.stdout.write(results.join('\n') + '\n');
