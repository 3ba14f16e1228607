// A JS program using an instrumented library module the way emscripten or
// wasm-bindgen glue does, run with `node --import register.mjs` by
// tests/node-host/register.mjs: WebAssembly.instantiate, a trap caught by the
// program, a call back into the module from an import, a second instance
// through `new WebAssembly.Instance`, and a worker thread that is killed at
// process exit.
//   node --import .../register.mjs register-app.mjs MODULE.wasm
import fs from 'node:fs';
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';

const file = isMainThread ? process.argv[2] : workerData;
const bytes = fs.readFileSync(file);
let exports;
const imports = { env: { call_back: (n) => exports.run(n) } };

if (isMainThread) {
  ({ instance: { exports } } = await WebAssembly.instantiate(bytes, imports));
  console.log('run(5) =', exports.run(5));
  try {
    exports.run(0);
  } catch (e) {
    console.log('run(0):', e instanceof WebAssembly.RuntimeError ? 'trap' : e);
  }
  console.log('run(3) =', exports.run(3));
  console.log('reenter(2) =', exports.reenter(2));
  const second = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports;
  console.log('second run(1) =', second.run(1));
  const worker = new Worker(new URL(import.meta.url), { workerData: file });
  worker.on('message', (m) => {
    console.log(m);
    worker.unref(); // the process exits with the worker still blocked
  });
} else {
  ({ instance: { exports } } = await WebAssembly.instantiate(bytes, imports));
  parentPort.postMessage(`worker run(4) = ${exports.run(4)}`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // blocked until killed
}
