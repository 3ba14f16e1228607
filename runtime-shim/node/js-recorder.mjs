// The JS recorder (createRecorder's backend 'js'): the C library's recorder
// (runtime-shim/src/recorder.c) written again in JavaScript, for where the
// wasm32 build of it cannot run.
//
// Semantics (the same as wo_enter / wo_exit / wo_unwind / wo_recorder_finish):
// - a root enter (empty stack) starts a new trace; the sampling decision is
//   taken there (head sampling, `sampleRatio`);
// - an exit whose id is not the top of the stack but is open deeper closes the
//   frames above it as unwound (error status), then its own frame normally;
//   an exit of an id that is not open at all is counted (exitsUnmatched) and
//   ignored; an exit on an empty stack is counted (exitsWithoutEnter);
// - ids outside the site table are counted (unknownIds) and ignored;
// - enters beyond `maxDepth` (default 4096) are counted (depthOverflows), not
//   recorded, and their exits are swallowed;
// - spans shorter than `minDurationNs` are dropped (spansFiltered);
// - the clock is read last in enter and first in exit, so the hook's own cost
//   stays outside the span.
// One recorder is one stack: JS runs a module on one thread (a worker gets its
// own recorder), so `thread.id` is always 0.
//
// Hot path: the stack, the profile tree and the span batch live in
// preallocated typed arrays; a hook call allocates nothing except the BigInt
// that process.hrtime.bigint() returns. Finished spans are handed to the
// exporters in batches of `batchSize` (default 512). With `profileTiming:
// 'sampled'` (profile only) the hooks read no clock at all: they keep the call
// tree and exact call counts, and a sampling thread estimates the times (see
// createRecorder).
import crypto from 'node:crypto';
import {
  RECORD_SPANS, RECORD_PROFILE, SITE_IMPORT, SITE_EXPORT, KIND_INTERNAL, KIND_SERVER, KIND_CLIENT,
  DEFAULT_MAX_DEPTH, DEFAULT_SPAN_RATE, DEFAULT_SPAN_BURST, DEFAULT_MUTE_AFTER, DEFAULT_MUTE_BELOW_NS,
  OUTPUT_FULL, OUTPUT_DROPPED, FIRST_STACK, OVERFLOW_IDS, WasmObserveError, budgetLimit, hookNamespaces,
  recorderResource,
} from './observe-common.mjs';
import { readSites } from './module-sites.mjs';
import { otlpJsonLinesExporter, chromeTraceExporter } from './file-exporters.mjs';
import { buildProfile, writeFolded, writeFoldedCalls, writeSummary } from './profile-output.mjs';

const OVER_RATE = 1;
const OVER_SIZE = 2;
const DEFAULT_BATCH = 512;

// Options as createRecorder's (wasm-observe.mjs), `record` as RECORD_* flags.
export function createJsRecorder(options, record) {
  const recordSpans = (record & RECORD_SPANS) !== 0;
  const recordProfile = (record & RECORD_PROFILE) !== 0;
  const ratio = options.sampleRatio ?? 0;
  const sampleAll = ratio === 0 || ratio >= 1;
  const sampleRatio = sampleAll ? 1 : ratio;
  const minDurationNs = Number(options.minDurationNs ?? 0);
  const maxDepth = options.maxDepth > 0 ? options.maxDepth >>> 0 : DEFAULT_MAX_DEPTH;
  const batchSize = options.batchSize > 0 ? options.batchSize >>> 0 : DEFAULT_BATCH;
  const spanRate = budgetLimit(options.spanRate, DEFAULT_SPAN_RATE, 'spanRate');
  const spanBurst = Math.min(budgetLimit(options.spanBurst, DEFAULT_SPAN_BURST, 'spanBurst'), 1e9);
  const muteAfter = budgetLimit(options.muteAfter, DEFAULT_MUTE_AFTER, 'muteAfter');
  const muteBelowNs = budgetLimit(options.muteBelowNs, DEFAULT_MUTE_BELOW_NS, 'muteBelowNs');
  const muting = muteAfter !== Infinity;
  const exporters = [...(options.exporters ?? [])];
  const fileOptions = { maxBytes: options.maxFileBytes };
  if (options.otlpFile) exporters.push(otlpJsonLinesExporter(options.otlpFile, fileOptions));
  if (options.chromeFile) exporters.push(chromeTraceExporter(options.chromeFile, fileOptions));
  const clock = options.monotonicNs ?? null;
  const unwindOnReentry = !!options.unwindOnReentry;

  // The clock: integer nanoseconds since the recorder began, as a Number.
  // process.hrtime.bigint() is exact in a double while the machine has been
  // up for less than 104 days; past that Number() rounds to 2 ns.
  const hr = process.hrtime.bigint;
  const monoBase = clock ? 0 : Number(hr());
  const clockBase = clock ? clock() : 0;
  const resource = recorderResource(options);

  // ids: xorshift128 (32-bit words); seeded like the C recorder (option or random).
  let seed = options.seed ? BigInt.asUintN(64, BigInt(options.seed)) : 0n;
  if (seed === 0n) seed = crypto.randomBytes(8).readBigUInt64LE();
  let rx = Number(seed & 0xffffffffn) | 1;
  let ry = Number(seed >> 32n) ^ 0x9e3779b9;
  let rz = 0x6d2b79f5;
  let rw = 0x1b873593;
  for (let i = 0; i < 8; i++) nextRandom();
  function nextRandom() {
    const t = rx ^ (rx << 11);
    rx = ry; ry = rz; rz = rw;
    rw = (rw ^ (rw >>> 19) ^ (t ^ (t >>> 8))) | 0;
    return rw >>> 0;
  }

  let sites = [];
  let siteCount = 0;
  // Muting (wasm_observe.h): each site's calls and time so far, and whether
  // it is muted; sized with the site table.
  let sCalls = new Float64Array(0), sTotal = new Float64Array(0), sMuted = new Uint8Array(0);
  const sitesChanged = () => {
    siteCount = sites.length;
    sCalls = new Float64Array(siteCount); sTotal = new Float64Array(siteCount); sMuted = new Uint8Array(siteCount);
  };

  // The stack: one frame per open span.
  let capacity = Math.min(FIRST_STACK, maxDepth);
  let fId = new Int32Array(capacity);
  let fStart = new Float64Array(capacity);
  let fChildren = new Float64Array(capacity);
  let fSpan = new Uint32Array(capacity * 2);
  let fRecorded = new Uint8Array(capacity);
  let fNode = new Int32Array(capacity);
  let fPending = new Uint8Array(capacity); // entered by enterPending: named when it ends
  let fKeptChild = new Uint8Array(capacity); // a child was recorded: kept over the span budget
  let fMuted = new Uint8Array(capacity); // its site is muted: no clock, no span
  let fSpanParent = new Int32Array(capacity); // the nearest recorded ancestor's index, or -1
  let depth = 0;
  let overflow = 0;
  let overflowIds = null; // Int32Array(OVERFLOW_IDS), made on the first overflow
  const traceId = new Uint32Array(4);
  let sampled = true;

  function growStack() {
    const n = Math.min(capacity * 2, maxDepth);
    const grow = (Type, old, k = 1) => { const a = new Type(n * k); a.set(old); return a; };
    fId = grow(Int32Array, fId);
    fStart = grow(Float64Array, fStart);
    fChildren = grow(Float64Array, fChildren);
    fSpan = grow(Uint32Array, fSpan, 2);
    fRecorded = grow(Uint8Array, fRecorded);
    fNode = grow(Int32Array, fNode);
    fPending = grow(Uint8Array, fPending);
    fKeptChild = grow(Uint8Array, fKeptChild);
    fMuted = grow(Uint8Array, fMuted);
    fSpanParent = grow(Int32Array, fSpanParent);
    capacity = n;
  }

  // The profile tree: node 0 is the root; children in a linked list, moved to
  // the front when found (hot children are found first), as in profile.c.
  let nodeCap = 256;
  let nSite = new Int32Array(nodeCap);
  let nFirst = new Int32Array(nodeCap).fill(-1);
  let nNext = new Int32Array(nodeCap).fill(-1);
  let nCalls = new Float64Array(nodeCap);
  let nTotal = new Float64Array(nodeCap);
  let nSelf = new Float64Array(nodeCap);
  let nodeCount = 1;
  let freeNodes = -1; // nodes given back by mergeNode, linked through nNext
  nSite[0] = -1;

  function growNodes() {
    const n = nodeCap * 2;
    const grow = (Type, old, fill) => { const a = new Type(n); if (fill !== undefined) a.fill(fill); a.set(old); return a; };
    nSite = grow(Int32Array, nSite);
    nFirst = grow(Int32Array, nFirst, -1);
    nNext = grow(Int32Array, nNext, -1);
    nCalls = grow(Float64Array, nCalls);
    nTotal = grow(Float64Array, nTotal);
    nSelf = grow(Float64Array, nSelf);
    nodeCap = n;
  }

  function newNode(site) {
    let node;
    if (freeNodes !== -1) {
      node = freeNodes;
      freeNodes = nNext[node];
      nFirst[node] = -1;
      nCalls[node] = 0; nTotal[node] = 0; nSelf[node] = 0;
    } else {
      if (nodeCount === nodeCap) growNodes();
      node = nodeCount++;
    }
    nSite[node] = site;
    nNext[node] = -1;
    return node;
  }

  function profileChild(parent, site) {
    let prev = -1;
    for (let c = nFirst[parent]; c !== -1; prev = c, c = nNext[c]) {
      if (nSite[c] !== site) continue;
      if (prev !== -1) {
        nNext[prev] = nNext[c];
        nNext[c] = nFirst[parent];
        nFirst[parent] = c;
      }
      return c;
    }
    const node = newNode(site);
    nNext[node] = nFirst[parent];
    nFirst[parent] = node;
    return node;
  }

  // A pending frame's node (enterPending) is detached until the frame ends:
  // then it becomes `parent`'s child for `site`, or, when `parent` has one,
  // is merged into it. Returns the node that holds it now (profile.c
  // wo_profile_attach).
  function attachNode(parent, node, site) {
    for (let c = nFirst[parent]; c !== -1; c = nNext[c]) {
      if (nSite[c] === site) { mergeNode(c, node); return c; }
    }
    nSite[node] = site;
    nNext[node] = nFirst[parent];
    nFirst[parent] = node;
    return node;
  }

  // Adds `from`'s counts and subtree to `into`; frees `from` and the nodes
  // of its subtree that `into` already had.
  function mergeNode(into, from) {
    nCalls[into] += nCalls[from];
    nTotal[into] += nTotal[from];
    nSelf[into] += nSelf[from];
    for (let ch = nFirst[from]; ch !== -1;) {
      const next = nNext[ch];
      attachNode(into, ch, nSite[ch]);
      ch = next;
    }
    nNext[from] = freeNodes;
    freeNodes = from;
  }

  // The batch of finished spans.
  const batch = {
    sites,
    traceId: new Uint32Array(batchSize * 4),
    spanId: new Uint32Array(batchSize * 2),
    parentSpanId: new Uint32Array(batchSize * 2),
    site: new Int32Array(batchSize),
    start: new Float64Array(batchSize),
    duration: new Float64Array(batchSize),
    error: new Uint8Array(batchSize),
    depth: new Uint32Array(batchSize),
  };
  const bTrace = batch.traceId, bSpan = batch.spanId, bParent = batch.parentSpanId, bSite = batch.site;
  const bStart = batch.start, bDur = batch.duration, bErr = batch.error, bDepth = batch.depth;
  let batchCount = 0;

  const c = {
    enters: 0, exits: 0, spansRecorded: 0, spansFiltered: 0, unknownIds: 0, exitsWithoutEnter: 0,
    exitsUnmatched: 0, spansUnwound: 0, depthOverflows: 0, exportErrors: 0, spansOverRate: 0,
    spansOverSize: 0, spansMuted: 0, sitesMuted: 0, memoryGrows: 0,
  };
  let lastExportError = null;
  let outputFull = false; // the span budget: an exporter's output is full

  function exportBatch() {
    if (batchCount === 0) return;
    let dropped = false;
    for (const e of exporters) {
      try {
        const status = e.exportSpans(resource, batch, batchCount);
        if (status === OUTPUT_FULL || status === OUTPUT_DROPPED) outputFull = true;
        if (status === OUTPUT_DROPPED) dropped = true;
      } catch (err) { c.exportErrors++; lastExportError = err; }
    }
    if (dropped) c.spansOverSize += batchCount;
    batchCount = 0;
  }

  const now = clock ? () => clock() - clockBase : () => Number(hr()) - monoBase;

  // The span budget's token bucket (recorder.c budget_refusal): whether a
  // span ending at `t` is refused; takes its token when not. `tokens` are
  // refilled for the time passed when they run out; a `forced` span (one
  // with a recorded child: kept anyway) takes its token into debt.
  let tokens = spanBurst;
  let bucketTime = now();
  function budgetRefusal(t, forced) {
    if (outputFull) return OVER_SIZE;
    if (spanRate === Infinity) return 0;
    if (tokens < 1) {
      if (t > bucketTime) {
        tokens = Math.min(spanBurst, tokens + (t - bucketTime) * spanRate / 1e9);
        bucketTime = t;
      }
      if (tokens < 1 && !forced) return OVER_RATE;
    }
    tokens--;
    return 0;
  }

  const isImport = (id) => sites[id].kind === SITE_IMPORT;

  // unwindOnReentry: an export entered while the top of the stack is not an
  // import call, so the previous call from JS ended in a trap or exception the
  // hooks did not see: drop what lies above the newest import frame
  // (recorder.c drop_stale_frames).
  function dropStaleFrames() {
    if (overflow !== 0) {
      if (overflow > OVERFLOW_IDS) return; // the top's id was not kept: cannot tell
      for (let k = overflow; k-- > 0;) {
        if (isImport(overflowIds[k])) { overflow = k + 1; return; }
      }
      overflow = 0;
    }
    let keep = depth;
    while (keep > 0 && !isImport(fId[keep - 1])) keep--;
    if (keep < depth) unwindAbove(keep, now());
  }

  // An enter beyond maxDepth (or above one): counted, its id kept.
  function enterOverflow(id) {
    if (overflow < OVERFLOW_IDS) {
      if (overflowIds === null) overflowIds = new Int32Array(OVERFLOW_IDS);
      overflowIds[overflow] = id;
    }
    overflow++;
    c.depthOverflows++;
  }

  // enter and enterPending: one frame opened (recorder.c open_frame).
  function openFrame(id, pending) {
    id >>>= 0;
    c.enters++;
    if (id >= siteCount) { c.unknownIds++; return; }
    if (!pending && unwindOnReentry && (depth !== 0 || overflow !== 0) && sites[id].kind === SITE_EXPORT) dropStaleFrames();
    if (overflow !== 0 || depth >= maxDepth) { enterOverflow(id); return; }
    if (depth === capacity) growStack();
    const d = depth;
    if (d === 0) {
      traceId[0] = nextRandom(); traceId[1] = nextRandom(); traceId[2] = nextRandom(); traceId[3] = nextRandom();
      sampled = sampleAll || nextRandom() / 4294967296 < sampleRatio;
    }
    // muted: the stack and the call count only
    const muted = !pending && sMuted[id] !== 0;
    fId[d] = id;
    fChildren[d] = 0;
    fPending[d] = pending ? 1 : 0;
    fSpanParent[d] = d === 0 ? -1 : fRecorded[d - 1] !== 0 ? d - 1 : fSpanParent[d - 1];
    fMuted[d] = muted ? 1 : 0;
    const rec = !muted && recordSpans && sampled;
    fRecorded[d] = rec ? 1 : 0;
    fKeptChild[d] = 0;
    if (rec) { fSpan[2 * d] = nextRandom(); fSpan[2 * d + 1] = nextRandom(); }
    if (recordProfile) fNode[d] = pending ? newNode(id) : profileChild(d === 0 ? 0 : fNode[d - 1], id);
    depth = d + 1;
    if (!muted) fStart[d] = now(); // last: the hook's own cost stays outside
  }

  function enter(id) { openFrame(id, false); }

  // An enter whose site is known only when it ends (wasi:otel's on-start):
  // the frame is `id` (a placeholder) until exitAs names it; closed any
  // other way (an out-of-order exit, unwind, finish) it stays `id`. Its
  // profile node is its own until then. It never triggers the
  // unwindOnReentry rule; to that rule it is a frame of its placeholder's
  // kind. (recorder.c wo_enter_pending)
  function enterPending(id) { openFrame(id, true); }

  // Muting: a site's calls so far, and whether they are now many and short
  // (recorder.c count_for_muting).
  function countForMuting(id, duration) {
    const calls = ++sCalls[id];
    const total = (sTotal[id] += duration);
    if (calls < muteAfter || (calls & 255) !== 0 || total / calls >= muteBelowNs) return;
    sMuted[id] = 1;
    c.sitesMuted++;
  }

  function closeTop(t, error) {
    const d = --depth;
    if (fMuted[d] !== 0) {
      // its own time is its caller's self time; its children's stay theirs
      if (d > 0) fChildren[d - 1] += fChildren[d];
      if (error) c.spansUnwound++;
      if (recordProfile) nCalls[fNode[d]]++;
      c.spansMuted++;
      return;
    }
    const start = fStart[d];
    const duration = t > start ? t - start : 0;
    if (d > 0) fChildren[d - 1] += duration;
    if (error) c.spansUnwound++;
    if (muting && fPending[d] === 0) countForMuting(fId[d], duration);
    if (recordProfile) {
      if (fPending[d] !== 0) fNode[d] = attachNode(d === 0 ? 0 : fNode[d - 1], fNode[d], fId[d]);
      const n = fNode[d];
      nCalls[n]++;
      nTotal[n] += duration;
      const ch = fChildren[d];
      nSelf[n] += duration > ch ? duration - ch : 0;
    }
    if (!recordSpans) return;
    if (fRecorded[d] === 0 || duration < minDurationNs) { c.spansFiltered++; return; }
    // the span budget, charged when a span would be exported; a span with a
    // recorded child is kept over it (recorder.c close_top)
    const refusal = budgetRefusal(t, fKeptChild[d] !== 0);
    if (refusal !== 0 && fKeptChild[d] === 0) {
      if (refusal === OVER_RATE) c.spansOverRate++; else c.spansOverSize++;
      return;
    }
    const sp = fSpanParent[d];
    if (sp >= 0) fKeptChild[sp] = 1;
    const i = batchCount++;
    bTrace[4 * i] = traceId[0]; bTrace[4 * i + 1] = traceId[1]; bTrace[4 * i + 2] = traceId[2]; bTrace[4 * i + 3] = traceId[3];
    bSpan[2 * i] = fSpan[2 * d]; bSpan[2 * i + 1] = fSpan[2 * d + 1];
    if (sp >= 0) { bParent[2 * i] = fSpan[2 * sp]; bParent[2 * i + 1] = fSpan[2 * sp + 1]; } else { bParent[2 * i] = 0; bParent[2 * i + 1] = 0; }
    bSite[i] = fId[d];
    bStart[i] = start;
    bDur[i] = duration;
    bErr[i] = error ? 1 : 0;
    bDepth[i] = d;
    c.spansRecorded++;
    if (batchCount === batchSize) exportBatch();
  }

  // Closes the frames above index `keep` as unwound. They all end at `t`, but
  // each 1 ns before the frame below it, so that a child never ends after its
  // parent once times are rounded (recorder.c unwind_above).
  function unwindAbove(keep, t) {
    while (depth > keep) {
      const stagger = depth - keep;
      closeTop(t > stagger ? t - stagger : 0, true);
    }
  }

  // An exit while enters beyond maxDepth are pending: it closes the newest of
  // them if the id matches one that was kept; an id open in the recorded stack
  // instead means a non-local exit out of the whole overflow. Returns true when
  // the exit was consumed by the overflow (recorder.c exit_overflow).
  function exitOverflow(id, t) {
    if (overflow > OVERFLOW_IDS) { overflow--; return true; }
    for (let k = overflow; k-- > 0;) {
      if (overflowIds[k] !== id) continue;
      overflow = k; // drops the unmatched ones above as well
      return true;
    }
    for (let k = depth; k-- > 0;) {
      if (fId[k] !== id) continue;
      overflow = 0;
      unwindAbove(k + 1, t);
      return false;
    }
    c.exitsUnmatched++;
    return true;
  }

  function exit(id) {
    id >>>= 0;
    // a muted frame closing in order reads no clock
    if (depth !== 0 && overflow === 0 && fId[depth - 1] === id && fMuted[depth - 1] !== 0) {
      c.exits++;
      closeTop(0, false);
      return;
    }
    const t = now(); // before the rest: the hook's own cost stays outside
    c.exits++;
    if (id >= siteCount) { c.unknownIds++; return; }
    if (overflow !== 0 && exitOverflow(id, t)) return;
    if (depth === 0) { c.exitsWithoutEnter++; return; }
    if (fId[depth - 1] !== id) {
      // A non-local exit (a trap caught by the host, an exception the module
      // could not see) left frames above the one this exit closes.
      let k = depth - 1;
      while (k > 0 && fId[k - 1] !== id) k--;
      if (k === 0) { c.exitsUnmatched++; return; }
      unwindAbove(k, t);
    }
    closeTop(t, false);
  }

  // Ends the innermost open enter (the one an exit in order would end): a
  // pending one (enterPending) as site `id`, any other as the site it was
  // entered as; with error status when `error` (counted in spansUnwound, as
  // the spans unwind() closes). For hosts of span APIs whose spans end in
  // order and carry their status, and for wasi:otel their site, only when
  // they end. An id outside the site table is counted and ignored.
  // (recorder.c wo_exit_as)
  function exitAs(id, error) {
    const t = now();
    id >>>= 0;
    c.exits++;
    if (id >= siteCount) { c.unknownIds++; return; }
    if (overflow !== 0) { overflow--; return; }
    if (depth === 0) { c.exitsWithoutEnter++; return; }
    if (fPending[depth - 1] !== 0) fId[depth - 1] = id;
    closeTop(t, !!error);
  }

  function unwind() {
    const t = now();
    overflow = 0;
    unwindAbove(0, t);
  }

  function memoryGrow(pages) { c.memoryGrows++; }

  let abi = options.abi ?? 'wasm-instrument';

  function loadSites(moduleOrBytes) {
    const r = readSites(moduleOrBytes);
    sites = r.sites;
    sitesChanged();
    batch.sites = sites;
    abi = r.abi;
    return r;
  }
  if (options.sites) { sites = options.sites; sitesChanged(); batch.sites = sites; }

  let finished = false;

  // The profile as a tree of plain objects: { site, calls, totalNs, selfNs, children }.
  function profile() {
    if (!recordProfile) return null;
    return buildProfile(sites, { site: nSite, first: nFirst, next: nNext, calls: nCalls, total: nTotal, self: nSelf });
  }

  return {
    backend: 'js',
    resource,
    get abi() { return abi; },
    get sites() { return sites; },
    enter,
    exit,
    enterPending,
    exitAs,
    unwind,
    memoryGrow,
    depth: () => depth,
    // The import object entries: the default ABI always, and observe-sdk's
    // when the module was loaded as an observe-sdk module (or asked for).
    hooks: (which) => hookNamespaces({ enter, exit, memoryGrow }, which ?? abi),
    loadSites,
    // Hands finished spans to the exporters and flushes them.
    flush() {
      exportBatch();
      for (const e of exporters) if (e.flush) e.flush();
    },
    // Closes the open spans with error status (proc_exit, shutdown), hands
    // everything to the exporters and flushes them. Idempotent.
    finish() {
      const t = now();
      overflow = 0;
      unwindAbove(0, t);
      exportBatch();
      for (const e of exporters) if (e.flush) e.flush();
      finished = true;
    },
    // finish() if not done, then closes the exporters (their files).
    close() {
      if (!finished) this.finish();
      for (const e of exporters) if (e.close) e.close();
      exporters.length = 0;
    },
    counters() { return { ...c }; },
    // Sampled profile timing: what the times rest on (null with the clock).
    samplerStats() { return null; },
    get lastExportError() { return lastExportError; },
    profile,
    // Folded stacks, one line per call path with its self time in ns.
    folded() { return writeFolded(profile()); },
    // Folded stacks with call counts and the e2e naming (import:/export: prefixes).
    foldedCalls() { return writeFoldedCalls(profile()); },
    summary(top = 20) { return writeSummary(profile(), top); },
  };
}
