#!/usr/bin/env node
// Checks the traces that traced-run wrote with real consumers:
//
//   node check-traces.mjs CASES.json
//
// CASES.json: [{ "name": "fib",
//                "otlp": "otlp.jsonl",        OTLP/JSON lines (required)
//                "chrome": "chrome.json",     Chrome trace (optional)
//                "golden": "fib.folded",      expected call tree with call counts
//                                             (tests/e2e trace format; optional)
//                "stderr": "run.err",         traced-run's stderr with --summary (optional)
//                "spans": N,                  expected number of spans (optional;
//                                             default: the sum of the golden's counts)
//                "top": N,                    the --top given to traced-run (default 20)
//                "errors": N,                 expected spans with error status (optional)
//                "strictness": true }]        also run otlp-strictness on this case
//
// For each case, one line per check: `PASS name` or `FAIL name: reason`:
//   otlp-proto   every line parses and is a TracesData that follows the official
//                opentelemetry-proto files strictly (every key known, lowerCamelCase,
//                ids hex of the right length and not zero, 64-bit integers as decimal
//                strings, enums as known integers, one member per oneof), then
//                round-trips through protobufjs (fromObject, verify, encode, decode)
//                without losing anything;
//   otlp-spans   span ids unique, every parentSpanId is a span of the same trace,
//                children inside their parent's time, kinds (server for export
//                entries, client for import calls, internal otherwise), the
//                number of spans and of error spans, and the tree rebuilt from
//                the parent links equals the golden call tree (counts included);
//   otlp-strictness  the strict check rejects 14 mutations of a valid line
//                (snake_case key, unknown key, 64-bit value as a number, enum by
//                name, base64 or short or zero id, two oneof members, null, ...);
//   otlp-receiver  the lines POSTed to /v1/traces of @elastic/mockotlpserver (in
//                process, 127.0.0.1, a free port) as application/json: 200 and
//                the receiver got every span;
//   chrome       the Chrome trace parses, has one complete (X) event per span,
//                and @paulirish/trace_engine (the DevTools Performance engine)
//                puts every event in the call tree it rebuilds, which equals the
//                golden call tree;
//   summary      every row of traced-run's --summary table has the golden's
//                call count for that function.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

import { otlpTraceRoot, protobuf } from './otlp-proto.mjs';

const require = createRequire(import.meta.url);
const { MockOtlpServer, normalizeTrace } = require('@elastic/mockotlpserver');

const [manifestPath] = process.argv.slice(2);
if (!manifestPath) {
  process.stderr.write('usage: check-traces.mjs CASES.json\n');
  process.exit(2);
}
const cases = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));

const results = [];
const pass = (name) => results.push(`PASS ${name}`);
const fail = (name, why) => results.push(`FAIL ${name}: ${String(why).replace(/\s+/g, ' ').slice(0, 300)}`);

// ---- the official .proto files ---------------------------------------------------

const root = otlpTraceRoot();
const TracesData = root.lookupType('opentelemetry.proto.trace.v1.TracesData');
const SpanType = root.lookupType('opentelemetry.proto.trace.v1.Span');
const LinkType = root.lookupType('opentelemetry.proto.trace.v1.Span.Link');

// ---- strict OTLP/JSON check against the reflected types ---------------------------

const ID_BYTES = { traceId: 16, spanId: 8, parentSpanId: 8 };
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

function checkScalar(type, v, where) {
  switch (type) {
    case 'string':
      if (typeof v !== 'string') throw new Error(`${where}: expected a string, got ${JSON.stringify(v)}`);
      return;
    case 'bool':
      if (typeof v !== 'boolean') throw new Error(`${where}: expected a boolean`);
      return;
    case 'double': case 'float':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: expected a finite number`);
      return;
    case 'int32': case 'sint32': case 'sfixed32':
      if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw new Error(`${where}: expected an int32 number`);
      return;
    case 'uint32': case 'fixed32':
      if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32) throw new Error(`${where}: expected a uint32 number`);
      return;
    case 'uint64': case 'fixed64':
      if (typeof v !== 'string' || !/^(0|[1-9][0-9]*)$/.test(v) || BigInt(v) > U64_MAX) {
        throw new Error(`${where}: a 64-bit unsigned integer must be a decimal string, got ${JSON.stringify(v)}`);
      }
      return;
    case 'int64': case 'sint64': case 'sfixed64':
      if (typeof v !== 'string' || !/^(0|-?[1-9][0-9]*)$/.test(v) || BigInt(v) < I64_MIN || BigInt(v) > I64_MAX) {
        throw new Error(`${where}: a 64-bit integer must be a decimal string, got ${JSON.stringify(v)}`);
      }
      return;
    case 'bytes':
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
        throw new Error(`${where}: expected base64 bytes`);
      }
      return;
    default:
      throw new Error(`${where}: unhandled scalar type ${type}`);
  }
}

function checkMessage(type, obj, where) {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new Error(`${where}: expected an object for ${type.fullName}`);
  }
  for (const [key, v] of Object.entries(obj)) {
    const field = type.fields[key];
    if (!field) {
      const hint = Object.values(type.fields).find((f) => f.name.toLowerCase() === key.replace(/_/g, '').toLowerCase());
      throw new Error(`${where}: unknown key "${key}" in ${type.fullName}${hint ? ` (did you mean "${hint.name}"?)` : ''}`);
    }
    const at = `${where}.${key}`;
    if (v === null) throw new Error(`${at}: null`);
    if (field.map) throw new Error(`${at}: map fields are not expected in traces`);
    if (field.repeated) {
      if (!Array.isArray(v)) throw new Error(`${at}: expected an array`);
      v.forEach((item, i) => checkValue(type, field, item, `${at}[${i}]`));
    } else {
      checkValue(type, field, v, at);
    }
  }
  for (const oneof of type.oneofsArray) {
    const set = oneof.oneof.filter((name) => Object.hasOwn(obj, name));
    if (set.length > 1) throw new Error(`${where}: more than one of oneof ${oneof.name}: ${set.join(', ')}`);
  }
}

function checkValue(type, field, v, at) {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return checkMessage(rt, v, at);
  if (rt instanceof protobuf.Enum) {
    if (!Number.isInteger(v)) throw new Error(`${at}: enums must be integers in OTLP/JSON, got ${JSON.stringify(v)}`);
    if (!Object.values(rt.values).includes(v)) throw new Error(`${at}: ${v} is not a value of ${rt.fullName}`);
    return;
  }
  if (field.type === 'bytes' && (type === SpanType || type === LinkType) && ID_BYTES[field.name]) {
    const n = ID_BYTES[field.name];
    if (typeof v !== 'string' || !new RegExp(`^[0-9a-f]{${2 * n}}$`).test(v)) {
      throw new Error(`${at}: expected ${2 * n} lowercase hex digits, got ${JSON.stringify(v)}`);
    }
    if (/^0+$/.test(v)) throw new Error(`${at}: an all-zero id is invalid`);
    return;
  }
  checkScalar(field.type, v, at);
}

// OTLP/JSON writes ids as hex; protobuf's canonical JSON wants base64.
function mapIds(obj, fn) {
  if (Array.isArray(obj)) return obj.map((x) => mapIds(x, fn));
  if (obj && typeof obj === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(obj)) out[k] = ID_BYTES[k] && typeof v === 'string' ? fn(v) : mapIds(v, fn);
    return out;
  }
  return obj;
}
const hexToB64 = (h) => Buffer.from(h, 'hex').toString('base64');
const b64ToHex = (b) => Buffer.from(b, 'base64').toString('hex');

// Drops proto3 default values, which do not survive a binary round trip.
function withoutDefaults(obj) {
  if (Array.isArray(obj)) return obj.map(withoutDefaults);
  if (obj && typeof obj === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(obj)) {
      if (v === '' || v === 0 || v === '0' || v === false || (Array.isArray(v) && v.length === 0)) continue;
      out[k] = withoutDefaults(v);
    }
    return out;
  }
  return obj;
}

function stableJson(v) {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function roundTrip(obj, where) {
  const msg = TracesData.fromObject(mapIds(obj, hexToB64));
  const err = TracesData.verify(msg);
  if (err) throw new Error(`${where}: protobufjs verify: ${err}`);
  const bytes = TracesData.encode(msg).finish();
  const back = TracesData.toObject(TracesData.decode(bytes), { longs: String, enums: Number, bytes: String });
  const a = stableJson(withoutDefaults(obj));
  const b = stableJson(withoutDefaults(mapIds(back, b64ToHex)));
  if (a !== b) {
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    throw new Error(`${where}: changed by a protobuf round trip near ${JSON.stringify(a.slice(Math.max(0, i - 60), i + 60))} -> ${JSON.stringify(b.slice(Math.max(0, i - 60), i + 60))}`);
  }
  return bytes.length;
}

// ---- helpers -------------------------------------------------------------------------

function readGolden(file) {
  const calls = new Map();
  for (const line of fs.readFileSync(file, 'latin1').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^(.*) ([0-9]+)$/);
    if (!m) throw new Error(`bad golden line ${JSON.stringify(line)}`);
    calls.set(m[1], Number(m[2]));
  }
  return calls;
}

const sanitize = (name) => name.replace(/;/g, ':').replace(/[\x00-\x1f\x7f]/g, '?');

function diffMaps(expected, got) {
  const problems = [];
  for (const [k, v] of expected) {
    if (!got.has(k)) problems.push(`missing ${k} (x${v})`);
    else if (got.get(k) !== v) problems.push(`${k}: ${got.get(k)} calls, expected ${v}`);
  }
  for (const [k, v] of got) if (!expected.has(k)) problems.push(`unexpected ${k} (x${v})`);
  return problems;
}

function attr(span, key) {
  const kv = (span.attributes || []).find((a) => a.key === key);
  return kv ? kv.value.stringValue ?? kv.value.intValue : undefined;
}

function allSpans(data) {
  const spans = [];
  for (const rs of data.resourceSpans || []) for (const ss of rs.scopeSpans || []) spans.push(...(ss.spans || []));
  return spans;
}

// ---- the checks ---------------------------------------------------------------------

function checkOtlp(c, golden, lines) {
  const name = `otlp-proto ${c.name}`;
  const docs = [];
  let bytes = 0;
  try {
    if (lines.length === 0) throw new Error('no lines');
    lines.forEach((line, i) => {
      let obj;
      try { obj = JSON.parse(line); } catch (e) { throw new Error(`line ${i + 1}: not JSON: ${e.message}`); }
      checkMessage(TracesData, obj, `line ${i + 1}`);
      bytes += roundTrip(obj, `line ${i + 1}`);
      docs.push(obj);
    });
    pass(name);
  } catch (e) {
    fail(name, e.message);
    return;
  }

  const sname = `otlp-spans ${c.name}`;
  try {
    for (const d of docs) {
      for (const rs of d.resourceSpans) {
        const sn = (rs.resource?.attributes || []).find((a) => a.key === 'service.name');
        if (!sn || typeof sn.value.stringValue !== 'string' || !sn.value.stringValue) throw new Error('a resource without service.name');
      }
    }
    const spans = docs.flatMap(allSpans);
    const byId = new Map();
    for (const s of spans) {
      if (byId.has(s.spanId)) throw new Error(`span id ${s.spanId} used twice`);
      byId.set(s.spanId, s);
    }
    const now = BigInt(Date.now()) * 1000000n;
    let errors = 0;
    for (const s of spans) {
      const start = BigInt(s.startTimeUnixNano), end = BigInt(s.endTimeUnixNano);
      if (start > end) throw new Error(`${s.name}: starts after it ends`);
      if (start < 1500000000000000000n || end > now + 86400000000000n) throw new Error(`${s.name}: time ${start} is not Unix-epoch nanoseconds of this run`);
      const want = attr(s, 'wasm.import.module') !== undefined ? 3 : attr(s, 'wasm.export.name') !== undefined ? 2 : 1;
      if (s.kind !== want) throw new Error(`${s.name}: kind ${s.kind}, expected ${want}`);
      if (!s.status) throw new Error(`${s.name}: no status`);
      if (s.status.code === 2) errors++;
      else if ((s.status.code ?? 0) !== 0) throw new Error(`${s.name}: status ${s.status.code}`);
      if (s.parentSpanId !== undefined) {
        const p = byId.get(s.parentSpanId);
        if (!p) throw new Error(`${s.name}: parent ${s.parentSpanId} is not a span`);
        if (p.traceId !== s.traceId) throw new Error(`${s.name}: parent in another trace`);
        if (BigInt(p.startTimeUnixNano) > start || BigInt(p.endTimeUnixNano) < end) {
          throw new Error(`${s.name} [${start}, ${end}] is not inside its parent ${p.name} [${p.startTimeUnixNano}, ${p.endTimeUnixNano}]`);
        }
      } else if (s.kind !== 2 && golden) {
        throw new Error(`root span ${s.name} is not an export entry (server)`);
      }
    }
    const expectSpans = c.spans ?? (golden ? [...golden.values()].reduce((a, b) => a + b, 0) : undefined);
    if (expectSpans !== undefined && spans.length !== expectSpans) throw new Error(`${spans.length} spans, expected ${expectSpans}`);
    if (c.errors !== undefined && errors !== c.errors) throw new Error(`${errors} spans with error status, expected ${c.errors}`);
    if (golden) {
      const frame = (s) => (s.kind === 3 ? 'import:' : s.kind === 2 ? 'export:' : '') + sanitize(s.name);
      const pathOf = new Map();
      const pathFor = (s) => {
        if (pathOf.has(s.spanId)) return pathOf.get(s.spanId);
        const p = s.parentSpanId ? `${pathFor(byId.get(s.parentSpanId))};${frame(s)}` : frame(s);
        pathOf.set(s.spanId, p);
        return p;
      };
      const got = new Map();
      for (const s of spans) got.set(pathFor(s), (got.get(pathFor(s)) || 0) + 1);
      const problems = diffMaps(golden, got);
      if (problems.length) throw new Error(`call tree from the parent links differs: ${problems.slice(0, 3).join('; ')}`);
    }
    pass(sname);
    c.spanCount = spans.length;
    c.protoBytes = bytes;
  } catch (e) {
    fail(sname, e.message);
  }
}

async function checkReceiver(c, server, received, lines) {
  const name = `otlp-receiver ${c.name}`;
  try {
    received.length = 0;
    for (const line of lines) {
      const res = await fetch(`${server.httpUrl}v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: line,
      });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${body.slice(0, 100)}`);
    }
    for (let i = 0; i < 100 && received.length < lines.length; i++) await new Promise((r) => setTimeout(r, 10));
    if (received.length !== lines.length) throw new Error(`${received.length} requests reached onTrace, expected ${lines.length}`);
    const spans = received.flatMap(allSpans);
    const expect = c.spanCount ?? c.spans ?? lines.map((l) => allSpans(JSON.parse(l)).length).reduce((a, b) => a + b, 0);
    if (spans.length !== expect) throw new Error(`received ${spans.length} spans, expected ${expect}`);
    // The receiver's own reading of them (its normalized form: kinds by name, attributes as an object).
    const norm = received.flatMap((t) => allSpans(normalizeTrace(t)));
    const bad = norm.find((s) => !/^SPAN_KIND_(INTERNAL|SERVER|CLIENT)$/.test(s.kind) || typeof s.attributes['wasm.function.index'] !== 'number');
    if (bad) throw new Error(`the receiver reads a span as ${JSON.stringify(bad).slice(0, 200)}`);
    pass(name);
  } catch (e) {
    fail(name, e.message);
  }
}

let TraceEngine = null;
async function traceEngine() {
  if (!TraceEngine) {
    const dir = path.dirname(require.resolve('@paulirish/trace_engine/package.json'));
    const { polyfillDOMRect } = await import(path.join(dir, 'analyze-trace.mjs'));
    polyfillDOMRect();
    TraceEngine = await import(path.join(dir, 'models/trace/trace.js'));
  }
  return TraceEngine;
}

async function checkChrome(c, golden) {
  const name = `chrome ${c.name}`;
  try {
    const json = JSON.parse(fs.readFileSync(c.chrome, 'utf8'));
    const events = json.traceEvents;
    if (!Array.isArray(events)) throw new Error('no traceEvents array');
    for (const e of events) {
      if (e.ph !== 'X' || typeof e.ts !== 'number' || typeof e.dur !== 'number' || e.ts < 0 || e.dur < 0 || typeof e.name !== 'string') {
        throw new Error(`bad event ${JSON.stringify(e).slice(0, 120)}`);
      }
    }
    const expectSpans = c.spanCount ?? c.spans ?? (golden ? [...golden.values()].reduce((a, b) => a + b, 0) : undefined);
    if (expectSpans !== undefined && events.length !== expectSpans) throw new Error(`${events.length} events, expected ${expectSpans}`);
    const Trace = await traceEngine();
    const model = Trace.TraceModel.Model.createWithAllHandlers();
    await model.parse(events);
    const parsed = model.parsedTrace();
    const threads = [...parsed.data.Renderer.processes.values()].flatMap((p) => [...p.threads.values()]);
    const entries = threads.reduce((n, t) => n + t.entries.length, 0);
    if (entries !== events.length) throw new Error(`the engine kept ${entries} of ${events.length} events`);
    const got = new Map();
    const inTree = new Set();
    const frame = (e) => (e.cat === 'import' ? 'import:' : e.cat === 'export' ? 'export:' : '') + sanitize(e.name);
    for (const t of threads) {
      const stack = [...(t.tree?.roots ?? [])].map((n) => [n, frame(n.entry)]);
      while (stack.length) {
        const [n, p] = stack.pop();
        inTree.add(n.entry);
        got.set(p, (got.get(p) || 0) + 1);
        for (const child of n.children) stack.push([child, `${p};${frame(child.entry)}`]);
      }
    }
    if (inTree.size !== events.length) {
      // Say which events DevTools left out of its call tree, and whether they
      // end at the same instant as an enclosing event (exact decimal times),
      // where ts + dur in doubles can come out past the enclosing event's end.
      const ns = (us) => BigInt(Math.round(us * 1000));
      const left = threads.flatMap((t) => t.entries).filter((e) => !inTree.has(e));
      const ties = left.filter((e) => events.some((p) => p !== e && p.tid === e.tid && ns(p.ts) < ns(e.ts) &&
        ns(p.ts) + ns(p.dur) === ns(e.ts) + ns(e.dur) && p.ts + p.dur < e.ts + e.dur));
      const e = left[0];
      throw new Error(`DevTools' call tree leaves out ${left.length} of ${events.length} events, ` +
        `${ties.length} of them ending at the same nanosecond as an enclosing event whose ts + dur is smaller in doubles; ` +
        `first: ${e.name} ts ${e.ts} dur ${e.dur} (ts + dur = ${e.ts + e.dur})`);
    }
    if (golden) {
      const problems = diffMaps(golden, got);
      if (problems.length) throw new Error(`DevTools call tree differs: ${problems.slice(0, 3).join('; ')}`);
    }
    pass(name);
  } catch (e) {
    fail(name, e.message);
  }
}

function checkSummary(c, golden) {
  const name = `summary ${c.name}`;
  try {
    const lines = fs.readFileSync(c.stderr, 'latin1').split('\n');
    const head = lines.findIndex((l) => /^ +calls +self ms +total ms +function$/.test(l));
    if (head < 0) throw new Error('no summary table on stderr');
    const expected = new Map();
    for (const [p, n] of golden) {
      const leaf = p.split(';').pop().replace(/^(import|export):/, (m, k) => `${k} `);
      expected.set(leaf, (expected.get(leaf) || 0) + n);
    }
    let rows = 0;
    for (const l of lines.slice(head + 1)) {
      const m = l.match(/^ +([0-9]+) +[0-9.]+ +[0-9.]+ {2}(.*)$/);
      if (!m) break;
      rows++;
      const fn = sanitize(m[2]);
      if (expected.get(fn) !== Number(m[1])) throw new Error(`${fn}: ${m[1]} calls, expected ${expected.get(fn)}`);
    }
    if (rows !== Math.min(expected.size, c.top ?? 20)) throw new Error(`${rows} rows, expected ${Math.min(expected.size, c.top ?? 20)}`);
    pass(name);
  } catch (e) {
    fail(name, e.message);
  }
}

// ---- the strict check's own test: mutations of a valid line that it must reject ---------

function strictnessSelfTest(c, lines) {
  const name = `otlp-strictness ${c.name}`;
  try {
    const good = JSON.parse(lines[0]);
    const span0 = (d) => d.resourceSpans[0].scopeSpans[0].spans[0];
    const mutations = {
      'snake_case key': (d) => { const s = span0(d); s.start_time_unix_nano = s.startTimeUnixNano; delete s.startTimeUnixNano; },
      'unknown key': (d) => { span0(d).durationNano = '1'; },
      'time as a number': (d) => { span0(d).startTimeUnixNano = Number(span0(d).startTimeUnixNano); },
      'intValue as a number': (d) => { span0(d).attributes.find((a) => a.value.intValue !== undefined).value.intValue = 7; },
      'enum as a name': (d) => { span0(d).kind = 'SPAN_KIND_INTERNAL'; },
      'unknown enum value': (d) => { span0(d).kind = 9; },
      'status code as a name': (d) => { span0(d).status = { code: 'STATUS_CODE_ERROR' }; },
      'base64 span id': (d) => { span0(d).spanId = hexToB64(span0(d).spanId); },
      'short trace id': (d) => { span0(d).traceId = span0(d).traceId.slice(2); },
      'uppercase hex': (d) => { span0(d).spanId = span0(d).spanId.toUpperCase().replace(/^[0-9]/, 'A'); },
      'zero span id': (d) => { span0(d).spanId = '0000000000000000'; },
      'two oneof members': (d) => { span0(d).attributes[0].value.boolValue = true; },
      'null value': (d) => { span0(d).name = null; },
      'spans not an array': (d) => { d.resourceSpans[0].scopeSpans[0].spans = span0(d); },
    };
    const accepted = [];
    for (const [what, mutate] of Object.entries(mutations)) {
      const d = JSON.parse(JSON.stringify(good));
      mutate(d);
      try {
        checkMessage(TracesData, d, 'mutated');
        roundTrip(d, 'mutated');
        accepted.push(what);
      } catch {
        // rejected, as it must be
      }
    }
    if (accepted.length) throw new Error(`accepted: ${accepted.join(', ')}`);
    pass(name);
  } catch (e) {
    fail(name, e.message);
  }
}

// ---- main ------------------------------------------------------------------------------

const received = [];
const server = new MockOtlpServer({
  services: ['http'],
  httpHostname: '127.0.0.1',
  httpPort: 0,
  logLevel: 'warn',
  onTrace: (t) => received.push(t),
});
await server.start();
try {
  for (const c of cases) {
    let golden = null;
    try {
      golden = c.golden ? readGolden(c.golden) : null;
    } catch (e) {
      fail(`golden ${c.name}`, e.message);
      continue;
    }
    let lines = [];
    try {
      lines = fs.readFileSync(c.otlp, 'utf8').split('\n').filter((l) => l.length > 0);
    } catch (e) {
      fail(`otlp-proto ${c.name}`, e.message);
      continue;
    }
    checkOtlp(c, golden, lines);
    if (c.strictness && lines.length) strictnessSelfTest(c, lines);
    await checkReceiver(c, server, received, lines);
    if (c.chrome) await checkChrome(c, golden);
    if (c.stderr && golden) checkSummary(c, golden);
  }
} finally {
  await server.close();
}
process.stdout.write(results.join('\n') + '\n');
process.exitCode = results.some((r) => r.startsWith('FAIL')) ? 1 : 0;
