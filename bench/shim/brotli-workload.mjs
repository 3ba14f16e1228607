// The compression workload of bench/shim/realworld.sh: brotli-wasm (the Rust
// `brotli` crate compiled to wasm with wasm-bindgen; bench/shim/package.json,
// installed by bench/shim/fetch.sh) with its .wasm replaced by $WASM_PATH
// (tests/realworld/drivers/_swap.mjs). Deterministic input (about 1 MB at
// SCALE 1: log-like text lines, JSON records, and incompressible bytes),
// compressed in one call at qualities 5 and 9, streamed through
// CompressStream at quality 6 in 16 KB chunks, and every result decompressed
// (in one call and through DecompressStream) and compared with the input.
//
//   WASM_PATH=brotli_wasm_bg.instr.wasm node [--import register.mjs] brotli-workload.mjs [SCALE] [PASSES]
//
// As sqljs-workload.mjs: only the passes are timed; `result:` lines on stdout,
// `workload: pass=K ns=N` on stderr; BENCH_HOOKS: see workload-common.mjs.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { swapWasm } from '../../tests/realworld/drivers/_swap.mjs';
import { installHooks, args, checksum, runPasses } from './workload-common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, 'package.json'));
const { scale, passes } = args('brotli-workload.mjs');

// The package's exports map hides its files: find them from its main entry.
swapWasm(path.join(path.dirname(require.resolve('brotli-wasm')), 'pkg.node', 'brotli_wasm_bg.wasm'));
installHooks();
const brotli = require('brotli-wasm'); // loads its .wasm synchronously

function input() {
  let seed = 987654321;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) >>> 8);
  const words = ['request', 'GET', 'POST', '/api/v1/orders', '/static/app.js', 'user', 'session', 'ok', 'error',
    'timeout', 'cache', 'miss', 'hit', 'upstream', 'latency', 'bytes', 'status', 'retry', 'region', 'eu-west'];
  const parts = [];
  let size = 0;
  const target = Math.round(1_000_000 * scale);
  let line = 0;
  while (size < target) {
    let s;
    if (line % 5 === 4) {
      s = JSON.stringify({ id: line, user: `u${rand() % 5000}`, items: [rand() % 100, rand() % 100, rand() % 100],
        total: (rand() % 100000) / 100, tags: [words[rand() % words.length], words[rand() % words.length]] }) + '\n';
    } else {
      const n = 4 + (rand() % 10);
      s = `2024-05-${String(1 + (rand() % 28)).padStart(2, '0')}T${String(rand() % 24).padStart(2, '0')}:${String(rand() % 60).padStart(2, '0')} `;
      for (let i = 0; i < n; i++) s += words[rand() % words.length] + (i % 3 === 2 ? `=${rand() % 1000} ` : ' ');
      s += '\n';
    }
    parts.push(Buffer.from(s, 'latin1'));
    size += s.length;
    if (line % 200 === 199) { // some incompressible bytes
      const b = Buffer.alloc(256);
      for (let i = 0; i < b.length; i++) b[i] = rand() & 255;
      parts.push(b);
      size += b.length;
    }
    line++;
  }
  return new Uint8Array(Buffer.concat(parts));
}

const data = input();

function same(a, b) {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

function streamCompress(bytes, quality, chunk) {
  const stream = new brotli.CompressStream(quality);
  const out = [];
  let offset = 0;
  for (;;) {
    const end = Math.min(offset + chunk, bytes.length);
    const piece = bytes.subarray(offset, end);
    let r = stream.compress(piece, chunk);
    out.push(r.buf);
    let used = r.input_offset;
    while (r.code === brotli.BrotliStreamResultCode.NeedsMoreOutput) {
      r = stream.compress(piece.subarray(used), chunk);
      out.push(r.buf);
      used += r.input_offset;
    }
    offset = end;
    if (offset >= bytes.length) break;
  }
  let r;
  do { // finish
    r = stream.compress(undefined, chunk);
    out.push(r.buf);
  } while (r.code === brotli.BrotliStreamResultCode.NeedsMoreOutput);
  stream.free();
  return new Uint8Array(Buffer.concat(out));
}

function streamDecompress(bytes, chunk) {
  const stream = new brotli.DecompressStream();
  const out = [];
  let offset = 0;
  let r;
  do {
    r = stream.decompress(bytes.subarray(offset, Math.min(offset + chunk, bytes.length)), chunk);
    out.push(r.buf);
    offset += r.input_offset;
  } while (r.code !== brotli.BrotliStreamResultCode.ResultSuccess);
  stream.free();
  return new Uint8Array(Buffer.concat(out));
}

function workload() {
  const sum = checksum();
  sum.add(data.length);
  for (const quality of [5, 9]) {
    const packed = brotli.compress(data, { quality });
    sum.add(packed.length);
    sum.add(packed);
    if (!same(brotli.decompress(packed), data)) throw new Error(`quality ${quality}: round trip differs`);
  }
  const streamed = streamCompress(data, 6, 16384);
  sum.add(streamed.length);
  sum.add(streamed);
  if (!same(streamDecompress(streamed, 16384), data)) throw new Error('stream: round trip differs');
  return sum.value;
}

runPasses(workload, passes);
