// The e2e trace: a recorder of hook calls that writes folded stacks with call
// counts, and the reader of the site table that names them. Shared by the
// module host (run-node.mjs) and the component host (tests/component); the
// format is described in run-node.mjs and tests/e2e/README.md.

// Frames deeper than this are counted as truncated, not recorded (a tail call
// that became a real call would otherwise make O(depth^2) output).
const MAX_DEPTH = Number.parseInt(process.env.E2E_TRACE_MAX_DEPTH ?? '', 10) > 0
  ? Number.parseInt(process.env.E2E_TRACE_MAX_DEPTH, 10) : 1000;

class Reader {
  constructor(bytes) { this.b = bytes; this.p = 0; }
  byte() {
    if (this.p >= this.b.length) throw new Error('truncated section');
    return this.b[this.p++];
  }
  u32() {
    let result = 0, shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      if (i === 4 && (b & 0xf0) !== 0) throw new Error('u32 LEB128 out of range');
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw new Error('u32 LEB128 too long');
  }
  name() {
    const len = this.u32();
    if (len > this.b.length - this.p) throw new Error('name runs past the end of the section');
    const s = Buffer.from(this.b.subarray(this.p, this.p + len)).toString('latin1');
    this.p += len;
    return s;
  }
}

function sanitize(name) {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x3b) out += ':';
    else if (c < 0x20 || c === 0x7f) out += '?';
    else out += name[i];
  }
  return out;
}

// The display names of a site table payload (version 1), by id; throws on a bad table.
export function siteNames(payload) {
  const r = new Reader(payload);
  const version = r.u32();
  if (version !== 1) throw new Error(`unknown site table version ${version}`);
  const count = r.u32();
  if (count > r.b.length) throw new Error(`site count ${count} larger than the section`);
  const names = [];
  for (let i = 0; i < count; i++) {
    const kind = r.byte();
    r.byte(); // flags
    r.u32(); // input index
    r.u32(); // output index
    const display = r.name();
    r.name(); r.name(); r.name(); // symbol, module, field
    let prefix;
    if (kind === 0) prefix = '';
    else if (kind === 1) prefix = 'import:';
    else if (kind === 2) prefix = 'export:';
    else throw new Error(`site ${i}: unknown kind ${kind}`);
    names.push(prefix + sanitize(display));
  }
  if (r.p !== r.b.length) throw new Error(`${r.b.length - r.p} trailing bytes`);
  return names;
}

export class Recorder {
  constructor(names) {
    this.names = names || [];
    this.root = { children: new Map(), count: 0 };
    this.stack = []; // {id, node}
    this.unbalanced = 0;
    this.invalid = 0;
    this.truncated = 0;
  }
  enter(id) {
    id >>>= 0;
    if (id >= this.names.length) this.invalid++;
    const depth = this.stack.length;
    let node = null;
    if (depth >= MAX_DEPTH) {
      this.truncated++;
    } else {
      const parent = depth === 0 ? this.root : this.stack[depth - 1].node;
      node = parent.children.get(id);
      if (!node) { node = { children: new Map(), count: 0 }; parent.children.set(id, node); }
      node.count++;
    }
    this.stack.push({ id, node });
  }
  exit(id) {
    id >>>= 0;
    const s = this.stack;
    if (s.length > 0 && s[s.length - 1].id === id) { s.pop(); return; }
    this.unbalanced++;
    for (let k = s.length - 1; k >= 0; k--) {
      if (s[k].id === id) { s.length = k; return; }
    }
  }
  name(id) { return id < this.names.length ? this.names[id] : `?[${id}]`; }
  folded() {
    const lines = [];
    const walk = (node, prefix) => {
      for (const [id, child] of node.children) {
        const p = prefix === null ? this.name(id) : `${prefix};${this.name(id)}`;
        lines.push(`${p} ${child.count}`);
        walk(child, p);
      }
    };
    // Iterative-enough: depth is bounded by MAX_DEPTH.
    walk(this.root, null);
    lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    lines.push(`# unbalanced ${this.unbalanced} open ${this.stack.length} invalid ${this.invalid} truncated ${this.truncated}`);
    return lines.join('\n') + '\n';
  }
}
