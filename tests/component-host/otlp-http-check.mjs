#!/usr/bin/env node
// OTLP/HTTP and --summary of a component run: a collector in this process
// (http/json), the command run against it with --otlp-file too, and checks:
// the program's stdout and exit status are the untraced run's, its stderr is
// the untraced run's followed by the summary, and the collector received
// exactly the spans of the OTLP/JSON file (the same span ids), also when the
// program ended the process from inside wasi:cli/exit.
//
//   node otlp-http-check.mjs NAME RUN.mjs COMPONENT.wasm REF WORKDIR [args...]
//
// REF.out, REF.err, REF.rc: the untraced run. Prints PASS/FAIL lines.
import fs from 'node:fs';
import http from 'node:http';
import { spawn } from 'node:child_process';

const [name, runScript, component, ref, work, ...progArgs] = process.argv.slice(2);
const results = [];
const pass = (what) => results.push(`PASS ${name} ${what}`);
const fail = (what, why) => results.push(`FAIL ${name} ${what}: ${String(why).slice(0, 300)}`);

const received = [];
let requests = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    requests++;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) received.push(s.spanId);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } catch (e) {
      res.writeHead(400).end();
    }
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}`;

fs.mkdirSync(work, { recursive: true });
const file = `${work}/otlp-http.jsonl`;
const child = spawn(process.execPath, [runScript, 'run', component, '--otlp', url, '--otlp-protocol', 'http/json',
  '--otlp-file', file, '--summary', '--', ...progArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
const out = [], err = [];
child.stdout.on('data', (c) => out.push(c));
child.stderr.on('data', (c) => err.push(c));
const rc = await new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? signal)));
server.close();
const stdout = Buffer.concat(out).toString('latin1');
const stderr = Buffer.concat(err).toString('latin1');

const refOut = fs.readFileSync(`${ref}.out`, 'latin1');
const refErr = fs.readFileSync(`${ref}.err`, 'latin1');
const refRc = fs.readFileSync(`${ref}.rc`, 'latin1').trim();
const header = /^ +calls +self ms +total ms +function\n/;
if (String(rc) !== refRc || stdout !== refOut) fail('otlp-http+summary same output', `exit ${refRc} -> ${rc}; stdout ${JSON.stringify(stdout.slice(0, 80))}`);
else if (!stderr.startsWith(refErr) || !header.test(stderr.slice(refErr.length))) fail('otlp-http+summary same output', `stderr is not the program's then the summary: ${JSON.stringify(stderr.slice(0, 200))}`);
else pass('otlp-http+summary same output, stderr then the summary');

let want = [];
try {
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    for (const rs of JSON.parse(line).resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) want.push(s.spanId);
  }
} catch (e) { want = null; fail('otlp-http delivered', `cannot read ${file}: ${e.message}`); }
if (want) {
  const a = [...want].sort().join(), b = [...received].sort().join();
  if (!want.length) fail('otlp-http delivered', 'no spans in the OTLP/JSON file');
  else if (a !== b) fail('otlp-http delivered', `${received.length} spans in ${requests} requests, the file has ${want.length}`);
  else pass(`otlp-http delivered every span (${received.length} in ${requests} requests)`);
}
process.stdout.write(results.join('\n') + '\n');
