// @oxc-parser/binding-wasm32-wasi (Rust, wasm32-wasip1-threads through napi-rs
// and emnapi): a shared-memory module. parseSync runs on the main thread;
// parse() runs on a wasm thread (a worker), so the instrumented module runs on
// several threads. Prints a summary of each AST, the module record and the errors.
import { createRequire } from 'node:module';
import { swapWasm } from './_swap.mjs';

const require = createRequire(import.meta.url);
swapWasm(require.resolve('@oxc-parser/binding-wasm32-wasi/parser.wasm32-wasi.wasm'));
const oxc = require('@oxc-parser/binding-wasm32-wasi');

const sources = {
  'a.ts': `
    import { readFile } from 'node:fs/promises';
    import type { Stats } from 'node:fs';
    export interface Options<T = unknown> { path: string; parse?: (s: string) => T }
    export enum Mode { Fast = 1, Safe = Fast << 1 }
    // a comment
    export default async function load<T>({ path, parse = JSON.parse }: Options<T>): Promise<T> {
      const text = await readFile(path, 'utf8');
      return parse(text) as T;
    }
    export const big = 123_456n, re = /a(?<x>b)+/gu, tpl = \`x\${1 + 2}y\`;
    export * as ns from './other.js';
  `,
  'b.jsx': `const App = ({ items }) => <ul className="list">{items.map((i) => <li key={i}>{i}</li>)}</ul>;
    export { App }; /* block comment */ import('./lazy.js');`,
  'bad.js': 'let x = ; function (',
};

function summarize(name, result) {
  const counts = {};
  const walk = (node) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === 'object') {
      if (typeof node.type === 'string') counts[node.type] = (counts[node.type] ?? 0) + 1;
      for (const key of Object.keys(node)) walk(node[key]);
    }
  };
  // the binding hands the ESTree AST over as JSON text: {"node": Program, ...}
  const program = JSON.parse(result.program).node;
  walk(program);
  console.log(`--- ${name}: ${program.body.length} statements, ${Object.keys(counts).length} node types`);
  console.log(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(' '));
  const m = result.module;
  console.log('module:', m.hasModuleSyntax, m.staticImports.map((i) => i.moduleRequest.value).join(','),
    m.staticExports.length, m.dynamicImports.length);
  console.log('comments:', result.comments.map((c) => `${c.type}@${c.start}`).join(','));
  console.log('errors:', result.errors.map((e) => `${e.severity}: ${e.message}`).join(' | '));
}

for (const [name, text] of Object.entries(sources)) summarize(`sync ${name}`, oxc.parseSync(name, text));
// async: the work runs on a wasm thread
for (const [name, text] of Object.entries(sources)) summarize(`async ${name}`, await oxc.parse(name, text));
const all = await Promise.all(Object.entries(sources).map(([name, text]) => oxc.parse(name, text)));
console.log('parallel:', all.map((r) => JSON.parse(r.program).node.body.length).join(','));
