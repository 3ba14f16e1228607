// A small, independent implementation of the Component Model's Canonical ABI
// (design/mvp/CanonicalABI.md of the component-model repository: alignment,
// elem_size, load, store, flattening and flat lifting) for the types the guest
// shim exchanges with wasi:otel and wasi:observe, with the spec's traps
// (misaligned or out-of-bounds pointers, invalid UTF-8, bad discriminants).
// The JS stubs of the WASI functions decode what the shim passes with it, so
// a layout mistake in the shim shows up as a wrong value or a trap here.

export class Trap extends Error {}
const trapIf = (cond, what) => { if (cond) throw new Trap(what); };

// Types: { k: 'bool'|'u8'|'u32'|'u64'|'s64'|'f64'|'string' } and
// list(t), record([[label, t]...]), variant([[label, t|null]...]), flags([...]).
export const bool = { k: 'bool' }, u8 = { k: 'u8' }, u32 = { k: 'u32' }, u64 = { k: 'u64' };
export const s64 = { k: 's64' }, f64 = { k: 'f64' }, string = { k: 'string' };
export const list = (t) => ({ k: 'list', t });
export const record = (fields) => ({ k: 'record', fields });
export const tuple = (...ts) => record(ts.map((t, i) => [String(i), t]));
export const variant = (cases) => ({ k: 'variant', cases });
export const enumType = (labels) => ({ ...variant(labels.map((l) => [l, null])), enumLabels: labels });
export const option = (t) => ({ ...variant([['none', null], ['some', t]]), isOption: true });
export const flags = (labels) => ({ k: 'flags', labels });

const alignTo = (ptr, a) => Math.ceil(ptr / a) * a;

function discriminantType(cases) {
  const n = cases.length;
  return n <= 256 ? u8 : n <= 65536 ? { k: 'u16' } : u32;
}
function maxCaseAlignment(cases) {
  return Math.max(1, ...cases.filter(([, t]) => t).map(([, t]) => alignment(t)));
}
function flagsSize(labels) { return labels.length <= 8 ? 1 : labels.length <= 16 ? 2 : 4 * Math.ceil(labels.length / 32); }

export function alignment(t) {
  switch (t.k) {
    case 'bool': case 'u8': return 1;
    case 'u16': return 2;
    case 'u32': return 4;
    case 'u64': case 's64': case 'f64': return 8;
    case 'string': case 'list': return 4;
    case 'record': return Math.max(1, ...t.fields.map(([, f]) => alignment(f)));
    case 'variant': return Math.max(alignment(discriminantType(t.cases)), maxCaseAlignment(t.cases));
    case 'flags': return Math.min(4, flagsSize(t.labels));
  }
  throw new Error(`alignment: ${t.k}`);
}

export function size(t) {
  switch (t.k) {
    case 'bool': case 'u8': return 1;
    case 'u16': return 2;
    case 'u32': return 4;
    case 'u64': case 's64': case 'f64': return 8;
    case 'string': case 'list': return 8;
    case 'record': {
      let s = 0;
      for (const [, f] of t.fields) s = alignTo(s, alignment(f)) + size(f);
      return alignTo(s, alignment(t));
    }
    case 'variant': {
      let s = size(discriminantType(t.cases));
      s = alignTo(s, maxCaseAlignment(t.cases));
      s += Math.max(0, ...t.cases.filter(([, c]) => c).map(([, c]) => size(c)));
      return alignTo(s, alignment(t));
    }
    case 'flags': return flagsSize(t.labels);
  }
  throw new Error(`size: ${t.k}`);
}

// Byte offsets of a record's fields, by label.
export function fieldOffsets(t) {
  const out = {};
  let s = 0;
  for (const [label, f] of t.fields) {
    s = alignTo(s, alignment(f));
    out[label] = s;
    s += size(f);
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

// cx: { memory: WebAssembly.Memory, realloc?: (old, oldSize, align, newSize) => ptr }
function view(cx) { return new DataView(cx.memory.buffer); }

function loadInt(cx, ptr, n, signed = false) {
  trapIf(ptr + n > cx.memory.buffer.byteLength, 'load out of bounds');
  const v = view(cx);
  switch (n) {
    case 1: return signed ? v.getInt8(ptr) : v.getUint8(ptr);
    case 2: return signed ? v.getInt16(ptr, true) : v.getUint16(ptr, true);
    case 4: return signed ? v.getInt32(ptr, true) : v.getUint32(ptr, true);
    case 8: return signed ? v.getBigInt64(ptr, true) : v.getBigUint64(ptr, true);
  }
}

export function loadStringFromRange(cx, ptr, len) {
  trapIf(ptr + len > cx.memory.buffer.byteLength, 'string out of bounds');
  try {
    return utf8.decode(new Uint8Array(cx.memory.buffer, ptr, len));
  } catch {
    throw new Trap('invalid UTF-8');
  }
}

export function loadListFromRange(cx, ptr, length, t) {
  trapIf(ptr !== alignTo(ptr, alignment(t)), 'misaligned list');
  trapIf(ptr + length * size(t) > cx.memory.buffer.byteLength, 'list out of bounds');
  const a = [];
  for (let i = 0; i < length; i++) a.push(load(cx, ptr + i * size(t), t));
  return a;
}

function caseValue(t, label, value) {
  if (t.enumLabels) return label;
  if (t.isOption) return label === 'none' ? null : { some: value };
  return value === undefined ? { tag: label } : { tag: label, val: value };
}

export function load(cx, ptr, t) {
  trapIf(ptr !== alignTo(ptr, alignment(t)), `misaligned ${t.k} at ${ptr}`);
  trapIf(ptr + size(t) > cx.memory.buffer.byteLength, 'load out of bounds');
  switch (t.k) {
    case 'bool': return loadInt(cx, ptr, 1) !== 0;
    case 'u8': return loadInt(cx, ptr, 1);
    case 'u32': return loadInt(cx, ptr, 4);
    case 'u64': return loadInt(cx, ptr, 8);
    case 's64': return loadInt(cx, ptr, 8, true);
    case 'f64': return view(cx).getFloat64(ptr, true);
    case 'string': return loadStringFromRange(cx, loadInt(cx, ptr, 4), loadInt(cx, ptr + 4, 4));
    case 'list': return loadListFromRange(cx, loadInt(cx, ptr, 4), loadInt(cx, ptr + 4, 4), t.t);
    case 'record': {
      const r = {};
      for (const [label, f] of t.fields) {
        ptr = alignTo(ptr, alignment(f));
        r[label] = load(cx, ptr, f);
        ptr += size(f);
      }
      return r;
    }
    case 'variant': {
      const discSize = size(discriminantType(t.cases));
      const index = loadInt(cx, ptr, discSize);
      trapIf(index >= t.cases.length, `variant discriminant ${index} out of range`);
      ptr = alignTo(ptr + discSize, maxCaseAlignment(t.cases));
      const [label, c] = t.cases[index];
      return caseValue(t, label, c ? load(cx, ptr, c) : undefined);
    }
    case 'flags': {
      const bits = loadInt(cx, ptr, size(t));
      return Object.fromEntries(t.labels.map((l, i) => [l, Boolean((bits >> i) & 1)]));
    }
  }
  throw new Error(`load: ${t.k}`);
}

// ---- Storing (what the host's lowering of a result does) ----

function storeInt(cx, v, ptr, n) {
  trapIf(ptr + n > cx.memory.buffer.byteLength, 'store out of bounds');
  const d = view(cx);
  if (n === 1) d.setUint8(ptr, v);
  else if (n === 4) d.setUint32(ptr, v, true);
  else if (n === 8) d.setBigUint64(ptr, BigInt(v), true);
}

export function store(cx, v, t, ptr) {
  trapIf(ptr !== alignTo(ptr, alignment(t)), `misaligned store of ${t.k} at ${ptr}`);
  switch (t.k) {
    case 'bool': return storeInt(cx, v ? 1 : 0, ptr, 1);
    case 'u8': return storeInt(cx, v, ptr, 1);
    case 'u32': return storeInt(cx, v, ptr, 4);
    case 'u64': case 's64': return storeInt(cx, v, ptr, 8);
    case 'string': {
      const bytes = utf8Encoder.encode(v);
      const p = cx.realloc(0, 0, 1, bytes.length);
      trapIf(p + bytes.length > cx.memory.buffer.byteLength, 'realloc result out of bounds');
      new Uint8Array(cx.memory.buffer, p, bytes.length).set(bytes);
      storeInt(cx, p, ptr, 4);
      return storeInt(cx, bytes.length, ptr + 4, 4);
    }
    case 'list': {
      const p = cx.realloc(0, 0, alignment(t.t), v.length * size(t.t));
      trapIf(p !== alignTo(p, alignment(t.t)), 'misaligned realloc result');
      v.forEach((e, i) => store(cx, e, t.t, p + i * size(t.t)));
      storeInt(cx, p, ptr, 4);
      return storeInt(cx, v.length, ptr + 4, 4);
    }
    case 'record':
      for (const [label, f] of t.fields) {
        ptr = alignTo(ptr, alignment(f));
        store(cx, v[label], f, ptr);
        ptr += size(f);
      }
      return;
    case 'flags': {
      let bits = 0;
      t.labels.forEach((l, i) => { if (v[l]) bits |= 1 << i; });
      return storeInt(cx, bits, ptr, size(t));
    }
  }
  throw new Error(`store: ${t.k}`);
}

// ---- Flattening and flat lifting (what the host's lifting of parameters does) ----

export function flatten(t) {
  switch (t.k) {
    case 'bool': case 'u8': case 'u16': case 'u32': return ['i32'];
    case 'u64': case 's64': return ['i64'];
    case 'f64': return ['f64'];
    case 'string': case 'list': return ['i32', 'i32'];
    case 'record': return t.fields.flatMap(([, f]) => flatten(f));
    case 'variant': {
      const flat = [];
      for (const [, c] of t.cases) {
        if (!c) continue;
        flatten(c).forEach((ft, i) => {
          if (i < flat.length) flat[i] = join(flat[i], ft);
          else flat.push(ft);
        });
      }
      return ['i32', ...flat];
    }
    case 'flags': return ['i32'];
  }
  throw new Error(`flatten: ${t.k}`);
}
function join(a, b) {
  if (a === b) return a;
  if ((a === 'i32' && b === 'f32') || (a === 'f32' && b === 'i32')) return 'i32';
  return 'i64';
}

// Lifts a value of type t from the flat core values `values` (an iterator
// state { i, values }), as a host does for a lowered import's parameters.
export function liftFlat(cx, vi, t) {
  const next = (want) => {
    trapIf(vi.i >= vi.values.length, 'too few flat values');
    const v = vi.values[vi.i++];
    if (want === 'i64') trapIf(typeof v !== 'bigint', `expected an i64 at flat value ${vi.i - 1}`);
    else trapIf(typeof v !== 'number', `expected an ${want} at flat value ${vi.i - 1}`);
    return v;
  };
  switch (t.k) {
    case 'bool': return next('i32') !== 0;
    case 'u8': return next('i32') & 0xff;
    case 'u32': return next('i32') >>> 0;
    case 'u64': return BigInt.asUintN(64, next('i64'));
    case 's64': return BigInt.asIntN(64, next('i64'));
    case 'string': { const p = next('i32') >>> 0, n = next('i32') >>> 0; return loadStringFromRange(cx, p, n); }
    case 'list': { const p = next('i32') >>> 0, n = next('i32') >>> 0; return loadListFromRange(cx, p, n, t.t); }
    case 'record': return Object.fromEntries(t.fields.map(([l, f]) => [l, liftFlat(cx, vi, f)]));
    case 'variant': {
      const flat = flatten(t).slice(1);
      const index = next('i32') >>> 0;
      trapIf(index >= t.cases.length, `variant discriminant ${index} out of range`);
      const [label, c] = t.cases[index];
      const start = vi.i;
      let value;
      if (c) {
        // The case's own flat types must be a prefix-compatible use of the joined ones.
        const caseFlat = flatten(c);
        caseFlat.forEach((ft, i) => trapIf(join(ft, flat[i]) !== flat[i], 'bad variant join'));
        const sub = { i: 0, values: vi.values.slice(start, start + caseFlat.length).map((v, i) =>
          caseFlat[i] === 'i32' && typeof v === 'bigint' ? Number(BigInt.asUintN(32, v)) : v) };
        value = liftFlat(cx, sub, c);
      }
      vi.i = start + flat.length;
      return caseValue(t, label, value);
    }
    case 'flags': {
      const bits = next('i32');
      return Object.fromEntries(t.labels.map((l, i) => [l, Boolean((bits >> i) & 1)]));
    }
  }
  throw new Error(`liftFlat: ${t.k}`);
}

// Lifts a function's parameters as `canon lower` does: flat when they
// flatten to at most 16 values, else from a pointer to a tuple in memory.
export const MAX_FLAT_PARAMS = 16;
export function liftParams(cx, paramTypes, values) {
  const tupleType = tuple(...paramTypes);
  const flat = flatten(tupleType);
  if (flat.length > MAX_FLAT_PARAMS) {
    trapIf(values.length !== 1 || typeof values[0] !== 'number', 'expected one pointer');
    const r = load(cx, values[0] >>> 0, tupleType);
    return paramTypes.map((_, i) => r[String(i)]);
  }
  trapIf(values.length !== flat.length, `expected ${flat.length} flat values, got ${values.length}`);
  const vi = { i: 0, values };
  return paramTypes.map((p) => liftFlat(cx, vi, p));
}
