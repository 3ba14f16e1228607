#!/usr/bin/env node
// Component host for the tests: runs a WASI command component through jco.
//
//   node run-component.mjs COMPONENT.wasm TRACE_OUT [args...]
//
// Transpiles the component with jco (instantiation mode, into
// $COMPONENT_JS_DIR or a temporary directory), gives it WASI from
// @bytecodealliance/preview2-shim (arguments: the component's file name, then
// args; an empty environment) and, when it imports the hook interface
// (`--link hooks`), hooks that record the calls (with --link wasi-otel or
// wasi-observe, hosts of those interfaces that record the guest shim's spans); runs `wasi:cli/run`, and
// writes the calls as folded stacks with call counts to TRACE_OUT in the e2e
// format (tests/e2e/folded-trace.mjs), named by the component's site table.
//
// With COMPONENT_CALL="NAME ARG..." it calls that export instead of
// wasi:cli/run and prints the result as JSON.
//
// Exit status: 0, or 1 when the program exits with an error (the WASI
// preview2 exit carries only ok/err); 134 after a trap (a line "trap: ..." on
// stderr); 2 for a host error.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { transpile } from '@bytecodealliance/jco';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { Recorder, siteNames } from '../e2e/folded-trace.mjs';
import { coreModuleLoader, transpiled } from './transpiled.mjs';

const HOOKS = 'wasm-instrument:hooks/trace';
const SITES_SECTION = 'wasm-instrument.sites';
const TRAP_EXIT = 134;

function die(msg) {
  process.stderr.write(`run-component: ${msg}\n`);
  process.exit(2);
}

const [componentPath, traceOut, ...progArgs] = process.argv.slice(2);
if (!componentPath || !traceOut) die('usage: run-component.mjs COMPONENT.wasm TRACE_OUT [args...]');

// The payload of a custom section of the component itself (not of a module
// or component nested in it).
function topLevelCustomSection(bytes, wanted) {
  let p = 8;
  const u32 = () => {
    let result = 0, shift = 0;
    for (;;) {
      const b = bytes[p++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = u32();
    const end = p + size;
    if (id === 0) {
      const len = u32();
      const name = Buffer.from(bytes.subarray(p, p + len)).toString('utf8');
      if (name === wanted) return bytes.subarray(p + len, end);
    }
    p = end;
  }
  return null;
}

const bytes = new Uint8Array(fs.readFileSync(componentPath));
const table = topLevelCustomSection(bytes, SITES_SECTION);
let names = null;
if (table) {
  try { names = siteNames(table); } catch (e) { die(`bad ${SITES_SECTION} section: ${e.message}`); }
}
const rec = new Recorder(names);

const outDir = process.env.COMPONENT_JS_DIR ||
  fs.mkdtempSync(path.join(os.tmpdir(), 'component-js-'));
let instantiate;
try {
  instantiate = await transpiled(transpile, bytes, outDir);
} catch (e) {
  die(`jco transpile failed: ${e.message ?? e}`);
}

const shim = new WASIShim({ sandbox: { args: [path.basename(componentPath), ...progArgs], env: {} } });
const imports = shim.getImportObject();
imports[HOOKS] = { enter: (id) => rec.enter(id), exit: (id) => rec.exit(id) };
// The guest shim's interfaces (--link wasi-otel, wasi-observe): the spans
// become the same folded trace (tests/component-otel checks the rest of what
// the shim sends). wasi:observe/tracer nests by the order of start and end,
// so its spans go through the recorder, named by kind and name. A wasi:otel
// span says its parent: the tree is built from the ended spans at the end;
// "open" counts the spans started and never ended, "unbalanced" those whose
// parent is missing or whose end came without a start.
const outerContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331',
  traceFlags: { sampled: true }, isRemote: false, traceState: [],
};
const otelStarted = new Set();
const otelEnded = new Map();
let otelBad = 0;
imports['wasi:otel/tracing'] = {
  onStart(context) { otelStarted.add(context.spanId); },
  onEnd(span) {
    if (!otelStarted.has(span.spanContext.spanId)) otelBad++;
    otelEnded.set(span.spanContext.spanId, span);
  },
  outerSpanContext: () => outerContext,
};
const frame = (kind, name) => (kind === 'server' ? 'export:' : kind === 'client' ? 'import:' : '') + name;
const observeIds = new Map();
class Span {
  constructor(id) { this.id = id; }
  end() { rec.exit(this.id); }
  setStatus() {}
}
imports['wasi:observe/tracer'] = {
  Span,
  start(name, options) {
    const key = frame(options?.spanKind, name);
    if (!observeIds.has(key)) { observeIds.set(key, rec.names.length); rec.names.push(key); }
    rec.enter(observeIds.get(key));
    return new Span(observeIds.get(key));
  },
};

function otelFolded() {
  const counts = new Map();
  const path = (span, depth) => {
    const parent = otelEnded.get(span.parentSpanId);
    if (!parent && span.parentSpanId !== outerContext.spanId) otelBad++;
    const own = frame(span.spanKind, span.name.replace(/;/g, ':'));
    return parent && depth < 1000 ? `${path(parent, depth + 1)};${own}` : own;
  };
  for (const span of otelEnded.values()) {
    const p = path(span, 0);
    counts.set(p, (counts.get(p) || 0) + 1);
  }
  const lines = [...counts].map(([p, n]) => `${p} ${n}`);
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  lines.push(`# unbalanced ${otelBad} open ${otelStarted.size - otelEnded.size} invalid 0 truncated 0`);
  return lines.join('\n') + '\n';
}

let written = false;
function finish() {
  if (written) return;
  written = true;
  const folded = otelStarted.size > 0 ? otelFolded() : rec.folded();
  fs.writeFileSync(traceOut, Buffer.from(folded, 'latin1'));
}
// wasi:cli/exit ends the process from inside the call (preview2-shim calls
// process.exit): the trace is written on the way out.
process.on('exit', finish);

let instance;
try {
  instance = await instantiate(coreModuleLoader(outDir), imports);
} catch (e) {
  die(`instantiation failed: ${e.message ?? e}`);
}
// COMPONENT_CALL="NAME ARG...": call that export with numeric arguments and
// print its result as JSON, instead of running wasi:cli/run.
const call = process.env.COMPONENT_CALL ? process.env.COMPONENT_CALL.split(' ') : null;
let entry;
if (call) {
  const fn = instance[call[0]];
  if (typeof fn !== 'function') die(`the component exports no function ${call[0]}`);
  entry = () => process.stdout.write(`${JSON.stringify(fn(...call.slice(1).map(Number)))}\n`);
} else {
  const run = instance.run ?? Object.values(instance).find((v) => typeof v?.run === 'function');
  if (!run) die('the component exports no wasi:cli/run');
  entry = () => run.run();
}
let code = 0;
try {
  entry();
} catch (e) {
  if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
    process.stderr.write(`trap: ${e.message}\n`);
    code = TRAP_EXIT;
  } else if (e?.payload !== undefined || e?.constructor?.name === 'ComponentError') {
    code = 1; // run returned err
  } else {
    throw e;
  }
}
finish();
process.exitCode = code;
