// @rollup/wasm-node (Rust, wasm-bindgen --target nodejs): rollup parses every
// module with its Rust parser (SWC) compiled to wasm. Bundle a few in-memory
// modules with tree shaking, print the chunk, then feed a syntax error to the
// parser and print the error it reports.
import { createRequire } from 'node:module';
import { swapWasm } from './_swap.mjs';

const require = createRequire(import.meta.url);
swapWasm(require.resolve('@rollup/wasm-node/dist/wasm-node/bindings_wasm_bg.wasm'));
const { rollup } = require('@rollup/wasm-node');
const { parseAst } = require('@rollup/wasm-node/parseAst');

const files = {
  'main.js': `
    import { sum, unusedHelper } from './math.js';
    import * as strings from './strings.js';
    import config from './config.js';
    export class Report {
      #rows = [];
      add(label, ...values) { this.#rows.push([strings.pad(label, config.width), sum(...values)]); return this; }
      render() { return this.#rows.map(([l, v]) => \`\${l}|\${v ?? '-'}\`).join('\\n'); }
    }
    export const make = async (items) => {
      const r = new Report();
      for await (const [k, ...v] of items) r.add(k, ...v);
      return r.render();
    };
    export default function main() { return make([['a', 1, 2], ['bb', 3], ['ccc']]); }
  `,
  'math.js': `
    export const sum = (...xs) => xs.length ? xs.reduce((a, b) => a + b, 0) : undefined;
    export function unusedHelper(x) { return x ** 2 >>> 1; }
    export const PI2 = Math.PI * 2;
  `,
  'strings.js': `
    export const pad = (s, n) => s + ' '.repeat(Math.max(0, n - s.length));
    export const shout = (s) => s.toUpperCase() + '!';
  `,
  'config.js': `export default { width: 5, /* comment */ debug: false, label: 'r\\u00e9sum\\u00e9' };`,
};

const virtual = {
  name: 'virtual',
  resolveId(id) { return id.replace(/^\.\//, '') in files ? id.replace(/^\.\//, '') : null; },
  load(id) { return files[id] ?? null; },
};

const bundle = await rollup({ input: 'main.js', plugins: [virtual], treeshake: true });
for (const format of ['es', 'cjs']) {
  const { output } = await bundle.generate({ format, exports: 'named', entryFileNames: '[name]-[hash].js' });
  for (const chunk of output) {
    console.log(`--- ${format} ${chunk.fileName} exports=${chunk.exports.join(',')}`);
    console.log(chunk.code.trimEnd());
  }
}
await bundle.close();

const ast = parseAst('const { a = 1, ...rest } = obj ?? {}; label: for (;;) break label;');
console.log(JSON.stringify(ast.body.map((n) => [n.type, n.start, n.end])));
try {
  parseAst('let x = ;');
} catch (e) {
  console.log('parse error:', e.code, e.message);
}
