#!/usr/bin/env node
// Rewrites the `name` custom section of a module without the given subsections.
//
//   node drop-name-subsections.mjs IN.wasm OUT.wasm ID...
//
// Used for the exception fixtures: wat2wasm 1.0.32 --debug-names writes tag names
// as subsection 10 (the extended-name-section proposal has 10 = field names,
// 11 = tag names), and Binaryen 108 then fails to read the module ("invalid field
// index in name field section", then "unexpected end of input").
import fs from 'node:fs';

const [inPath, outPath, ...ids] = process.argv.slice(2);
if (!outPath) {
  process.stderr.write('usage: drop-name-subsections.mjs IN.wasm OUT.wasm ID...\n');
  process.exit(2);
}
const drop = new Set(ids.map(Number));
const b = fs.readFileSync(inPath);

function leb(buf, p) {
  let v = 0, shift = 0;
  for (;;) {
    if (p >= buf.length) throw new Error('truncated LEB128');
    const byte = buf[p++];
    v += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return [v, p];
    shift += 7;
    if (shift > 28) throw new Error('LEB128 too long');
  }
}
function encode(n) {
  const out = [];
  do { let x = n & 0x7f; n = Math.floor(n / 128); if (n) x |= 0x80; out.push(x); } while (n);
  return Buffer.from(out);
}

const parts = [b.subarray(0, 8)];
let p = 8;
while (p < b.length) {
  const start = p;
  const id = b[p++];
  let size;
  [size, p] = leb(b, p);
  const end = p + size;
  if (end > b.length) throw new Error('section runs past the end');
  let keep = b.subarray(start, end);
  if (id === 0) {
    let [nlen, q] = leb(b, p);
    const name = b.subarray(q, q + nlen).toString('latin1');
    q += nlen;
    if (name === 'name') {
      const subs = [];
      while (q < end) {
        const sid = b[q];
        let [slen, r] = leb(b, q + 1);
        if (!drop.has(sid)) subs.push(b.subarray(q, r + slen));
        q = r + slen;
      }
      const payload = Buffer.concat([encode(4), Buffer.from('name'), ...subs]);
      keep = Buffer.concat([Buffer.from([0]), encode(payload.length), payload]);
    }
  }
  parts.push(keep);
  p = end;
}
fs.writeFileSync(outPath, Buffer.concat(parts));
