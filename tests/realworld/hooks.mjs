// Preload for the real-world tests: `node --import ./hooks.mjs driver.mjs`.
//
// Any module that imports `wasm-instrument:hooks/trace@0.1.0` (docs/hook-contract.md)
// gets `enter(id)` / `exit(id)` from here, whichever JS API instantiates it:
// WebAssembly.instantiate, instantiateStreaming or `new WebAssembly.Instance`.
// A module that does not import the hooks is instantiated untouched.
//
// Each thread keeps its own span stack (the contract: one stack per thread).
// Counters live in a SharedArrayBuffer handed to every worker through
// worker_threads environment data, one slot per thread, so the main thread can
// add up the workers' counts at exit even when a worker is terminated. A worker
// sees this preload because Node passes the parent's execArgv (`--import`) on.
//
// At exit the main thread writes one line to stderr, or to the file named by
// HOOKS_REPORT:
//   hooks: enters=N exits=N unbalanced=N open=N
// then a second, informational line:
//   hooks-detail: modules=N threads=N unwound=N max_depth=N open_main=N open_workers=N workers_with_open=N workers_mid_hook=N repaired=N
// enters/exits: hook calls; unbalanced: exits whose id was not the top of the
// calling thread's stack (or an unwind of more than were open); repaired: enters
// closed by the unwind hook (unwind(count), docs/hook-contract.md); open: spans still on a stack at exit; unwound: spans
// closed because an exit further down their stack matched (trap or host
// exception recovery, as the contract prescribes for hosts). modules: instances
// given the hooks; threads: threads that called a hook (or got one). open_main
// is the main thread's depth when the process exits: non-zero when the process
// is ended from inside wasm (Go's os.Exit calls process.exit). open_workers:
// spans of worker threads still inside wasm (parked pool threads);
// workers_mid_hook: workers caught inside a hook call when their counts were
// read (counted one span apart; their open spans are their enters not exited).
//
// HOOKS_DEBUG=1 adds diagnostics on stderr: every unbalanced exit with the top
// of the stack, and at exit the open stacks of every thread, with the names
// from the module's `wasm-instrument.sites` section.
import { isMainThread, getEnvironmentData, setEnvironmentData } from 'node:worker_threads';
import { writeFileSync } from 'node:fs';
import { interceptInstantiation } from '../../runtime-shim/node/intercept-instantiation.mjs';
import { compiledModuleRefs, decodeSiteTable } from '../../runtime-shim/node/site-table.mjs';

const HOOK_MODULE = 'wasm-instrument:hooks/trace@0.1.0';
const UNWIND_MODULE = 'wasm-instrument:hooks/unwind@0.1.0';
const ENV_KEY = 'wasm-instrument:realworld-hooks';
const MAX_SLOTS = 4096;
// slot fields (Float64, one writer each: the owning thread)
const F_ENTERS = 0, F_EXITS = 1, F_UNBAL = 2, F_DEPTH = 3, F_UNWOUND = 4, F_MAXDEPTH = 5, F_MODULES = 6, F_MAIN = 7,
  F_REPAIRED = 8;
const NFIELDS = 9;
const MIRROR = 256; // the bottom of each thread's stack, readable by the main thread
const DEBUG = !!process.env.HOOKS_DEBUG;

let sab = getEnvironmentData(ENV_KEY);
if (!(sab instanceof SharedArrayBuffer)) {
  sab = new SharedArrayBuffer(8 + 8 * NFIELDS * MAX_SLOTS + 4 * MIRROR * MAX_SLOTS);
  setEnvironmentData(ENV_KEY, sab);
}
const header = new Int32Array(sab, 0, 2);
const slots = new Float64Array(sab, 8, NFIELDS * MAX_SLOTS);
const mirror = new Int32Array(sab, 8 + 8 * NFIELDS * MAX_SLOTS, MIRROR * MAX_SLOTS);

let base = -1; // this thread's slot, allocated on first use
function slot() {
  if (base < 0) {
    const n = Atomics.add(header, 0, 1);
    if (n >= MAX_SLOTS) throw new Error('hooks.mjs: too many threads');
    base = n * NFIELDS;
    slots[base + F_MAIN] = isMainThread ? 1 : 0;
  }
  return base;
}

let stack = new Int32Array(1024);
let depth = 0;

// HOOKS_FOLDED_CALLS: the main thread's call tree, a node per call path with
// its call count, kept here independently of the runtime shim so that the
// shim's folded call counts can be compared with it (run.sh step 5).
const foldedCallsPath = isMainThread ? process.env.HOOKS_FOLDED_CALLS : undefined;
const treeRoot = { calls: 0, children: new Map() };
let treePath = foldedCallsPath ? [treeRoot] : null;

function treeEnter(id) {
  const parent = treePath[depth];
  let node = parent.children.get(id);
  if (!node) parent.children.set(id, (node = { calls: 0, children: new Map() }));
  node.calls++;
  treePath[depth + 1] = node;
}

function enter(id) {
  if (treePath) treeEnter(id);
  const b = base >= 0 ? base : slot();
  if (depth === stack.length) {
    const bigger = new Int32Array(stack.length * 2);
    bigger.set(stack);
    stack = bigger;
  }
  if (depth < MIRROR) mirror[(b / NFIELDS) * MIRROR + depth] = id;
  stack[depth++] = id;
  slots[b + F_ENTERS] += 1;
  slots[b + F_DEPTH] = depth;
  if (depth > slots[b + F_MAXDEPTH]) slots[b + F_MAXDEPTH] = depth;
}

function exit(id) {
  const b = base >= 0 ? base : slot();
  slots[b + F_EXITS] += 1;
  if (depth > 0 && stack[depth - 1] === id) {
    depth--;
  } else {
    slots[b + F_UNBAL] += 1;
    if (DEBUG) debugUnbalanced(id);
    // close the abandoned spans above the matching one, if there is one
    let i = depth - 1;
    while (i >= 0 && stack[i] !== id) i--;
    if (i >= 0) {
      slots[b + F_UNWOUND] += depth - 1 - i;
      depth = i;
    }
  }
  slots[b + F_DEPTH] = depth;
}

// unwind(count): the module saw a non-local exit skip the exits of its
// `count` innermost enters (emscripten's longjmp through an invoke_*
// trampoline): they are closed, counted as repaired.
function unwind(count) {
  const b = base >= 0 ? base : slot();
  const n = Math.min(count >>> 0, depth);
  depth -= n;
  slots[b + F_REPAIRED] += n;
  if (n !== count >>> 0) slots[b + F_UNBAL] += 1;
  slots[b + F_DEPTH] = depth;
}

const hookNamespace = Object.freeze({ enter, exit });
const unwindNamespace = Object.freeze({ unwind });

const realModule = globalThis.WebAssembly.Module;

function wantsHooks(module) {
  return realModule.imports(module).some((imp) => imp.module === HOOK_MODULE);
}

// ---- diagnostics (HOOKS_DEBUG) ----
let siteNames = null;
let firstModule = null; // the main thread's first module with hooks (HOOKS_FOLDED_CALLS)
// The site table's entries as { kind, name }, or null.
function readSiteTable(module) {
  const [section] = realModule.customSections(module, 'wasm-instrument.sites');
  if (!section) return null;
  const { sites } = decodeSiteTable(new Uint8Array(section), compiledModuleRefs(module));
  return sites.map((s) => ({ kind: s.kind, name: new TextDecoder().decode(s.display) }));
}
function readSites(module) {
  const table = readSiteTable(module);
  return table && table.map((s) => `${['internal', 'client', 'server'][s.kind] ?? s.kind} ${s.name}`);
}
const siteName = (id) => `${id}${siteNames && siteNames[id] ? ` (${siteNames[id]})` : ''}`;
function debugUnbalanced(id) {
  const top = [];
  for (let i = depth - 1; i >= 0 && top.length < 6; i--) top.push(siteName(stack[i]));
  process.stderr.write(`hooks: unbalanced exit(${siteName(id)}) at depth ${depth}; stack top: ${top.join(' < ') || '(empty)'}\n${new Error().stack.split('\n').slice(2, 8).join('\n')}\n`);
}
function debugOpenStacks(used) {
  for (let s = 0; s < used; s++) {
    const b = s * NFIELDS, d = slots[b + F_DEPTH];
    if (d === 0) continue;
    const ids = [];
    for (let i = 0; i < Math.min(d, MIRROR); i++) ids.push(siteName(mirror[s * MIRROR + i]));
    process.stderr.write(`hooks: ${slots[b + F_MAIN] ? 'main thread' : `worker slot ${s}`} open at exit, bottom first: ${ids.join(' > ')}${d > MIRROR ? ' > ...' : ''}\n`);
  }
}

function withHooks(module, imports) {
  if (!wantsHooks(module)) return imports;
  const b = slot();
  slots[b + F_MODULES] += 1;
  if (DEBUG && !siteNames) siteNames = readSites(module);
  if (treePath && !firstModule) firstModule = module;
  const target = imports == null ? {} : imports;
  // Hooks already given (by runtime-shim/node/register.mjs loaded after this
  // preload, whose WebAssembly patch then runs first): counted here, then
  // passed on, so both see the same calls.
  const given = Reflect.has(target, HOOK_MODULE) ? Reflect.get(target, HOOK_MODULE) : null;
  const namespace = given ? Object.freeze({
    enter(id) { enter(id); given.enter(id); },
    exit(id) { exit(id); given.exit(id); },
  }) : hookNamespace;
  const givenUnwind = Reflect.has(target, UNWIND_MODULE) ? Reflect.get(target, UNWIND_MODULE) : null;
  const unwinding = givenUnwind ? Object.freeze({
    unwind(count) { unwind(count); givenUnwind.unwind(count); },
  }) : unwindNamespace;
  // A proxy rather than a copy: some loaders pass proxies or lazy objects.
  return new Proxy(target, {
    get(t, key, receiver) {
      if (key === HOOK_MODULE) return namespace;
      if (key === UNWIND_MODULE) return unwinding;
      return Reflect.get(t, key, receiver);
    },
    has(t, key) {
      return key === HOOK_MODULE || key === UNWIND_MODULE || Reflect.has(t, key);
    },
  });
}

interceptInstantiation(withHooks);

// The tree as runtime-shim/node/wasm-observe.mjs writeFoldedCalls writes it:
// `import:` / `export:` before import and export sites, ';' in a name as ':'.
function writeTree(module) {
  const sites = readSiteTable(module);
  const lines = [];
  const frame = (id) => {
    const s = sites[id];
    if (!s) return `?${id}`;
    return ['', 'import:', 'export:'][s.kind] + s.name.replace(/;/g, ':').replace(/[\x00-\x1f\x7f]/g, '?');
  };
  const walk = (node, path) => {
    for (const [id, child] of node.children) {
      const p = (path === null ? '' : path + ';') + frame(id);
      lines.push(`${p} ${child.calls}`);
      walk(child, p);
    }
  };
  walk(treeRoot, null);
  lines.sort();
  writeFileSync(foldedCallsPath, lines.length ? lines.join('\n') + '\n' : '');
}

function report() {
  const used = Math.min(Atomics.load(header, 0), MAX_SLOTS);
  const t = new Float64Array(NFIELDS);
  let maxDepth = 0, openMain = 0, openWorkers = 0, workersOpen = 0, midHook = 0;
  for (let s = 0; s < used; s++) {
    // One read of the slot, used for everything below: a worker may still be
    // running, and its counts move between reads.
    const slot = slots.slice(s * NFIELDS, (s + 1) * NFIELDS);
    // A worker may be inside a hook while its slot is read (its counter
    // bumped, its depth not yet): one span apart, its open spans are the
    // enters not exited. More apart is a real inconsistency, left to show.
    const entered = slot[F_ENTERS] - slot[F_EXITS] - slot[F_REPAIRED];
    if (!slot[F_MAIN] && entered !== slot[F_DEPTH] && Math.abs(entered - slot[F_DEPTH]) === 1) { slot[F_DEPTH] = entered; midHook++; }
    for (let f = 0; f < NFIELDS; f++) t[f] += slot[f];
    maxDepth = Math.max(maxDepth, slot[F_MAXDEPTH]);
    if (slot[F_MAIN]) openMain += slot[F_DEPTH];
    else if (slot[F_DEPTH] > 0) { openWorkers += slot[F_DEPTH]; workersOpen++; }
  }
  const line = `hooks: enters=${t[F_ENTERS]} exits=${t[F_EXITS]} unbalanced=${t[F_UNBAL]} open=${t[F_DEPTH]}\n` +
    `hooks-detail: modules=${t[F_MODULES]} threads=${used} unwound=${t[F_UNWOUND]} max_depth=${maxDepth}` +
    ` open_main=${openMain} open_workers=${openWorkers} workers_with_open=${workersOpen} workers_mid_hook=${midHook}` +
    ` repaired=${t[F_REPAIRED]}\n`;
  if (DEBUG) debugOpenStacks(used);
  if (foldedCallsPath && firstModule) writeTree(firstModule);
  if (reportPath) writeFileSync(reportPath, line);
  else process.stderr.write(line);
}

// Read now: some packages (esbuild's launcher) empty process.env before exit.
const reportPath = process.env.HOOKS_REPORT;
if (isMainThread) process.on('exit', report);
