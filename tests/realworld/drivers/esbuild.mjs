// esbuild-wasm (Go, js/wasm): transform a small TypeScript module to ES2015,
// running esbuild's own command-line launcher (bin/esbuild) in this process.
// The JS API would start the launcher as a child process, out of reach of the
// hooks preload. Go ends the process itself (process.exit with its exit code).
import fs from 'node:fs';
import tty from 'node:tty';
import { Writable } from 'node:stream';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { swapWasm } from './_swap.mjs';

const require = createRequire(import.meta.url);
const dir = require.resolve('esbuild-wasm/package.json').replace(/package\.json$/, '');
swapWasm(dir + 'esbuild.wasm');

// The launcher replaces fs.writeSync with a function that calls
// process.stdout.write for fd 1 (and stderr for fd 2). When that stream is a
// regular file or a device such as /dev/null, Node's stream calls fs.writeSync
// again: endless recursion, and V8 dies with "Fatal JavaScript invalid size
// error" (esbuild-wasm 0.28.2, Node 20). Give the launcher streams that write
// with the original fs.writeSync, unless fd is a pipe, a socket or a terminal.
const writeSync = fs.writeSync;
for (const [name, fd] of [['stdout', 1], ['stderr', 2]]) {
  const st = fs.fstatSync(fd);
  if (!st.isFIFO() && !st.isSocket() && !tty.isatty(fd)) {
    const stream = new Writable({
      write(chunk, _encoding, callback) { writeSync(fd, chunk); callback(); },
    });
    stream.fd = fd;
    Object.defineProperty(process, name, { configurable: true, enumerable: true, get: () => stream });
  }
}

process.chdir(fileURLToPath(new URL('.', import.meta.url)));
process.argv = [process.argv[0], dir + 'bin/esbuild', 'esbuild-input.ts',
  '--format=esm', '--target=es2015', '--minify-syntax', '--log-level=warning', '--charset=utf8'];
require(dir + 'bin/esbuild');
