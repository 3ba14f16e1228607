// Shared by the timed workloads of realworld.sh (sqljs-workload.mjs,
// brotli-workload.mjs): the hooks a workload can supply itself, and the timed
// passes.
//
// BENCH_HOOKS (register.mjs leaves a module alone when its import object
// already has the hooks):
//   (unset)     none: the preload's, if any (an instrumented module without a
//               preload fails to instantiate)
//   noop-wasm   `enter`/`exit` exported by a tiny wasm module that does
//               nothing (wasm to wasm calls: the floor of any hook)
//   wasm:FILE   `enter`/`exit` exported by the wasm module FILE (no imports),
//               e.g. count-hooks.wasm: call counts and a shadow stack, no clock
//   count       JS hooks that count the enters: the number of spans (enter/exit
//               pairs) in each pass
import { readFileSync } from 'node:fs';

const HOOK_MODULE = 'wasm-instrument:hooks/trace@0.1.0';

let enters = 0;
let counting = false;

// Wraps WebAssembly.instantiate and WebAssembly.Instance so that every
// instance gets the hooks BENCH_HOOKS names (modules that do not import them
// ignore the extra import module). Call it before the package loads its .wasm.
export function installHooks() {
  const mode = process.env.BENCH_HOOKS ?? '';
  let hooks;
  if (mode === '') return;
  if (mode === 'noop-wasm') {
    // (module (func (export "enter") (param i32)) (func (export "exit") (param i32)))
    const bytes = new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      0x01, 0x05, 0x01, 0x60, 0x01, 0x7f, 0x00,
      0x03, 0x03, 0x02, 0x00, 0x00,
      0x07, 0x10, 0x02, 0x05, 0x65, 0x6e, 0x74, 0x65, 0x72, 0x00, 0x00, 0x04, 0x65, 0x78, 0x69, 0x74, 0x00, 0x01,
      0x0a, 0x07, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b,
    ]);
    const { enter, exit } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
    hooks = { enter, exit };
  } else if (mode.startsWith('wasm:')) {
    const { enter, exit } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(mode.slice(5)))).exports;
    hooks = { enter, exit };
  } else if (mode === 'count') {
    counting = true;
    hooks = { enter: () => { enters++; }, exit: () => {} };
  } else {
    process.stderr.write(`workload: BENCH_HOOKS: noop-wasm, wasm:FILE or count, not ${mode}\n`);
    process.exit(2);
  }
  const W = globalThis.WebAssembly;
  const withHooks = (imports) => ({ ...(imports ?? {}), [HOOK_MODULE]: hooks });
  const { instantiate, Instance } = W;
  W.instantiate = function (source, imports, ...rest) { return instantiate.call(W, source, withHooks(imports), ...rest); };
  W.Instance = new Proxy(Instance, {
    construct(target, [module, imports, ...rest], newTarget) {
      return Reflect.construct(target, [module, withHooks(imports), ...rest], newTarget === W.Instance ? target : newTarget);
    },
  });
}

// [SCALE, PASSES] from argv (defaults 1 and 2).
export function args(name) {
  const scale = Number(process.argv[2] ?? 1);
  const passes = Number(process.argv[3] ?? 2);
  if (!(scale > 0) || !Number.isInteger(passes) || passes < 1) {
    process.stderr.write(`usage: ${name} [SCALE>0] [PASSES>=1]\n`);
    process.exit(2);
  }
  return { scale, passes };
}

// A 32-bit FNV-1a over the text of values (numbers with 6 decimals at most).
export function checksum() {
  let h = 0x811c9dc5;
  const bytes = (a) => { for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a[i], 16777619); };
  return {
    add(v) {
      if (v instanceof Uint8Array) bytes(v);
      else {
        const s = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(6)) : String(v);
        for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
      }
      h = Math.imul(h ^ 0x1f, 16777619);
    },
    get value() { return (h >>> 0).toString(16).padStart(8, '0'); },
  };
}

// Runs workload() PASSES times, each timed with process.hrtime.bigint(); prints
// `result: CHECKSUM` on stdout and `workload: pass=K ns=N [enters=N]` on stderr.
export function runPasses(workload, passes) {
  for (let p = 1; p <= passes; p++) {
    const before = enters;
    const t0 = process.hrtime.bigint();
    const result = workload();
    const t1 = process.hrtime.bigint();
    console.log(`result: ${result}`);
    process.stderr.write(`workload: pass=${p} ns=${t1 - t0}${counting ? ` enters=${enters - before}` : ''}\n`);
  }
}
