#!/usr/bin/env node
// Prints the `wasm-instrument.sites` section of a module (version 1 or 2), one
// site a line:
//   ID KIND flags=F in=N out=N display=... symbol=... module=... field=...
// Names are shown as JSON strings of their latin1 bytes (so bad bytes are visible).
//   node dump-sites.mjs MODULE.wasm
import fs from 'node:fs';
import { decodeSiteTable, moduleRefs, SITES_SECTION } from '../../runtime-shim/node/site-table.mjs';

const bytes = fs.readFileSync(process.argv[2]);
const mod = new WebAssembly.Module(bytes);
const secs = WebAssembly.Module.customSections(mod, SITES_SECTION);
if (secs.length !== 1) {
  console.log(`${secs.length} ${SITES_SECTION} sections`);
  process.exit(secs.length ? 1 : 0);
}
const { version, sites } = decodeSiteTable(new Uint8Array(secs[0]), moduleRefs(bytes));
const name = (b) => JSON.stringify(Buffer.from(b).toString('latin1'));
console.log(`version ${version}, ${sites.length} sites`);
const kinds = ['function', 'import', 'export'];
for (const [i, s] of sites.entries()) {
  console.log(`${i} ${kinds[s.kind]} flags=${s.flags} in=${s.inputIndex} out=${s.outputIndex} display=${name(s.display)} symbol=${name(s.symbol)} module=${name(s.module)} field=${name(s.field)}`);
}
