#!/usr/bin/env node
// Runs a component through jco with no-op tracing hosts, for bench/component.sh.
//
//   node run-workload.mjs NODE_MODULES COMPONENT.wasm JS_DIR [NAME ARG]
//
// jco and preview2-shim come from NODE_MODULES (a node_modules directory),
// so that one script runs both jco versions. The component is transpiled
// into JS_DIR once (reused when it holds the files). Imports: WASI
// (preview2-shim) and, where the component imports them, hooks that count
// enters (wasm-instrument:hooks/trace), a wasi:otel/tracing host whose
// on-end only counts (its outer span context is a fixed valid one), and a
// wasi:observe/tracer host whose spans do nothing.
// With NAME ARG it calls that export once to warm up, then once timed, and
// prints "elapsed_ms N"; else it runs wasi:cli/run, whose workload prints
// its own "elapsed_ms N". On stderr: "spans N" (enters, on-ends or starts).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { coreModuleLoader, transpiled } from '../../tests/component/transpiled.mjs';

const [nodeModules, componentPath, jsDir, callName, callArg] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(nodeModules), '..', 'package.json'));
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);
const { transpile } = await load('@bytecodealliance/jco');
const { WASIShim } = await load('@bytecodealliance/preview2-shim/instantiation');

const instantiate = await transpiled(transpile, fs.readFileSync(componentPath), jsDir);

let spans = 0;
const imports = new WASIShim({ sandbox: { args: ['workload'], env: {} } }).getImportObject();
imports['wasm-instrument:hooks/trace'] = { enter() { spans++; }, exit() {} };
const outer = {
  traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331',
  traceFlags: { sampled: true }, isRemote: false, traceState: [],
};
imports['wasi:otel/tracing'] = { onStart() {}, onEnd() { spans++; }, outerSpanContext: () => outer };
imports['wasi:clocks/wall-clock'] ??= { now: () => ({ seconds: 0n, nanoseconds: 0 }) };
class Span {
  end() {}
  setStatus() {}
}
imports['wasi:observe/tracer'] = { Span, start() { spans++; return new Span(); } };
process.on('exit', () => process.stderr.write(`spans ${spans}\n`));
const instance = await instantiate(coreModuleLoader(jsDir), imports);
if (callName) {
  const fn = instance[callName];
  fn(Number(callArg));
  spans = 0;
  const t0 = performance.now();
  fn(Number(callArg));
  process.stdout.write(`elapsed_ms ${(performance.now() - t0).toFixed(2)}\n`);
} else {
  instance.run.run();
}
