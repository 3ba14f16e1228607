// node check-sites.mjs INPUT.wasm OUTPUT.wasm
//
// Checks the `wasm-instrument.sites` custom section of OUTPUT against the
// contract (docs/hook-contract.md) and against INPUT's imports and exports.
// Prints `sites: N (function F, import I, export E)` and exits 0, or prints
// every problem found (at most 20) on stderr and exits 1.
import { readFileSync } from 'node:fs';

import { decodeSiteTable, moduleRefs, SITES_SECTION as SECTION } from '../../runtime-shim/node/site-table.mjs';

const problems = [];
const LIMIT = Number(process.env.CHECK_SITES_LIMIT ?? 20);
const problem = (msg) => { if (problems.length < LIMIT) problems.push(msg); };

class Reader {
  constructor(bytes, pos = 0, end = bytes.length) { this.b = bytes; this.pos = pos; this.end = end; }
  byte() {
    if (this.pos >= this.end) throw new Error(`unexpected end at offset ${this.pos}`);
    return this.b[this.pos++];
  }
  u32() {
    let result = 0, shift = 0, byte;
    do {
      byte = this.byte();
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (shift > 35) throw new Error(`LEB128 too long at offset ${this.pos}`);
    } while (byte & 0x80);
    if (result > 0xffffffff) throw new Error(`u32 out of range at offset ${this.pos}`);
    return result;
  }
  bytes(n) {
    if (this.pos + n > this.end) throw new Error(`unexpected end at offset ${this.pos}`);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  name() {
    const at = this.pos;
    const raw = this.bytes(this.u32());
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      problem(`invalid UTF-8 in the name at offset ${at}: ${Buffer.from(raw).toString('hex')}`);
      return new TextDecoder().decode(raw);
    }
  }
}

// A site table string: UTF-8, or a problem.
function text(raw) {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    problem(`invalid UTF-8 in a site table name: ${Buffer.from(raw).toString('hex')}`);
    return new TextDecoder().decode(raw);
  }
}

// Just enough of a module: function imports, defined function count, exports,
// custom sections by name.
function parseModule(bytes) {
  const r = new Reader(bytes, 8);
  const m = { funcImports: [], definedFuncs: 0, exports: [], customs: new Map() };
  while (r.pos < r.end) {
    const id = r.byte();
    const size = r.u32();
    const body = new Reader(bytes, r.pos, r.pos + size);
    r.pos += size;
    if (id === 0) {
      const name = body.name();
      if (!m.customs.has(name)) m.customs.set(name, []);
      m.customs.get(name).push(bytes.subarray(body.pos, body.end));
    } else if (id === 2) {
      for (let i = 0, n = body.u32(); i < n; i++) {
        const module = body.name(), field = body.name(), kind = body.byte();
        if (kind === 0) { body.u32(); m.funcImports.push({ module, field }); }
        else if (kind === 1) { body.byte(); limits(body); }
        else if (kind === 2) limits(body);
        else if (kind === 3) { valtype(body); body.byte(); }
        else if (kind === 4) { body.byte(); body.u32(); }
        else throw new Error(`unknown import kind ${kind}`);
      }
    } else if (id === 3) {
      m.definedFuncs = body.u32();
    } else if (id === 7) {
      for (let i = 0, n = body.u32(); i < n; i++) {
        const name = body.name(), kind = body.byte(), index = body.u32();
        m.exports.push({ name, kind, index });
      }
    }
  }
  return m;
}
function limits(r) { const flags = r.byte(); r.u32(); if (flags & 1) r.u32(); }
function valtype(r) {
  const t = r.byte();
  // reference types with a heap type index (typed function references / GC)
  if (t === 0x63 || t === 0x64) r.u32();
}

const [inPath, outPath] = process.argv.slice(2);
if (!inPath || !outPath) {
  console.error('usage: node check-sites.mjs INPUT.wasm OUTPUT.wasm');
  process.exit(2);
}
const input = parseModule(readFileSync(inPath));
const outBytes = readFileSync(outPath);
const output = parseModule(outBytes);
const inTotal = input.funcImports.length + input.definedFuncs;
const outTotal = output.funcImports.length + output.definedFuncs;
const inFuncExports = input.exports.filter((e) => e.kind === 0);

const sections = output.customs.get(SECTION) ?? [];
if (sections.length !== 1) {
  console.error(`check-sites: ${sections.length} ${SECTION} sections in the output, want 1`);
  process.exit(1);
}
const counts = [0, 0, 0];
try {
  const { version, sites } = decodeSiteTable(sections[0], moduleRefs(outBytes));
  if (version !== 2) throw new Error(`version ${version}, want 2`);
  const count = sites.length;
  if (count === 0) problem('the site table is empty');
  const functionSites = new Map();
  const exportSites = new Set();
  const functionOut = new Map();
  const exportOut = [];
  for (let id = 0; id < count; id++) {
    const { kind, flags, inputIndex: inIdx, outputIndex: outIdx } = sites[id];
    const [display, symbol, module, field] = [sites[id].display, sites[id].symbol, sites[id].module, sites[id].field].map(text);
    const where = `site ${id} (kind ${kind}, ${JSON.stringify(display)})`;
    counts[kind] = (counts[kind] ?? 0) + 1;
    if (kind > 2) { problem(`${where}: unknown kind`); continue; }
    if (flags & ~7) problem(`${where}: reserved flag bits set: ${flags}`);
    if (inIdx >= inTotal) problem(`${where}: input_index ${inIdx} >= ${inTotal} functions in the input`);
    if (outIdx >= outTotal) problem(`${where}: output_index ${outIdx} >= ${outTotal} functions in the output`);
    if (display === '') problem(`${where}: empty display name`);
    if (/^fimport\$\d+$/.test(display) || /^\d+$/.test(display)) problem(`${where}: Binaryen-internal display name`);
    const exportedAs = inFuncExports.filter((e) => e.index === inIdx).map((e) => e.name);
    if (kind === 0) {
      if (inIdx < input.funcImports.length) problem(`${where}: function site for imported function ${inIdx}`);
      if (outIdx < output.funcImports.length) problem(`${where}: output_index ${outIdx} is an import in the output`);
      if (module !== '' || field !== '') problem(`${where}: module/field not empty`);
      if (!!(flags & 1) !== exportedAs.length > 0) problem(`${where}: flag 'exported' is ${flags & 1}, the input exports it as [${exportedAs}]`);
      if (functionSites.has(inIdx)) problem(`${where}: second function site for input function ${inIdx} (first: site ${functionSites.get(inIdx)})`);
      functionSites.set(inIdx, id);
      functionOut.set(inIdx, outIdx);
      if (!(flags & 4) && exportedAs.length === 0 && display !== `func[${inIdx}]`) {
        problem(`${where}: no name section name and not exported, so the display name should be func[${inIdx}]`);
      }
      if (!(flags & 4) && symbol !== '') problem(`${where}: symbol ${JSON.stringify(symbol)} without the name-section flag`);
    } else if (kind === 1) {
      const imp = input.funcImports[inIdx];
      if (!imp) { problem(`${where}: input_index ${inIdx} is not an imported function of the input`); continue; }
      if (imp.module !== module || imp.field !== field) {
        problem(`${where}: module/field ${JSON.stringify(module)}/${JSON.stringify(field)}, the input imports ${JSON.stringify(imp.module)}/${JSON.stringify(imp.field)}`);
      }
      const outImp = output.funcImports[outIdx];
      if (!outImp || outImp.module !== imp.module || outImp.field !== imp.field) {
        problem(`${where}: output_index ${outIdx} is not the same import in the output`);
      }
    } else {
      if (module !== '') problem(`${where}: export site with module ${JSON.stringify(module)}`);
      if (!exportedAs.includes(field)) {
        problem(`${where}: field ${JSON.stringify(field)} is not an export of input function ${inIdx} (it is exported as [${exportedAs}])`);
      }
      if (display !== field) problem(`${where}: display ${JSON.stringify(display)} != field ${JSON.stringify(field)}`);
      if (!output.exports.some((e) => e.kind === 0 && e.name === field)) problem(`${where}: the output has no function export ${JSON.stringify(field)}`);
      if (exportSites.has(field)) problem(`${where}: second export site for ${JSON.stringify(field)}`);
      exportSites.add(field);
      exportOut.push([where, inIdx, outIdx]);
    }
  }
  for (const [where, inIdx, outIdx] of exportOut) {
    if (functionOut.has(inIdx) && functionOut.get(inIdx) !== outIdx) {
      problem(`${where}: output_index ${outIdx}, but the function site of input function ${inIdx} says ${functionOut.get(inIdx)}`);
    }
  }
} catch (e) {
  problem(`unreadable site table: ${e.message}`);
}

if (problems.length) {
  for (const p of problems) console.error(`check-sites: ${p}`);
  process.exit(1);
}
console.log(`sites: ${counts[0] + counts[1] + counts[2]} (function ${counts[0]}, import ${counts[1]}, export ${counts[2]})`);
