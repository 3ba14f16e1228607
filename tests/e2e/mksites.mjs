#!/usr/bin/env node
// Appends a `wasm-instrument.sites` custom section (docs/hook-contract.md) to a
// module, for the host self-test (a hand-instrumented module; no rewriter needed).
//
//   node mksites.mjs IN.wasm OUT.wasm SITES.json
//
// SITES.json: [{ "kind": 0|1|2, "flags": N, "input": N, "output": N,
//                "display": "...", "display_hex": "c3a9..." (raw bytes, instead
//                of display), "symbol": "", "module": "", "field": "" }, ...]
import fs from 'node:fs';

const [inPath, outPath, sitesPath] = process.argv.slice(2);
if (!sitesPath) {
  process.stderr.write('usage: mksites.mjs IN.wasm OUT.wasm SITES.json\n');
  process.exit(2);
}

function u32(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}
const name = (buf) => Buffer.concat([u32(buf.length), buf]);
const str = (s) => name(Buffer.from(s ?? '', 'utf8'));

const sites = JSON.parse(fs.readFileSync(sitesPath, 'utf8'));
const parts = [u32(1), u32(sites.length)];
for (const s of sites) {
  parts.push(Buffer.from([s.kind, s.flags ?? 0]), u32(s.input ?? 0), u32(s.output ?? 0));
  parts.push(s.display_hex !== undefined ? name(Buffer.from(s.display_hex, 'hex')) : str(s.display));
  parts.push(str(s.symbol), str(s.module), str(s.field));
}
const payload = Buffer.concat([str('wasm-instrument.sites'), ...parts]);
const section = Buffer.concat([Buffer.from([0]), u32(payload.length), payload]);
fs.writeFileSync(outPath, Buffer.concat([fs.readFileSync(inPath), section]));
