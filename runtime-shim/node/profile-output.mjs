// The profile outputs: the call tree as plain objects, folded stacks (self
// times, call counts) and the summary table, as the C library's profile.c
// writes them; and the decimal microseconds of the trace formats.
import { SITE_IMPORT, SITE_EXPORT } from './observe-common.mjs';

// Nanoseconds (an integer Number) as exact decimal microseconds: "12.345".
export function micros(ns) {
  const whole = Math.floor(ns / 1000);
  const frac = ns - whole * 1000;
  return `${whole}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

// Folded-stack frames cannot hold ';' or line breaks (profile.c put_frame).
function foldedFrame(raw) {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    out += c === 0x3b ? ':' : c < 0x20 || c === 0x7f ? '?' : raw[i];
  }
  return out;
}

// The profile as a tree of plain objects { site, calls, totalNs, selfNs,
// children } from a recorder's node arrays (node 0 the root; children in
// lists: first / next, -1 ends).
export function buildProfile(sites, nodes) {
  const { site, first, next, calls, total, self } = nodes;
  const build = (n) => {
    const node = { site: n === 0 ? null : sites[site[n]], calls: calls[n], totalNs: total[n], selfNs: self[n], children: [] };
    for (let ch = first[n]; ch !== -1; ch = next[ch]) node.children.push(build(ch));
    return node;
  };
  return build(0);
}

// Folded stacks from a profile tree: self time in ns, paths with no self time
// left out (profile.c wo_profile_write_folded). Names are written as their
// bytes (latin1 string): write the result with encoding 'latin1'.
export function writeFolded(root) {
  if (!root) return '';
  const lines = [];
  const walk = (node, prefix) => {
    for (const ch of node.children) {
      const p = prefix === null ? foldedFrame(ch.site.raw) : `${prefix};${foldedFrame(ch.site.raw)}`;
      if (ch.selfNs > 0) lines.push(`${p} ${ch.selfNs}\n`);
      walk(ch, p);
    }
  };
  walk(root, null);
  return lines.join('');
}

// Call counts per path, sorted, framed as tests/e2e/run-node.mjs does
// (import:/export: prefixes); latin1 like writeFolded.
export function writeFoldedCalls(root) {
  if (!root) return '';
  const prefix = ['', 'import:', 'export:'];
  const lines = [];
  const walk = (node, path) => {
    for (const ch of node.children) {
      const p = (path === null ? '' : path + ';') + prefix[ch.site.kind] + foldedFrame(ch.site.raw);
      lines.push(`${p} ${ch.calls}`);
      walk(ch, p);
    }
  };
  walk(root, null);
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return lines.length ? lines.join('\n') + '\n' : '';
}

function cString(a, b) { // strcmp order on the names' bytes
  return a < b ? -1 : a > b ? 1 : 0;
}

// The sites with the most self time (profile.c wo_profile_write_summary).
export function writeSummary(root, top = 20) {
  if (!root) return '';
  const totals = new Map();
  const path = [];
  const walk = (node) => {
    for (const ch of node.children) {
      let t = totals.get(ch.site);
      if (!t) { t = { site: ch.site, calls: 0, totalNs: 0, selfNs: 0 }; totals.set(ch.site, t); }
      t.calls += ch.calls;
      t.selfNs += ch.selfNs;
      if (!path.includes(ch.site)) t.totalNs += ch.totalNs; // outermost calls only
      path.push(ch.site);
      walk(ch);
      path.pop();
    }
  };
  walk(root);
  const items = [...totals.values()].sort((x, y) => (x.selfNs !== y.selfNs ? y.selfNs - x.selfNs : cString(x.site.raw, y.site.raw)));
  let out = `${'calls'.padStart(12)} ${'self ms'.padStart(14)} ${'total ms'.padStart(14)}  function\n`;
  for (const t of items.slice(0, top)) {
    const kind = t.site.kind === SITE_IMPORT ? 'import ' : t.site.kind === SITE_EXPORT ? 'export ' : '';
    out += `${String(t.calls).padStart(12)} ${(t.selfNs / 1e6).toFixed(3).padStart(14)} ${(t.totalNs / 1e6).toFixed(3).padStart(14)}  ${kind}${foldedFrame(t.site.raw)}\n`;
  }
  return out;
}
