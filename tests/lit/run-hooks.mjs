// Runs export NAME of a module with one argument (an i32, or an i64 when
// written with a trailing `n`, as 5n) and prints every call of the hooks
// (`enter ID`, `exit ID`, and for observe-sdk `memory-grow PAGES`, unsigned),
// then `result VALUE`, `threw` when a wasm exception left the export, or
// `trap: MESSAGE`.
// Other imported functions do nothing; imported globals are null (or 0),
// but for emscripten's glue, which behaves as emscripten's JS runtime does:
// `env.invoke_<sig>(index, ...args)` calls the exported table's entry inside a
// try, and on a longjmp calls the export `setThrew(1, 0)` (`longjmp` is
// printed); `env._emscripten_throw_longjmp` throws that longjmp.
// With RUN_HOOKS_MUTE=ID, the first exit of site ID mutes it as a recorder
// would, from inside the hook: its slot in the module's muted-sites table
// (wasm-instrument --patchable) is set, and `muted ID` printed.
// Used by lit tests that check the hook calls.
import fs from 'node:fs';
const [file, name, arg] = process.argv.slice(2);
const module = new WebAssembly.Module(fs.readFileSync(file));
const mute = process.env.RUN_HOOKS_MUTE === undefined ? -1 : Number(process.env.RUN_HOOKS_MUTE);
const hooks = {
  enter: (id) => console.log(`enter ${id}`),
  exit: (id) => {
    console.log(`exit ${id}`);
    const table = exports?.['wasm-instrument:muted-sites'];
    if (id !== mute || !table || table.get(id) !== null) return;
    table.set(id, true);
    console.log(`muted ${id}`);
  },
  'memory-grow': (pages) => console.log(`memory-grow ${pages >>> 0}`),
  unwind: (count) => console.log(`unwind ${count}`),
};
const hookModules = ['wasm-instrument:hooks/trace@0.1.0', 'dylibso:observe/instrument',
  'wasm-instrument:hooks/unwind@0.1.0'];
class Longjmp {}
let exports = null;
function invoke(index, ...args) {
  try {
    return exports.__indirect_function_table.get(index)(...args);
  } catch (e) {
    if (!(e instanceof Longjmp)) throw e;
    console.log('longjmp');
    exports.setThrew(1, 0);
    return 0;
  }
}
const glue = (i) => i.module === 'env' && (/^invoke_[a-z]+$/.test(i.name) ? invoke
  : i.name === '_emscripten_throw_longjmp' ? () => { throw new Longjmp(); } : undefined);
const imports = {};
for (const i of WebAssembly.Module.imports(module)) {
  const hook = hookModules.includes(i.module) ? hooks[i.name] : glue(i);
  (imports[i.module] ??= {})[i.name] = i.kind === 'global' ? null : hook ?? (() => {});
}
exports = new WebAssembly.Instance(module, imports).exports;
const run = exports[name];
try {
  console.log(`result ${run(arg.endsWith('n') ? BigInt(arg.slice(0, -1)) : Number(arg))}`);
} catch (e) {
  if (e instanceof WebAssembly.Exception) console.log('threw');
  else if (e instanceof WebAssembly.RuntimeError) console.log(`trap: ${e.message}`);
  else throw e;
}
