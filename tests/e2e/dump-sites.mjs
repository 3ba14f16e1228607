#!/usr/bin/env node
// Prints the `wasm-instrument.sites` section of a module, one site a line:
//   ID KIND flags=F in=N out=N display=... symbol=... module=... field=...
// Names are shown as JSON strings of their latin1 bytes (so bad bytes are visible).
//   node dump-sites.mjs MODULE.wasm
import fs from 'node:fs';

const mod = new WebAssembly.Module(fs.readFileSync(process.argv[2]));
const secs = WebAssembly.Module.customSections(mod, 'wasm-instrument.sites');
if (secs.length !== 1) {
  console.log(`${secs.length} wasm-instrument.sites sections`);
  process.exit(secs.length ? 1 : 0);
}
const b = new Uint8Array(secs[0]);
let p = 0;
const byte = () => {
  if (p >= b.length) throw new Error('truncated');
  return b[p++];
};
const u32 = () => {
  let v = 0;
  for (let i = 0; i < 5; i++) {
    const x = byte();
    v += (x & 0x7f) * 2 ** (7 * i);
    if (!(x & 0x80)) return v;
  }
  throw new Error('LEB too long');
};
const name = () => {
  const n = u32();
  if (n > b.length - p) throw new Error('name past end');
  const s = Buffer.from(b.subarray(p, p + n)).toString('latin1');
  p += n;
  return JSON.stringify(s);
};
const version = u32();
const count = u32();
console.log(`version ${version}, ${count} sites`);
const kinds = ['function', 'import', 'export'];
for (let i = 0; i < count; i++) {
  const kind = byte(), flags = byte(), input = u32(), output = u32();
  console.log(`${i} ${kinds[kind] ?? `kind${kind}`} flags=${flags} in=${input} out=${output} display=${name()} symbol=${name()} module=${name()} field=${name()}`);
}
if (p !== b.length) console.log(`${b.length - p} trailing bytes`);
