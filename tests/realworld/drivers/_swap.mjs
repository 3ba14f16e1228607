// Shared by the drivers: run a package with its .wasm replaced by $WASM_PATH.
//
// swapWasm(originalPath) wraps the WebAssembly entry points (Module, compile,
// instantiate, validate, compileStreaming, instantiateStreaming) so that when
// the package hands over exactly the bytes of `originalPath`, the bytes of
// $WASM_PATH are used instead. Matching by content does not depend on how the
// package finds or reads its file. Modules that are passed to worker threads as
// WebAssembly.Module objects are already the swapped ones.
//
// Without WASM_PATH nothing is patched. With it, the process exits with code 97
// if the package never loaded the original bytes (so a swap that silently did not
// happen cannot pass as "identical output").
import { readFileSync } from 'node:fs';

let original = null;
let replacement = null;
let swaps = 0;

function asBytes(source) {
  if (source instanceof Uint8Array) return source;
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (source instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && source instanceof SharedArrayBuffer)) {
    return new Uint8Array(source);
  }
  return null;
}

function swap(source) {
  const bytes = asBytes(source);
  if (bytes && bytes.byteLength === original.byteLength && Buffer.compare(bytes, original) === 0) {
    swaps++;
    return replacement;
  }
  return source;
}

async function swapResponse(source) {
  const response = await source;
  if (response && typeof response.arrayBuffer === 'function') {
    return swap(await response.arrayBuffer());
  }
  return response;
}

export function swapWasm(originalPath) {
  const path = process.env.WASM_PATH;
  if (!path) return;
  original = readFileSync(originalPath);
  const repl = readFileSync(path);
  replacement = new Uint8Array(repl.buffer, repl.byteOffset, repl.byteLength);
  process.on('exit', checkSwapped);

  const W = globalThis.WebAssembly;
  const { Module, compile, instantiate, validate, compileStreaming, instantiateStreaming } = W;
  W.Module = new Proxy(Module, {
    construct(target, [bytes, ...rest], newTarget) {
      return Reflect.construct(target, [swap(bytes), ...rest], newTarget);
    },
  });
  W.compile = function (bytes, ...rest) { return compile.call(W, swap(bytes), ...rest); };
  W.validate = function (bytes, ...rest) { return validate.call(W, swap(bytes), ...rest); };
  W.instantiate = function (source, ...rest) {
    return instantiate.call(W, source instanceof Module ? source : swap(source), ...rest);
  };
  // Streaming: read the response and go through the byte paths above.
  if (compileStreaming) {
    W.compileStreaming = async function (source, ...rest) {
      return W.compile(await swapResponse(source), ...rest);
    };
  }
  if (instantiateStreaming) {
    W.instantiateStreaming = async function (source, ...rest) {
      return W.instantiate(await swapResponse(source), ...rest);
    };
  }
}

function checkSwapped() {
  if (swaps === 0) {
    process.stderr.write(`driver: the package never loaded its .wasm, WASM_PATH=${process.env.WASM_PATH} was not used\n`);
    process.exitCode = 97;
  }
}
