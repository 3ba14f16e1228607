// Checks a trace the packaged Node host wrote (tests/npm-package/run.sh):
//   node check.mjs OTLP.jsonl CHROME.json CALLS.folded GOLDEN.folded
// every OTLP line parses; the resource says the C recorder wrote it
// (telemetry.sdk.language cpp: the shipped wasm32 recorder, not the JS one);
// a span per call of the golden call tree, every parent present; the Chrome
// trace has as many events; the call counts are the golden's.
import fs from 'node:fs';

const [otlpFile, chromeFile, callsFile, goldenFile] = process.argv.slice(2);
const problems = [];
const spans = [];
let language = null;
for (const line of fs.readFileSync(otlpFile, 'utf8').split('\n').filter(Boolean)) {
  const d = JSON.parse(line);
  for (const rs of d.resourceSpans) {
    language = rs.resource.attributes.find((a) => a.key === 'telemetry.sdk.language')?.value.stringValue;
    for (const ss of rs.scopeSpans) spans.push(...ss.spans);
  }
}
if (language !== 'cpp') problems.push(`telemetry.sdk.language ${language}: not the C recorder`);
const golden = fs.readFileSync(goldenFile, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
const calls = golden.reduce((n, l) => n + Number(l.split(' ').pop()), 0);
if (spans.length !== calls) problems.push(`${spans.length} spans, ${calls} calls`);
const ids = new Set(spans.map((s) => s.spanId));
const orphans = spans.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId)).length;
if (orphans) problems.push(`${orphans} spans without their parent`);
const events = JSON.parse(fs.readFileSync(chromeFile, 'utf8')).traceEvents.length;
if (events !== spans.length) problems.push(`Chrome trace: ${events} events`);
const sorted = (f) => fs.readFileSync(f, 'latin1').split('\n').filter((l) => l && !l.startsWith('#')).sort().join('\n');
if (sorted(callsFile) !== sorted(goldenFile)) problems.push('call counts differ from the golden');
console.log(problems.length ? `FAIL ${problems.join('; ')}` : `PASS ${spans.length} spans`);
