// The sampled profile timing of createRecorder (wasm-observe.mjs:
// profileTiming 'sampled', record RECORD_PROFILE alone). The hooks keep the
// call tree and exact call counts and read no clock; a sampling thread
// (profile-sampler.mjs) estimates the times from where it finds the program.
//
// The hooks are wasm (sampled-hooks.wat): an instrumented module calls them
// wasm to wasm, and the usual call (a known site, a call path seen before,
// room on the stack, an exit of the top frame, an export entered over an
// import frame) never leaves wasm. The rest
// comes here, to the slow paths below, which apply the recorder's rules (the
// same as wasm-observe.mjs's enter / exit, spans off) to the same state: the
// stack and the tree live in the hooks' shared memory, viewed here through
// typed arrays, at addresses this file hands the hooks in their globals. An
// array that outgrows its region gets a new one at the end of the memory
// (the old one is not reused: the memory holds at most about twice what is
// live). When the memory cannot grow (1 GiB), a call that needed the room is
// counted as a depth overflow, not recorded.
//
// A call is counted at enter (the clock counts it at exit): profile() leaves
// out the frames still open.

import fs from 'node:fs';
import {
  recorderResource, hookNamespaces, SITE_IMPORT, SITE_EXPORT, DEFAULT_MAX_DEPTH, FIRST_STACK, OVERFLOW_IDS,
} from './observe-common.mjs';
import { readSites } from './module-sites.mjs';
import { buildProfile, writeFolded, writeFoldedCalls, writeSummary } from './profile-output.mjs';
import { startProfileSampler } from './profile-sampler.mjs';

const PAGE = 65536;
const MAX_PAGES = 16384; // 1 GiB: 2^24 call paths, with room to move their arrays
const FIRST_NODES = 256;

let hooksModule = null;
function sampledHooksModule() {
  hooksModule ??= new WebAssembly.Module(fs.readFileSync(new URL('./sampled-hooks.wasm', import.meta.url)));
  return hooksModule;
}

// The first slot to look at for (parent, site) in the hash table: the same
// function as the hooks' $hash; `shift` is 32 - log2(table size).
const hashOf = (parent, site, shift) => Math.imul(Math.imul(parent, 0x9e3779b1) ^ site, 0x85ebca6b) >>> shift;

// Options as createRecorder's, already checked; intervalUs the sampling period.
export function createSampledRecorder(options, intervalUs) {
  const maxDepth = options.maxDepth > 0 ? options.maxDepth >>> 0 : DEFAULT_MAX_DEPTH;
  const exporters = [...(options.exporters ?? [])]; // its own list: close() empties it
  const unwindOnReentry = !!options.unwindOnReentry;
  const resource = recorderResource(options);

  const c = {
    enters: 0, exits: 0, spansRecorded: 0, spansFiltered: 0, unknownIds: 0, exitsWithoutEnter: 0,
    exitsUnmatched: 0, spansUnwound: 0, depthOverflows: 0, exportErrors: 0, spansOverRate: 0,
    spansOverSize: 0, spansMuted: 0, sitesMuted: 0, memoryGrows: 0,
  };

  // The memory: [0, 64) holds the current node, alone on its cache line
  // (the hooks write it at every call, the sampling thread reads it).
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  let top = 64;
  // A new region of `bytes` at the end of the memory: its address, or -1.
  function alloc(bytes) {
    const at = (top + 63) & ~63;
    const end = at + bytes;
    const have = memory.buffer.byteLength;
    if (end > have) {
      try { memory.grow(Math.ceil((end - have) / PAGE)); } catch { return -1; }
    }
    top = end;
    return at;
  }

  const hooks = new WebAssembly.Instance(sampledHooksModule(), {
    recorder: { memory, enterSlow, exitSlow },
  }).exports;
  const current = new Int32Array(memory.buffer, 0, 1);
  let sampler = null; // the sampling thread, started once the arrays are made

  // JS's views of the arrays (made again when one moves or the memory grows)
  let fSite, fNode, sFlags, sLast, nSite, nParent, nCalls, hTable;
  function view() {
    const b = memory.buffer;
    fSite = new Int32Array(b, hooks.frameSite.value, capacity);
    fNode = new Int32Array(b, hooks.frameNode.value, capacity + 1);
    sFlags = new Uint8Array(b, hooks.siteFlags.value, siteCount);
    sLast = new Int32Array(b, hooks.siteLast.value, siteCount);
    nSite = new Int32Array(b, hooks.nodeSite.value, nodeCap);
    nParent = new Int32Array(b, hooks.nodeParent.value, nodeCap);
    nCalls = new Float64Array(b, hooks.nodeCalls.value, nodeCap);
    hTable = new Int32Array(b, hooks.hashTable.value, 2 * nodeCap);
  }

  // The stack. `depth` is the hooks' global: the slow paths read it into this
  // variable when they start and write it back when they end (settle()).
  let capacity = 0;
  let depth = 0;
  let overflow = 0; // enters past maxDepth (or past what the memory holds)
  let overflowIds = null; // Int32Array(OVERFLOW_IDS), made on the first overflow
  // Frames the slow paths opened and closed. The hooks count nothing: every
  // frame opened, by them or here, added one call to a node, and is closed
  // once or still open, so their enters and exits follow (counters()).
  let pushes = 0;
  let pops = 0;
  // A stack region of n frames, the open ones copied: false if no room.
  function moveStack(n) {
    const siteAt = alloc(4 * n);
    const nodeAt = siteAt < 0 ? -1 : alloc(4 * (n + 1));
    if (nodeAt < 0) return false;
    const b = memory.buffer;
    new Int32Array(b, siteAt, n).set(new Int32Array(b, hooks.frameSite.value, depth));
    new Int32Array(b, nodeAt, n + 1).set(new Int32Array(b, hooks.frameNode.value, depth + 1));
    hooks.frameSite.value = siteAt;
    hooks.frameNode.value = nodeAt;
    capacity = n;
    view();
    return true;
  }

  // The sites.
  let sites = [];
  let siteCount = 0;
  // The site arrays hold at least as many sites as any table loaded before:
  // frames opened under a longer one may still be on the stack, and the
  // hooks read their flags.
  let siteRoom = 0;
  let siteIsImport = new Uint8Array(0);
  let siteIsExport = new Uint8Array(0);
  function sitesChanged() {
    const n = sites.length;
    const room = Math.max(n, siteRoom);
    const flagsAt = alloc(room);
    const lastAt = flagsAt < 0 ? -1 : alloc(4 * room);
    if (lastAt < 0) throw new Error(`sampled profile: no memory for ${n} sites`);
    siteRoom = room;
    hooks.siteFlags.value = flagsAt;
    hooks.siteLast.value = lastAt; // zeros: node 0, whose parent -1 matches none
    hooks.siteCount.value = siteCount = n;
    siteIsImport = Uint8Array.from(sites, (s) => (s.kind === SITE_IMPORT ? 1 : 0));
    siteIsExport = Uint8Array.from(sites, (s) => (s.kind === SITE_EXPORT ? 1 : 0));
    view();
    for (let i = 0; i < n; i++) sFlags[i] = siteIsImport[i] | (unwindOnReentry && siteIsExport[i] === 1 ? 2 : 0);
  }

  // The profile tree: node 0 is the root; a child's index is always above
  // its parent's. Its children are also in a list (newest first) for
  // writing the profile.
  let nodeCap = 0;
  let nodeCount = 1;
  let nFirst = new Int32Array(0);
  let nNext = new Int32Array(0);
  // Node regions for n nodes and a hash table of 2n slots: false if no room.
  function moveNodes(n) {
    const siteAt = alloc(4 * n);
    const parentAt = siteAt < 0 ? -1 : alloc(4 * n);
    const callsAt = parentAt < 0 ? -1 : alloc(8 * n);
    const tableAt = callsAt < 0 ? -1 : alloc(8 * n);
    if (tableAt < 0) return false;
    const b = memory.buffer;
    const old = nodeCap;
    new Int32Array(b, siteAt, n).set(new Int32Array(b, hooks.nodeSite.value, old));
    new Int32Array(b, parentAt, n).set(new Int32Array(b, hooks.nodeParent.value, old));
    new Float64Array(b, callsAt, n).set(new Float64Array(b, hooks.nodeCalls.value, old));
    const grow = (a) => { const g = new Int32Array(n).fill(-1); g.set(a); return g; };
    nFirst = grow(nFirst);
    nNext = grow(nNext);
    hooks.nodeSite.value = siteAt;
    hooks.nodeParent.value = parentAt;
    hooks.nodeCalls.value = callsAt;
    hooks.hashTable.value = tableAt;
    hooks.hashMask.value = 2 * n - 1;
    hooks.hashShift.value = 32 - Math.log2(2 * n);
    nodeCap = n;
    view();
    const shift = hooks.hashShift.value;
    const mask = 2 * n - 1;
    for (let k = 1; k < nodeCount; k++) {
      let h = hashOf(nParent[k], nSite[k], shift);
      while (hTable[h] !== 0) h = (h + 1) & mask;
      hTable[h] = k;
    }
    if (sampler) sampler.grow(n);
    return true;
  }

  // The child of `parent` for `site` (made if new), its call counted; -1
  // when the tree is new and there is no room for it.
  function callChild(parent, site) {
    const last = sLast[site];
    if (nParent[last] === parent) { nCalls[last]++; return last; }
    const shift = hooks.hashShift.value;
    let h = hashOf(parent, site, shift);
    for (let n = hTable[h]; n !== 0; n = hTable[h]) {
      if (nSite[n] === site && nParent[n] === parent) { nCalls[n]++; sLast[site] = n; return n; }
      h = (h + 1) & (2 * nodeCap - 1);
    }
    if (nodeCount === nodeCap) {
      if (!moveNodes(2 * nodeCap)) return -1;
      h = hashOf(parent, site, hooks.hashShift.value);
      while (hTable[h] !== 0) h = (h + 1) & (2 * nodeCap - 1);
    }
    const node = nodeCount++;
    nSite[node] = site;
    nParent[node] = parent;
    nNext[node] = nFirst[parent];
    nFirst[parent] = node;
    hTable[h] = node;
    nCalls[node] = 1;
    sLast[site] = node;
    return node;
  }

  // Both arrays start here: the hooks' globals point at real regions before
  // any call.
  if (!moveStack(Math.min(FIRST_STACK, maxDepth)) || !moveNodes(FIRST_NODES)) {
    throw new Error('sampled profile: no memory for the recorder');
  }
  nParent[0] = -1;
  sitesChanged();

  // ---- the slow paths ---------------------------------------------------------

  // Hands `depth` back to the hooks, and the depth below which they may take
  // the fast path.
  function settle() {
    hooks.depth.value = depth;
    hooks.fastDepth.value = overflow !== 0 ? 0 : capacity;
  }

  // Closes the top frame (unwound: counted); the node below becomes current.
  function closeTop(unwound) {
    const d = --depth;
    pops++;
    if (unwound) c.spansUnwound++;
    current[0] = fNode[d];
  }

  function unwindAbove(keep) {
    while (depth > keep) closeTop(true);
  }

  // unwindOnReentry: an export entered while the top of the stack is not an
  // import call: drop what lies above the newest import frame.
  function dropStaleFrames() {
    if (overflow !== 0) {
      if (overflow > OVERFLOW_IDS) return; // the top's id was not kept: cannot tell
      for (let k = overflow; k-- > 0;) {
        if (siteIsImport[overflowIds[k]] === 1) { overflow = k + 1; return; }
      }
      overflow = 0;
    }
    let keep = depth;
    while (keep > 0 && siteIsImport[fSite[keep - 1]] !== 1) keep--;
    unwindAbove(keep);
  }

  function enterOverflow(id) {
    if (overflow < OVERFLOW_IDS) {
      overflowIds ??= new Int32Array(OVERFLOW_IDS);
      overflowIds[overflow] = id;
    }
    overflow++;
    c.depthOverflows++;
  }

  // An exit while enters past maxDepth are pending; true when it was
  // consumed by them (wasm-observe.mjs exitOverflow).
  function exitOverflow(id) {
    if (overflow > OVERFLOW_IDS) { overflow--; return true; }
    for (let k = overflow; k-- > 0;) {
      if (overflowIds[k] !== id) continue;
      overflow = k;
      return true;
    }
    for (let k = depth; k-- > 0;) {
      if (fSite[k] !== id) continue;
      overflow = 0;
      unwindAbove(k + 1);
      return false;
    }
    c.exitsUnmatched++;
    return true;
  }

  function enterRules(id) {
    c.enters++;
    if (id >= siteCount) { c.unknownIds++; return; }
    if (unwindOnReentry && siteIsExport[id] === 1 && (depth !== 0 || overflow !== 0)) dropStaleFrames();
    if (overflow !== 0 || depth >= maxDepth) { enterOverflow(id); return; }
    if (depth === capacity && !moveStack(Math.min(2 * capacity, maxDepth))) { enterOverflow(id); return; }
    const d = depth;
    const node = callChild(fNode[d], id);
    if (node < 0) { enterOverflow(id); return; }
    fSite[d] = id;
    fNode[d + 1] = node;
    depth = d + 1;
    current[0] = node;
    pushes++;
  }

  function exitRules(id) {
    c.exits++;
    if (id >= siteCount) { c.unknownIds++; return; }
    if (overflow !== 0 && exitOverflow(id)) return;
    const d = depth - 1;
    if (d < 0) { c.exitsWithoutEnter++; return; }
    if (fSite[d] !== id) {
      // a non-local exit: frames above the one this exit closes
      let k = d;
      while (k > 0 && fSite[k - 1] !== id) k--;
      if (k === 0) { c.exitsUnmatched++; return; }
      unwindAbove(k);
    }
    closeTop(false);
  }

  // settle() even if a rule throws (out of memory): the hooks must not keep
  // a depth the slow path has moved from
  function enterSlow(id) {
    depth = hooks.depth.value;
    try { enterRules(id >>> 0); } finally { settle(); }
  }
  function exitSlow(id) {
    depth = hooks.depth.value;
    try { exitRules(id >>> 0); } finally { settle(); }
  }

  function unwind() {
    depth = hooks.depth.value;
    overflow = 0;
    try { unwindAbove(0); } finally { settle(); }
  }

  sampler = startProfileSampler(intervalUs, current, c, nodeCap);

  // ---- the profile ------------------------------------------------------------

  // A node's self time from its samples; its total, self + its children's
  // totals (a child's index is above its parent's). The root's stay 0.
  function profile() {
    const perSample = sampler.stats().nsPerSample;
    const total = new Float64Array(nodeCount);
    const self = new Float64Array(nodeCount);
    for (let n = 1; n < nodeCount; n++) total[n] = self[n] = Math.round(sampler.count(n) * perSample);
    for (let n = nodeCount - 1; n > 0; n--) if (nParent[n] !== 0) total[nParent[n]] += total[n];
    const calls = Float64Array.from(nCalls.subarray(0, nodeCount));
    calls[0] = 0;
    const open = hooks.depth.value;
    for (let d = 1; d <= open; d++) calls[fNode[d]]--;
    return buildProfile(sites, { site: nSite, first: nFirst, next: nNext, calls, total, self });
  }

  let abi = options.abi ?? 'wasm-instrument';
  function useSites(list) {
    sites = list;
    sitesChanged();
  }
  if (options.sites) useSites(options.sites);

  const memoryGrow = () => { c.memoryGrows++; };
  const { enter, exit } = hooks;
  let finished = false;

  return {
    backend: 'js',
    resource,
    get abi() { return abi; },
    get sites() { return sites; },
    enter,
    exit,
    unwind,
    memoryGrow,
    depth: () => hooks.depth.value,
    hooks: (which) => hookNamespaces({ enter, exit, memoryGrow }, which ?? abi),
    loadSites(moduleOrBytes) {
      const r = readSites(moduleOrBytes);
      useSites(r.sites);
      abi = r.abi;
      return r;
    },
    flush() { for (const e of exporters) if (e.flush) e.flush(); },
    // Stops the sampling (later calls are counted, not timed) and closes the
    // open frames as unwound. Idempotent.
    finish() {
      sampler.stop();
      unwind();
      for (const e of exporters) if (e.flush) e.flush();
      finished = true;
    },
    close() {
      if (!finished) this.finish();
      for (const e of exporters) if (e.close) e.close();
      exporters.length = 0;
    },
    counters() {
      let opened = 0;
      for (let n = 1; n < nodeCount; n++) opened += nCalls[n];
      const open = hooks.depth.value;
      return { ...c, enters: c.enters + opened - pushes, exits: c.exits + opened - pops - open };
    },
    samplerStats() { return sampler.stats(); },
    get lastExportError() { return null; },
    profile,
    folded() { return writeFolded(profile()); },
    foldedCalls() { return writeFoldedCalls(profile()); },
    summary(top = 20) { return writeSummary(profile(), top); },
  };
}
