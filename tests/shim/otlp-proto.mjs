// The official OpenTelemetry .proto files (the copy inside
// @elastic/mockotlpserver) loaded by protobufjs, for the tests that check OTLP
// output strictly: tests/shim/check-traces.mjs, tests/shim/fake-collector.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const protobuf = require('protobufjs');

const TRACE_PROTO = path.join('opentelemetry', 'proto', 'trace', 'v1', 'trace.proto');

function findProtoDir() {
  const pkgDir = path.dirname(path.dirname(require.resolve('@elastic/mockotlpserver')));
  const stack = [pkgDir];
  while (stack.length) {
    const dir = stack.pop();
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') stack.push(p);
      else if (p.endsWith(TRACE_PROTO)) return p.slice(0, -TRACE_PROTO.length);
    }
  }
  throw new Error(`no ${TRACE_PROTO} in ${pkgDir}`);
}

// A protobufjs Root with trace.proto and what it imports, resolved.
export function otlpTraceRoot() {
  const protoDir = findProtoDir();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(protoDir, target));
  root.loadSync(TRACE_PROTO, { keepCase: false });
  root.resolveAll();
  return root;
}
