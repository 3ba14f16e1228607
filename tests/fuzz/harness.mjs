// Differential runner for translate-to-fuzz modules, in the manner of
// Binaryen's scripts/fuzz_shell.js.
//
//   node --experimental-wasm-type-reflection harness.mjs ORIG.wasm INSTR.wasm OUT_PREFIX [options]
//     --abi default|observe-sdk   which hook imports the instrumented module has
//     --eh                        the instrumented module has catch_all guards: a
//                                 wasm or JS exception must leave the hook stack empty
//     --export-sites              every call of an export must start with enter(id) of
//                                 the export site of that name (default ABI, no filter)
//     --patch                     a --patchable build: each site's first exit sets its
//                                 slot in the muted-sites table, as a host muting it
//                                 would (from inside the hook); its later calls must
//                                 call no hook, the frames open then still exit
//
// Runs ORIG and INSTR the same way and writes what each did to OUT_PREFIX.orig.log
// and OUT_PREFIX.instr.log (the caller compares them byte for byte). The log has
// the calls of the `fuzzing-support` logging imports, each export call, its
// result or its exception. Hook calls are not logged; they are checked here:
//   - every exit(id) matches the top of the hook stack;
//   - after an export call that returned, the stack is empty; after a trap
//     (RuntimeError, RangeError) it may not be: it is reset and counted; after
//     another exception it must be empty when --eh is given;
//   - every id indexes the `wasm-instrument.sites` table (default ABI);
//   - the instrumented run calls the hooks at all.
// Problems are printed as "HOOK-ERROR ..." lines on stdout (exit status 1);
// the last stdout line is a JSON summary. Exit status 2 means the harness
// could not run a module at all.
import fs from 'node:fs';
import { compiledModuleRefs, decodeSiteTable } from '../../runtime-shim/node/site-table.mjs';

const args = process.argv.slice(2);
const [origPath, instrPath, outPrefix] = args;
const abi = args.includes('--abi') ? args[args.indexOf('--abi') + 1] : 'default';
const withEh = args.includes('--eh');
const checkExportSites = args.includes('--export-sites');
const patch = args.includes('--patch');
const MUTED_SITES = 'wasm-instrument:muted-sites';

const HOOK_MODULES = {
  default: 'wasm-instrument:hooks/trace@0.1.0',
  'observe-sdk': 'dylibso:observe/instrument',
};

// Prints a value the same way whatever produced it.
function printed(x) {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x === 'bigint') return x.toString() + 'n';
  if (typeof x === 'number') return Object.is(x, -0) ? '-0' : String(x);
  if (Array.isArray(x)) return '[' + x.map(printed).join(', ') + ']';
  if (typeof x === 'function') return 'function';
  return typeof x;
}

// Exception messages can carry details that differ between two correct runs
// (none known for V8 traps); keep the class and the first line.
function normalizedError(e) {
  if (e instanceof WebAssembly.RuntimeError) return 'trap: ' + String(e.message).split('\n')[0];
  if (e instanceof RangeError) return 'RangeError: ' + String(e.message).split('\n')[0];
  if (typeof WebAssembly.Exception === 'function' && e instanceof WebAssembly.Exception)
    return 'wasm exception';
  if (e instanceof Error) return e.constructor.name + ': ' + String(e.message).split('\n')[0];
  return 'thrown ' + printed(e);
}

function isTrap(e) {
  return e instanceof WebAssembly.RuntimeError || e instanceof RangeError;
}

function defaultValue(type) {
  switch (type) {
    case 'i64': return 0n;
    case 'i32': case 'f32': case 'f64': return 0;
    case 'v128': return 0; // cannot cross to JS: both runs get the same TypeError
    default: return null;  // references
  }
}

// The site table (docs/hook-contract.md, versions 1 and 2), or null.
function siteTable(module) {
  const sections = WebAssembly.Module.customSections(module, 'wasm-instrument.sites');
  if (sections.length !== 1) return null;
  const { version, sites } = decodeSiteTable(new Uint8Array(sections[0]), compiledModuleRefs(module));
  const text = (b) => Buffer.from(b).toString('utf8');
  return {
    version,
    sites: sites.map((s) => ({ kind: s.kind, flags: s.flags, input: s.inputIndex, output: s.outputIndex,
      display: text(s.display), symbol: text(s.symbol), module: text(s.module), field: text(s.field) })),
  };
}

const hookErrors = [];
function hookError(message) {
  if (hookErrors.length < 20) hookErrors.push(message);
}

function run(path, instrumented) {
  const lines = [];
  const log = (line) => lines.push(line);
  const module = new WebAssembly.Module(fs.readFileSync(path));
  const stats = { calls: 0, enters: 0, exits: 0, traps: 0, openAfterTrap: 0, memoryGrows: 0, patched: 0 };
  let mutedSites = null; // --patch: the instance's table, once it exists
  const slotReads = new Set(); // --patch: the sites whose call after patching has entered
  let table = null;
  const observeIds = new Set();
  let stack = [];
  let callName = null, firstEnterOfCall = true;

  if (instrumented) {
    table = siteTable(module);
    if (!table) hookError('no wasm-instrument.sites section');
    else if (table.version !== 2) hookError(`site table version ${table.version}, want 2`);
    // observe-sdk passes the function's output index as the id.
    if (table) for (const site of table.sites) observeIds.add(site.output);
  }

  const hookModule = HOOK_MODULES[abi];
  const imports = {};
  let sawHookImport = false;
  for (const imp of WebAssembly.Module.imports(module)) {
    imports[imp.module] ??= {};
    if (imp.kind !== 'function') throw new Error(`unexpected ${imp.kind} import ${imp.module}.${imp.name}`);
    if (imp.module === 'fuzzing-support' && imp.name.startsWith('log')) {
      imports[imp.module][imp.name] = (...values) =>
        log(`[LoggingExternalInterface ${imp.name} ${values.map(printed).join(' ')}]`);
    } else if (instrumented && imp.module === hookModule) {
      sawHookImport = true;
      if (imp.name === 'enter') {
        imports[imp.module][imp.name] = (id) => {
          stats.enters++;
          // a site reads its slot after the enter of its next call: that one
          // enter is allowed, none after it
          if (mutedSites && id < mutedSites.length && mutedSites.get(id) !== null && table?.sites[id]?.kind === 0) {
            if (slotReads.has(id)) hookError(`${callName}: enter(${id}) of a function patched out`);
            slotReads.add(id);
          }
          if (table && abi === 'default' && id >= table.sites.length)
            hookError(`${callName}: enter(${id}) but the site table has ${table.sites.length} sites`);
          if (table && abi === 'observe-sdk' && !observeIds.has(id))
            hookError(`${callName}: enter(${id}) is no site's output function index`);
          if (checkExportSites && firstEnterOfCall && table && callName !== null) {
            const site = table.sites[id];
            if (!site || site.kind !== 2 || site.field !== callName)
              hookError(`${callName}: first enter(${id}) is not the export site of '${callName}' ` +
                        `(kind ${site?.kind} field '${site?.field}')`);
          }
          firstEnterOfCall = false;
          stack.push(id);
        };
      } else if (imp.name === 'exit') {
        imports[imp.module][imp.name] = (id) => {
          stats.exits++;
          if (stack.length === 0) hookError(`${callName}: exit(${id}) with no open span`);
          else if (stack[stack.length - 1] !== id)
            hookError(`${callName}: exit(${id}) but the innermost open span is ${stack[stack.length - 1]}`);
          stack.pop();
          if (mutedSites && id < mutedSites.length && mutedSites.get(id) === null) {
            mutedSites.set(id, true);
            stats.patched++;
          }
        };
      } else if (imp.name === 'memory-grow') {
        imports[imp.module][imp.name] = () => { stats.memoryGrows++; };
      } else {
        throw new Error(`unexpected hook import ${imp.module}.${imp.name}`);
      }
    } else {
      imports[imp.module][imp.name] = (...values) =>
        log(`[import ${imp.module}.${imp.name} ${values.map(printed).join(' ')}]`);
    }
  }
  if (instrumented && !sawHookImport) hookError(`no ${hookModule} imports`);

  const afterCall = (name, error) => {
    if (!instrumented) return;
    if (stack.length === 0) return;
    if (error && (isTrap(error) || !withEh)) {
      stats.openAfterTrap += stack.length;
    } else {
      hookError(`${name}: ${stack.length} span(s) left open after ` +
                (error ? normalizedError(error) : 'a normal return') + ` (stack ${stack.join(',')})`);
    }
    stack = [];
  };

  let instance;
  try {
    callName = '<instantiate>';
    instance = new WebAssembly.Instance(module, imports);
    afterCall(callName, null);
  } catch (e) {
    log(`instantiate: ${normalizedError(e)}`);
    afterCall(callName, e);
    return { lines, stats };
  }
  const exports = instance.exports;
  if (instrumented && patch) {
    mutedSites = exports[MUTED_SITES] ?? null;
    if (!(mutedSites instanceof WebAssembly.Table)) hookError(`--patch: no ${MUTED_SITES} table exported`);
  }
  for (const exp of WebAssembly.Module.exports(module)) {
    if (exp.kind !== 'function' || exp.name === 'hangLimitInitializer') continue;
    if (exports.hangLimitInitializer) {
      callName = 'hangLimitInitializer';
      firstEnterOfCall = true;
      try { exports.hangLimitInitializer(); } catch (e) { log(`hangLimitInitializer: ${normalizedError(e)}`); }
      afterCall(callName, null);
    }
    callName = exp.name;
    firstEnterOfCall = true;
    stats.calls++;
    log(`[fuzz-exec] calling ${exp.name}`);
    const params = exp.type ? exp.type.parameters : [];
    try {
      const result = exports[exp.name](...params.map(defaultValue));
      if (result !== undefined) log(`[fuzz-exec] note result: ${exp.name} => ${printed(result)}`);
      afterCall(exp.name, null);
    } catch (e) {
      if (isTrap(e)) stats.traps++;
      log(`[exception thrown: ${normalizedError(e)}]`);
      afterCall(exp.name, e);
    }
  }
  return { lines, stats };
}

let orig, instr, which = 'original';
try {
  orig = run(origPath, false);
  which = 'instrumented';
  instr = run(instrPath, true);
} catch (e) {
  console.log(`HARNESS-ERROR ${which}: ${e && e.stack ? e.stack.split('\n')[0] : e}`);
  process.exit(2);
}
if (instr.stats.calls > 0 && instr.stats.enters === 0) hookError('no enter() during any call');
if (patch && instr.stats.exits > 0 && instr.stats.patched === 0) hookError('--patch: no site was patched out');
if (instr.stats.enters !== instr.stats.exits + instr.stats.openAfterTrap && hookErrors.length === 0)
  hookError(`${instr.stats.enters} enters but ${instr.stats.exits} exits and ` +
            `${instr.stats.openAfterTrap} spans left open by traps`);
fs.writeFileSync(outPrefix + '.orig.log', orig.lines.join('\n') + '\n');
fs.writeFileSync(outPrefix + '.instr.log', instr.lines.join('\n') + '\n');
for (const e of hookErrors) console.log('HOOK-ERROR ' + e);
console.log(JSON.stringify(instr.stats));
process.exit(hookErrors.length ? 1 : 0);
