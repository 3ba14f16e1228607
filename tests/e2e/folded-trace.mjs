// The e2e trace: a recorder of hook calls that writes folded stacks with call
// counts, and the reader of the site table that names them. Shared by the
// module host (run-node.mjs) and the component host (tests/component); the
// format is described in run-node.mjs and tests/e2e/README.md.

// Frames deeper than this are counted as truncated, not recorded (a tail call
// that became a real call would otherwise make O(depth^2) output).
import { decodeSiteTable } from '../../runtime-shim/node/site-table.mjs';

const MAX_DEPTH = Number.parseInt(process.env.E2E_TRACE_MAX_DEPTH ?? '', 10) > 0
  ? Number.parseInt(process.env.E2E_TRACE_MAX_DEPTH, 10) : 1000;

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

// The frame name of each site of a site table payload (version 1 or 2:
// runtime-shim/node/site-table.mjs); `refs`, what a version 2 table names by
// reference (compiledModuleRefs of its module; none for a component's table).
export function siteNames(payload, refs) {
  const prefixes = ['', 'import:', 'export:'];
  return decodeSiteTable(payload, refs).sites.map((s) => prefixes[s.kind] + sanitize(Buffer.from(s.display).toString('latin1')));
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
