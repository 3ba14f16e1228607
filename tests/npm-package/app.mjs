// A JavaScript program that loads its WebAssembly module itself (as
// emscripten or wasm-bindgen glue does): the preload (wasm-observe/register)
// gives it the hooks. Runs a WASI command: node app.mjs MODULE.wasm
import fs from 'node:fs';
import { WASI } from 'node:wasi';

const wasi = new WASI({ version: 'preview1', args: ['app'], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(fs.readFileSync(process.argv[2]));
const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
process.exitCode = wasi.start(instance);
