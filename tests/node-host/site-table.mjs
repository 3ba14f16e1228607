// The JS reader of the site table (runtime-shim/node/site-table.mjs), as the C
// reader's unit test (tests/unit/test_sites.c) checks runtime-shim/src/sites.c:
// the version 2 tables of instrumented modules read as their version 1
// re-encoding does, the Node host's readSites agrees for bytes and compiled
// modules, and malformed version 2 tables (lying counts, references out of
// range, bad head bytes, truncations, changed bytes) are rejected with
// SiteTableError, never another exception. Prints PASS/FAIL lines.
//   node site-table.mjs INSTRUMENTED.wasm...
import fs from 'node:fs';
import path from 'node:path';
import { SiteTableError, decodeSiteTable, moduleRefs, readModuleSites } from '../../runtime-shim/node/site-table.mjs';
import { readSites } from '../../runtime-shim/node/wasm-observe.mjs';

const out = [];
const ok = (name, cond, why = '') => out.push(cond ? `PASS site-table ${name}` : `FAIL site-table ${name}: ${why}`);

const leb = (n) => { const b = []; do { let x = n & 0x7f; n >>>= 7; if (n) x |= 0x80; b.push(x); } while (n); return b; };
const str = (bytes) => [...leb(bytes.length), ...bytes];

// The sites written again as a version 1 table.
function asVersion1(sites) {
  const bytes = [...leb(1), ...leb(sites.length)];
  for (const s of sites) {
    bytes.push(s.kind, s.flags, ...leb(s.inputIndex), ...leb(s.outputIndex), ...str(s.display), ...str(s.symbol), ...str(s.module), ...str(s.field));
  }
  return new Uint8Array(bytes);
}

const text = (s) => [s.kind, s.flags, s.inputIndex, s.outputIndex, ...[s.display, s.symbol, s.module, s.field].map((b) => Buffer.from(b).toString('latin1'))].join(' ');

// Decoded, or the SiteTableError's code; any other exception is a failure.
function outcome(payload, refs) {
  try {
    return decodeSiteTable(payload, refs);
  } catch (e) {
    if (e instanceof SiteTableError) return e.code;
    return `threw ${e.constructor.name}: ${e.message}`;
  }
}

for (const file of process.argv.slice(2)) {
  const name = path.basename(file);
  const bytes = new Uint8Array(fs.readFileSync(file));
  const refs = moduleRefs(bytes);
  const table = readModuleSites(bytes);
  ok(`${name} is version 2`, table?.version === 2, `version ${table?.version}`);
  const again = decodeSiteTable(asVersion1(table.sites));
  ok(`${name} reads as its version 1 form`, again.version === 1 && again.sites.map(text).join('\n') === table.sites.map(text).join('\n'));
  const fromBytes = readSites(bytes).sites.map((s) => `${s.kind} ${s.functionIndex} ${s.name} ${s.symbol} ${s.module} ${s.field}`).join('\n');
  const fromModule = readSites(new WebAssembly.Module(bytes)).sites.map((s) => `${s.kind} ${s.functionIndex} ${s.name} ${s.symbol} ${s.module} ${s.field}`).join('\n');
  ok(`${name} the Node host reads bytes and modules alike`, fromBytes === fromModule && fromBytes.split('\n').length === table.sites.length);
  let bad = [];
  for (let n = 0; n < refs.siteTable.length; n++) {
    const r = outcome(refs.siteTable.subarray(0, n), refs);
    if (r !== 'MALFORMED') bad.push(`${n}: ${typeof r === 'string' ? r : 'read'}`);
  }
  ok(`${name} every truncation is malformed`, bad.length === 0, bad.slice(0, 3).join('; '));
  bad = [];
  const changed = new Uint8Array(refs.siteTable);
  for (let i = 0; i < changed.length; i++) {
    for (const v of [0x00, 0x01, 0x7f, 0x80, 0xff, 0x20, 0x40]) {
      const keep = changed[i];
      changed[i] = v;
      const r = outcome(changed, refs);
      if (typeof r === 'string' && r.startsWith('threw')) bad.push(`byte ${i} = ${v}: ${r}`);
      changed[i] = keep;
    }
  }
  ok(`${name} changed bytes are read or rejected`, bad.length === 0, bad.slice(0, 3).join('; '));
}

// Hand-made tables against a module with function imports env.log, env.now,
// exports mem, main, work, and names for functions 3 (main) and 4 (_Z4workv):
// the cases of tests/unit/test_sites.c.
const enc = new TextEncoder();
const refs = {
  exportNames: ['mem', 'main', 'work'].map((s) => enc.encode(s)),
  funcImports: [{ module: enc.encode('env'), field: enc.encode('log') }, { module: enc.encode('env'), field: enc.encode('now') }],
  names: new Map([[3, enc.encode('main')], [4, enc.encode('_Z4workv')]]),
};
refs.functionName = (i) => refs.names.get(i);
const cases = [
  ['a lying site count', [2, 100, 0, 0x00, 0, 0], 'MALFORMED'],
  ['a lying string count', [2, 1, 50, 1, 0x61], 'MALFORMED'],
  ['a string past the end', [2, 1, 1, 9, 0x61, 0x00, 0, 0], 'MALFORMED'],
  ['kind 3', [2, 1, 0, 0x03, 0, 0, 0], 'MALFORMED'],
  ['next-export on an import site', [2, 1, 0, 0x81, 2, 0], 'MALFORMED'],
  ['next-export on an inline site', [2, 1, 1, 0, 0xa2, 0, 0, 0, 0, 0, 0], 'MALFORMED'],
  ['an inline string out of range', [2, 1, 1, 0, 0x20, 0, 0, 0, 0, 0, 1], 'MALFORMED'],
  ['a pool display out of range', [2, 1, 0, 0x00, 0, 0, 1], 'MALFORMED'],
  ['an export display out of range', [2, 1, 0, 0x00, 0, 0, 14], 'MALFORMED'],
  ['an export display below zero', [2, 1, 0, 0x00, 0, 0, 4], 'MALFORMED'],
  ['an export site out of range', [2, 1, 0, 0x02, 0, 0, 6], 'MALFORMED'],
  ['an import site on a defined function', [2, 1, 0, 0x01, 0, 4], 'MALFORMED'],
  ['an import site below zero', [2, 1, 0, 0x01, 1, 0], 'MALFORMED'],
  ['a truncated site', [2, 1, 0, 0x00, 0], 'MALFORMED'],
  ['trailing bytes', [2, 1, 0, 0x00, 0, 0, 0, 7], 'MALFORMED'],
  ['an unknown version', [3, 0, 0], 'UNSUPPORTED_VERSION'],
  ['an empty table', [2, 0, 0], 'read'],
  ['a function site by reference', [2, 1, 0, 0x00, 0, 0, 0], 'func[0]'],
  ['an export site named by its step', [2, 1, 0, 0x82, 2, 6], 'main'],
  ['a function site named by the next export', [2, 1, 0, 0x80, 0, 0], 'main'],
  ['a named function site', [2, 1, 0, 0x10, 2, 4, 0], 'main'],
  ['an import site', [2, 1, 0, 0x01, 2, 0], 'env.now'],
];
for (const [what, bytes, want] of cases) {
  const r = outcome(new Uint8Array(bytes), refs);
  const got = typeof r === 'string' ? r : r.sites.length ? Buffer.from(r.sites[0].display).toString('latin1') : 'read';
  ok(what, got === want, `got ${got}, want ${want}`);
}
ok('a table by reference without its module', outcome(new Uint8Array([2, 1, 0, 0x00, 0, 0, 0])) === 'MALFORMED');

console.log(out.join('\n'));
process.exit(out.some((l) => l.startsWith('FAIL')) ? 1 : 0);
