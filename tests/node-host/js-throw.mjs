// A JS exception thrown through wasm frames leaves a closed trace once the
// host calls unwind(): the export, the three functions and the import call all
// end, with error status, in nesting order; a later call traces normally.
// Usage: node js-throw.mjs INSTRUMENTED.wasm [wasm32|auto]   (prints PASS/FAIL lines)
import fs from 'node:fs';
import { createRecorder, RECORD_SPANS, RECORD_PROFILE } from '../../runtime-shim/node/wasm-observe.mjs';

const spans = [];
const collect = {
  exportSpans(resource, b, count) {
    for (let i = 0; i < count; i++) {
      spans.push({ name: b.sites[b.site[i]].name, end: b.start[i] + b.duration[i], error: b.error[i] !== 0 });
    }
  },
};
const backend = process.argv[3] ?? 'wasm32';
const rec = createRecorder({ backend, record: RECORD_SPANS | RECORD_PROFILE, exporters: [collect] });
const module = new WebAssembly.Module(fs.readFileSync(process.argv[2]));
rec.loadSites(module);
let throwing = true;
const instance = new WebAssembly.Instance(module, {
  ...rec.hooks(),
  env: { boom(n) { if (throwing) throw new Error(`boom ${n}`); } },
});

let results = [];
const check = (name, ok, why) => results.push(ok ? `PASS js-throw ${name} [${backend}]` : `FAIL js-throw ${name} [${backend}]: ${why}`);
check('backend', rec.backend === 'wasm32', `asked for ${backend}, got ${rec.backend}`);
try {
  instance.exports.outer(41);
  check('thrown', false, 'the import did not throw through wasm');
} catch (e) {
  check('thrown', e.message === 'boom 42', `unexpected ${e}`);
  check('left open', rec.depth() === 5, `depth ${rec.depth()} before unwind, expected 5`);
  rec.unwind();
}
check('closed', rec.depth() === 0, `depth ${rec.depth()} after unwind`);
throwing = false;
instance.exports.outer(1);
rec.finish();
const names = (list) => list.map((s) => s.name).join(',');
const errors = spans.filter((s) => s.error);
check('unwound spans', errors.length === 5, `${errors.length} error spans: ${names(errors)}`);
check('nesting order', names(errors) === 'env.boom,inner,middle,outer,outer',
      `closed as ${names(errors)}`);
const late = errors.findIndex((s, i) => i + 1 < errors.length && !(s.end < errors[i + 1].end));
check('ends in order', late < 0, late < 0 ? '' : `${errors[late].name} ends at or after its parent`);
const clean = spans.filter((s) => !s.error);
check('next call traced', clean.length === 5, `${clean.length} spans after the unwind`);
const c = rec.counters();
check('counters', c.spansUnwound === 5 && c.exitsUnmatched === 0, JSON.stringify(c));
process.stdout.write(results.join('\n') + '\n');
