// Runs export NAME of a module with one i32 argument and prints every call of
// the wasm-instrument hooks (`enter ID`, `exit ID`), then `result VALUE`, or
// `threw` when a wasm exception left the export. Other imports do nothing.
// Used by lit tests that check the order of the hook calls.
import fs from 'node:fs';
const [file, name, arg] = process.argv.slice(2);
const module = new WebAssembly.Module(fs.readFileSync(file));
const hooks = {
  enter: (id) => console.log(`enter ${id}`),
  exit: (id) => console.log(`exit ${id}`),
};
const imports = {};
for (const i of WebAssembly.Module.imports(module)) {
  const hook = i.module === 'wasm-instrument:hooks/trace@0.1.0' ? hooks[i.name] : undefined;
  (imports[i.module] ??= {})[i.name] = hook ?? (() => {});
}
const run = new WebAssembly.Instance(module, imports).exports[name];
try {
  console.log(`result ${run(Number(arg))}`);
} catch (e) {
  if (!(e instanceof WebAssembly.Exception)) throw e;
  console.log('threw');
}
