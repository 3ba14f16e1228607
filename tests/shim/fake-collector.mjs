// A stand-in OTLP/HTTP collector for tests/shim/run.sh: answers every POST
// with 200 and logs one line per request,
// "spans N content-type T path P service S x-test H", N counted by decoding
// the ExportTraceServiceRequest with protobufjs and the official .proto files,
// S the first resource's service.name, H the request's x-test header ('-'
// when none).
//   node fake-collector.mjs PORT_FILE LOG_FILE   (writes its port to PORT_FILE)
import http from 'node:http';
import fs from 'node:fs';
import { otlpTraceRoot } from './otlp-proto.mjs';

const [portFile, logFile] = process.argv.slice(2);
// ExportTraceServiceRequest has TracesData's one field (1: resource_spans).
const Request = otlpTraceRoot().lookupType('opentelemetry.proto.trace.v1.TracesData');
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let spans = -1;
    let service = '-';
    try {
      const msg = Request.decode(Buffer.concat(chunks));
      spans = msg.resourceSpans.reduce((n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0), 0);
      const attr = msg.resourceSpans[0]?.resource?.attributes.find((a) => a.key === 'service.name');
      if (attr) service = attr.value.stringValue;
    } catch { /* logged as -1 */ }
    fs.appendFileSync(logFile, `spans ${spans} content-type ${req.headers['content-type']} path ${req.url} service ${service} x-test ${req.headers['x-test'] ?? '-'}\n`);
    res.writeHead(200, { 'content-type': 'application/x-protobuf' });
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(server.address().port)));
