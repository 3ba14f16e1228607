// Reading a module's sites (docs/hook-contract.md): the site table
// wasm-instrument wrote (site-table.mjs decodes it), or, for a module
// instrumented for observe-sdk's ABI, the function index space and its names.
import { SITES_SECTION, SiteTableError, decodeSiteTable, moduleRefs, compiledModuleRefs, Reader as ByteReader } from './site-table.mjs';
import { WasmObserveError, SITE_FUNCTION, SITE_IMPORT, SITE_EXPORT, HOOK_MODULE, OBSERVE_SDK_MODULE } from './observe-common.mjs';

const utf8 = new TextDecoder('utf-8'); // invalid bytes become U+FFFD

// A reader whose errors are this module's.
const moduleError = (message) => new WasmObserveError('MALFORMED', message);
class Reader extends ByteReader {
  constructor(bytes, start = 0, end = bytes.length) { super(bytes, start, end, moduleError); }
}

function latin1(bytes) { return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1'); }

// A site as the C library has it: kind, function index (output module), name
// (display), symbol, module, field; plus `raw`, the display name's bytes as a
// latin1 string (folded stacks copy the name's bytes as they are).
function makeSite(kind, functionIndex, nameBytes, symbol, module, field) {
  return {
    kind,
    functionIndex,
    name: utf8.decode(nameBytes),
    raw: latin1(nameBytes),
    symbol,
    module,
    field,
  };
}

// The site table (versions 1 and 2: site-table.mjs) as the C library's sites;
// `refs`, what a version 2 table names by reference (moduleRefs).
function parseSiteTable(bytes, refs) {
  let table;
  try {
    table = decodeSiteTable(bytes, refs);
  } catch (e) {
    if (e instanceof SiteTableError) throw new WasmObserveError(e.code, e.message);
    throw e;
  }
  return table.sites.map((s) => makeSite(s.kind, s.outputIndex, s.display, utf8.decode(s.symbol), utf8.decode(s.module), utf8.decode(s.field)));
}

// The sections of a module's bytes this file needs (the last custom section of
// a name wins, as in the C reader).
function findSections(bytes) {
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (bytes.length < 8 || header.some((b, i) => bytes[i] !== b)) throw new WasmObserveError('NOT_WASM', 'not a core wasm module');
  const r = new Reader(bytes, 8);
  const out = {};
  try {
    while (r.left() > 0) {
      const id = r.u8();
      const size = r.u32();
      if (size > r.left()) throw new WasmObserveError('NOT_WASM', 'section past the end');
      const start = r.p;
      const end = start + size;
      if (id === 2) out.imports = bytes.subarray(start, end);
      else if (id === 3) out.functions = bytes.subarray(start, end);
      else if (id === 0) {
        const s = new Reader(bytes, start, end);
        const name = latin1(s.bytes());
        if (name === SITES_SECTION) out.siteTable = bytes.subarray(s.p, end);
        else if (name === 'name') out.names = bytes.subarray(s.p, end);
      }
      r.p = end;
    }
  } catch (e) {
    if (e instanceof WasmObserveError) throw new WasmObserveError('NOT_WASM', e.message);
    throw e;
  }
  return out;
}

function skipImportDesc(r, kind) {
  switch (kind) {
    case 0: r.u32(); return; // func: type index
    case 1: { r.u8(); const f = r.u32(); r.u32(); if (f & 1) r.u32(); return; } // table
    case 2: { const f = r.u32(); r.u32(); if (f & 1) r.u32(); return; } // memory (memory64 not handled)
    case 3: r.u8(); r.u8(); return; // global: valtype (single byte) + mut
    case 4: r.u8(); r.u32(); return; // tag
    default: throw new WasmObserveError('MALFORMED', `import kind ${kind}`);
  }
}

// observe-sdk modules: ids are function indices, named by the name section.
function functionSpaceSites(imports, definedCount, namesBytes) {
  const sites = [];
  for (const im of imports) {
    sites.push({ kind: SITE_IMPORT, functionIndex: sites.length, symbol: null, module: im.module, field: im.field, nameBytes: null });
  }
  for (let i = 0; i < definedCount; i++) {
    sites.push({ kind: SITE_FUNCTION, functionIndex: sites.length, symbol: null, module: '', field: '', nameBytes: null });
  }
  if (namesBytes) {
    const r = new Reader(namesBytes);
    while (r.left() > 0) {
      const id = r.u8();
      const size = r.u32();
      if (size > r.left()) throw new WasmObserveError('MALFORMED', 'name subsection past the end');
      const end = r.p + size;
      if (id === 1) {
        const sub = new Reader(namesBytes, r.p, end);
        const count = sub.u32();
        for (let i = 0; i < count; i++) {
          const index = sub.u32();
          const name = sub.bytes();
          if (index >= sites.length || sites[index].nameBytes) continue;
          sites[index].nameBytes = name;
          sites[index].symbol = utf8.decode(name);
        }
      }
      r.p = end;
    }
  }
  return sites.map((s, i) => {
    let nameBytes = s.nameBytes;
    if (!nameBytes) {
      nameBytes = Buffer.from(s.kind === SITE_IMPORT ? `${s.module}.${s.field}` : `func[${i}]`, 'utf8');
    }
    return makeSite(s.kind, s.functionIndex, nameBytes, s.symbol ?? '', s.module, s.field);
  });
}

// observe-sdk modules call the hooks with output function indices: a site
// per function (imports first), named by the site table's entries where the
// module has one (wasm-instrument writes it also with --abi observe-sdk),
// else by the name section.
function observeSdkSites(imports, definedCount, namesBytes, table) {
  if (table) for (const s of table) if (s.kind !== SITE_EXPORT) definedCount = Math.max(definedCount, s.functionIndex + 1 - imports.length);
  const sites = functionSpaceSites(imports, definedCount, namesBytes);
  if (table) for (const s of table) if (s.kind !== SITE_EXPORT && s.functionIndex < sites.length) sites[s.functionIndex] = s;
  return sites;
}

function namedHighest(nameBytes) {
  let highest = -1;
  const r = new Reader(nameBytes);
  while (r.left() > 0) {
    const id = r.u8();
    const size = r.u32();
    const end = r.p + size;
    if (id === 1) {
      const sub = new Reader(nameBytes, r.p, end);
      const count = sub.u32();
      for (let i = 0; i < count; i++) { highest = Math.max(highest, sub.u32()); sub.bytes(); }
    }
    r.p = end;
  }
  return highest;
}

// What a version 2 site table names by reference, from the module's bytes; a
// malformed import or export section is a malformed module.
function sectionRefs(bytes) {
  try {
    return moduleRefs(bytes);
  } catch (e) {
    if (e instanceof SiteTableError) throw new WasmObserveError('NOT_WASM', e.message);
    throw e;
  }
}

function usesObserveSdk(imports) {
  return imports.some((d) => d.module === OBSERVE_SDK_MODULE) && !imports.some((d) => d.module === HOOK_MODULE);
}

// The site table of an instrumented module: bytes (Uint8Array, Buffer,
// ArrayBuffer) or a compiled WebAssembly.Module. Returns { sites, abi } where
// abi is 'wasm-instrument' or 'observe-sdk' (the module imports
// dylibso:observe/instrument: ids are function indices).
export function readSites(moduleOrBytes) {
  if (moduleOrBytes instanceof WebAssembly.Module) {
    const mod = moduleOrBytes;
    const tables = WebAssembly.Module.customSections(mod, SITES_SECTION);
    const table = tables.length ? parseSiteTable(new Uint8Array(tables[tables.length - 1]), compiledModuleRefs(mod)) : null;
    const imports = WebAssembly.Module.imports(mod).filter((d) => d.kind === 'function').map((d) => ({ module: d.module, field: d.name }));
    if (table && !usesObserveSdk(imports)) return { sites: table, abi: 'wasm-instrument' };
    const names = WebAssembly.Module.customSections(mod, 'name');
    if (!names.length && !table) throw new WasmObserveError('NO_SITE_TABLE', 'neither a site table nor a name section');
    // Without the bytes the defined-function count is unknown: size the space
    // by the highest named index.
    const nameBytes = names.length ? new Uint8Array(names[names.length - 1]) : null;
    const highest = nameBytes ? namedHighest(nameBytes) : -1;
    return { sites: observeSdkSites(imports, Math.max(0, highest + 1 - imports.length), nameBytes, table), abi: 'observe-sdk' };
  }
  let bytes = moduleOrBytes;
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array)) throw new WasmObserveError('INVALID_ARGUMENT', 'expected bytes or a WebAssembly.Module');
  const m = findSections(bytes);
  const imports = [];
  if (m.imports) {
    const r = new Reader(m.imports);
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      const module = utf8.decode(r.bytes());
      const field = utf8.decode(r.bytes());
      const kind = r.u8();
      skipImportDesc(r, kind);
      if (kind === 0) imports.push({ module, field });
    }
  }
  const table = m.siteTable ? parseSiteTable(m.siteTable, sectionRefs(bytes)) : null;
  if (table && !usesObserveSdk(imports)) return { sites: table, abi: 'wasm-instrument' };
  if (!m.names && !table) throw new WasmObserveError('NO_SITE_TABLE', 'neither a site table nor a name section');
  const defined = m.functions ? new Reader(m.functions).u32() : 0;
  return { sites: observeSdkSites(imports, defined, m.names ?? null, table), abi: 'observe-sdk' };
}
