// A JS program that instantiates patched.wat twice, through
// WebAssembly.instantiate and `new WebAssembly.Instance`, and calls hot() on
// each (tests/node-host/patched-check.mjs).
//   node [--import .../register.mjs] patched-app.mjs MODULE.wasm
import fs from 'node:fs';

const bytes = fs.readFileSync(process.argv[2]);
const { instance } = await WebAssembly.instantiate(bytes, {});
console.log('hot(200000) =', instance.exports.hot(200000));
const second = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
console.log('second hot(100000) =', second.exports.hot(100000));
