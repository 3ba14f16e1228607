// Decoding of the `wasm-instrument.sites` custom section, versions 1 and 2
// (docs/hook-contract.md, "The site table"), for every JS reader of this
// project (the Node host, the component host, the test drivers). The C
// library's reader is runtime-shim/src/sites.c.
//
// decodeSiteTable(payload, refs) returns { version, sites }: each site is
// { kind, flags, inputIndex, outputIndex, display, symbol, module, field }, the
// four names as Uint8Array (their bytes; decode them as the caller needs). A
// version 2 table names most strings by reference to its module: `refs`
// (moduleRefs(moduleBytes)) holds them; without refs (a component's table),
// a site that names by reference is malformed. Errors are SiteTableError with
// `code` 'MALFORMED' or 'UNSUPPORTED_VERSION'; nothing is read out of bounds.

export const SITES_SECTION = 'wasm-instrument.sites';

export class SiteTableError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const malformed = (message) => new SiteTableError('MALFORMED', message);

// A bounds-checked reader of a module's bytes, [start, end): every read past
// the end throws `error(message)` (by default a MALFORMED SiteTableError).
export class Reader {
  constructor(bytes, start = 0, end = bytes.length, error = malformed) {
    this.b = bytes;
    this.p = start;
    this.end = end;
    this.error = error;
  }
  left() { return this.end - this.p; }
  u8() {
    if (this.p >= this.end) throw this.error('truncated');
    return this.b[this.p++];
  }
  u32() {
    let result = 0;
    for (let i = 0, shift = 0; i < 5; i++, shift += 7) {
      const b = this.u8();
      if (i === 4 && (b & 0xf0) !== 0) throw this.error('u32 out of range');
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw this.error('u32 too long');
  }
  skipLeb() { // any unsigned LEB128 up to 64 bits (memory64 limits)
    for (let i = 0; i < 10; i++) if ((this.u8() & 0x80) === 0) return;
    throw this.error('LEB128 too long');
  }
  bytes() {
    const len = this.u32();
    if (len > this.left()) throw this.error('name past the end');
    const out = this.b.subarray(this.p, this.p + len);
    this.p += len;
    return out;
  }
  skip(n) {
    if (n > this.left()) throw this.error('truncated');
    this.p += n;
  }
}

// The head byte of a v2 site: kind (bits 0-1), flags (2-4), and these.
const HEAD_INLINE = 0x20, HEAD_SAME_OFFSET = 0x40, HEAD_NEXT_EXPORT = 0x80;

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

// A zigzag step (a signed difference) added to `base`, modulo 2^32.
function step(base, z) {
  const d = (z >>> 1) ^ -(z & 1);
  return (base + d) >>> 0;
}

function concat(a, dot, b) {
  const out = new Uint8Array(a.length + 1 + b.length);
  out.set(a, 0);
  out[a.length] = dot;
  out.set(b, a.length + 1);
  return out;
}

function decodeV1(r) {
  const count = r.u32();
  // Each site takes at least 8 bytes: a count beyond that is a lie.
  if (count > r.left() / 8) throw malformed(`site count ${count} larger than the section`);
  const sites = new Array(count);
  for (let i = 0; i < count; i++) {
    const kind = r.u8(), flags = r.u8(), inputIndex = r.u32(), outputIndex = r.u32();
    if (kind > 2) throw malformed(`site ${i}: kind ${kind}`);
    sites[i] = { kind, flags, inputIndex, outputIndex, display: r.bytes(), symbol: r.bytes(), module: r.bytes(), field: r.bytes() };
  }
  return sites;
}

function decodeV2(r, refs) {
  const count = r.u32();
  if (count > r.left() / 2) throw malformed(`site count ${count} larger than the section`);
  const poolCount = r.u32();
  if (poolCount > r.left()) throw malformed(`string count ${poolCount} larger than the section`);
  const pool = new Array(poolCount);
  for (let i = 0; i < poolCount; i++) pool[i] = r.bytes();
  const poolRef = (i) => {
    const k = r.u32();
    if (k >= poolCount) throw malformed(`site ${i}: string ${k} out of range`);
    return pool[k];
  };
  const needRefs = (i) => {
    if (!refs) throw malformed(`site ${i} names by reference, and the table has no module`);
    return refs;
  };
  const sites = new Array(count);
  // The state the steps are relative to: the previous site's input index,
  // its output index minus its input index, the last export index named.
  let input = 0, offset = 0, exportIndex = 0;
  for (let i = 0; i < count; i++) {
    const head = r.u8();
    const kind = head & 3, flags = (head >> 2) & 7;
    const nextExport = (head & HEAD_NEXT_EXPORT) !== 0;
    if (kind > 2 || (nextExport && (kind === 1 || (head & HEAD_INLINE)))) throw malformed(`site ${i}: head byte ${head}`);
    input = step(input, r.u32());
    if (!(head & HEAD_SAME_OFFSET)) offset = step(0, r.u32());
    const outputIndex = (input + offset) >>> 0;
    const site = { kind, flags, inputIndex: input, outputIndex, display: EMPTY, symbol: EMPTY, module: EMPTY, field: EMPTY };
    if (head & HEAD_INLINE) {
      site.display = poolRef(i);
      site.symbol = poolRef(i);
      site.module = poolRef(i);
      site.field = poolRef(i);
    } else {
      const m = needRefs(i);
      const named = flags & 4 ? m.functionName(outputIndex) : undefined;
      if (named) site.symbol = named;
      if (kind === 0) {
        const display = nextExport ? 6 : r.u32(); // next_export: export one step on (2 * zigzag(1) + 2)
        if (display === 0) site.display = named ?? encoder.encode(`func[${input}]`);
        else if (display % 2 === 1) {
          const k = (display - 1) / 2;
          if (k >= poolCount) throw malformed(`site ${i}: string ${k} out of range`);
          site.display = pool[k];
        } else {
          exportIndex = step(exportIndex, display / 2 - 1);
          if (exportIndex >= m.exportNames.length) throw malformed(`site ${i}: export ${exportIndex} out of range`);
          site.display = m.exportNames[exportIndex];
        }
      } else if (kind === 1) {
        const imported = m.funcImports[outputIndex];
        if (!imported) throw malformed(`site ${i}: function ${outputIndex} is not an import`);
        site.module = imported.module;
        site.field = imported.field;
        site.display = concat(imported.module, 0x2e, imported.field);
      } else {
        exportIndex = nextExport ? (exportIndex + 1) >>> 0 : step(exportIndex, r.u32());
        if (exportIndex >= m.exportNames.length) throw malformed(`site ${i}: export ${exportIndex} out of range`);
        site.display = site.field = m.exportNames[exportIndex];
      }
    }
    sites[i] = site;
  }
  return sites;
}

export function decodeSiteTable(payload, refs) {
  const r = new Reader(payload instanceof Uint8Array ? payload : new Uint8Array(payload));
  const version = r.u32();
  let sites;
  if (version === 1) sites = decodeV1(r);
  else if (version === 2) sites = decodeV2(r, refs);
  else throw new SiteTableError('UNSUPPORTED_VERSION', `site table version ${version}`);
  if (version === 2 && r.left() !== 0) throw malformed(`${r.left()} bytes after the last site`);
  return { version, sites };
}

function skipImportDesc(r, kind) {
  const limits = () => { const f = r.u8(); r.skipLeb(); if (f & 1) r.skipLeb(); };
  switch (kind) {
    case 0: r.u32(); return; // func: type index
    case 1: { const t = r.u8(); if (t === 0x63 || t === 0x64) r.u32(); limits(); return; } // table
    case 2: limits(); return; // memory
    case 3: { const t = r.u8(); if (t === 0x63 || t === 0x64) r.u32(); r.u8(); return; } // global
    case 4: r.u8(); r.u32(); return; // tag
    default: throw malformed(`import kind ${kind}`);
  }
}

// The function names subsection as a Map (index -> bytes); a malformed or
// unordered name section gives no names (names are a convenience).
function functionNames(payload) {
  const names = new Map();
  try {
    const r = new Reader(payload);
    while (r.left() > 0) {
      const id = r.u8();
      const size = r.u32();
      if (size > r.left()) return new Map();
      const end = r.p + size;
      if (id === 1) {
        const s = new Reader(payload, r.p, end);
        let previous = -1;
        for (let i = 0, n = s.u32(); i < n; i++) {
          const index = s.u32();
          if (index <= previous) return new Map();
          previous = index;
          names.set(index, s.bytes());
        }
        return names;
      }
      r.p = end;
    }
  } catch (e) {
    if (e instanceof SiteTableError) return new Map();
    throw e;
  }
  return names;
}

// What a version 2 table of this module names by reference: the exports'
// names in export section order, the function imports in index order, the
// name section's function names. Also `siteTable`, the payload of the last
// site table section, if any. Throws SiteTableError('MALFORMED') on a
// malformed import or export section.
export function moduleRefs(moduleBytes) {
  const bytes = moduleBytes instanceof Uint8Array ? moduleBytes : new Uint8Array(moduleBytes);
  const out = { exportNames: [], funcImports: [], names: new Map(), siteTable: undefined };
  out.functionName = (index) => out.names.get(index);
  const r = new Reader(bytes, 8);
  while (r.left() > 0) {
    const id = r.u8();
    const size = r.u32();
    if (size > r.left()) throw malformed('section past the end');
    const s = new Reader(bytes, r.p, r.p + size);
    r.p += size;
    if (id === 0) {
      const name = s.bytes();
      const text = Buffer.from(name).toString('latin1');
      if (text === SITES_SECTION) out.siteTable = bytes.subarray(s.p, s.end);
      else if (text === 'name') out.names = functionNames(bytes.subarray(s.p, s.end));
    } else if (id === 2) {
      for (let i = 0, n = s.u32(); i < n; i++) {
        const module = s.bytes(), field = s.bytes(), kind = s.u8();
        skipImportDesc(s, kind);
        if (kind === 0) out.funcImports.push({ module, field });
      }
    } else if (id === 7) {
      for (let i = 0, n = s.u32(); i < n; i++) {
        out.exportNames.push(s.bytes());
        s.u8();
        s.u32();
      }
    }
  }
  return out;
}

// The same for a compiled WebAssembly.Module (no `siteTable`: use
// WebAssembly.Module.customSections). Names in a module are valid UTF-8, so
// their bytes are those of the strings the JS API gives.
export function compiledModuleRefs(mod) {
  const names = WebAssembly.Module.customSections(mod, 'name');
  const out = {
    exportNames: WebAssembly.Module.exports(mod).map((d) => encoder.encode(d.name)),
    funcImports: WebAssembly.Module.imports(mod).filter((d) => d.kind === 'function')
      .map((d) => ({ module: encoder.encode(d.module), field: encoder.encode(d.name) })),
    names: names.length ? functionNames(new Uint8Array(names[names.length - 1])) : new Map(),
  };
  out.functionName = (index) => out.names.get(index);
  return out;
}

// The site table of a module's bytes: { version, sites }, or undefined when it
// has none.
export function readModuleSites(moduleBytes) {
  const refs = moduleRefs(moduleBytes);
  return refs.siteTable === undefined ? undefined : decodeSiteTable(refs.siteTable, refs);
}
