// Transpiling a component with jco for the test and bench hosts: the files go
// into a directory (reused when it already holds them), which is made an ES
// module package, and the transpiled `instantiate` is returned. `transpile` is
// jco's (the caller chooses the jco version).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export async function transpiled(transpile, bytes, dir) {
  const entry = path.join(dir, 'component.js');
  if (!fs.existsSync(entry)) {
    const { files } = await transpile(bytes, { name: 'component', instantiation: 'async', quiet: true });
    for (const [name, data] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), data);
    }
    fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  }
  return (await import(pathToFileURL(entry).href)).instantiate;
}

// Compiles the core modules the transpiled component asks for, from `dir`.
export function coreModuleLoader(dir) {
  return (file) => WebAssembly.compile(fs.readFileSync(path.join(dir, file)));
}
