// Runs export NAME of a module with one i32 argument and prints the result;
// the wasm-instrument hooks, when imported, do nothing. Used by lit tests.
import fs from 'node:fs';
const [file, name, arg] = process.argv.slice(2);
const module = new WebAssembly.Module(fs.readFileSync(file));
const noop = () => {};
const imports = {};
for (const i of WebAssembly.Module.imports(module)) (imports[i.module] ??= {})[i.name] = noop;
console.log(new WebAssembly.Instance(module, imports).exports[name](Number(arg)));
