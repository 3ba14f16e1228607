// Checks one run under the span budget (run.sh says which):
//
//   node check-budget.mjs STDERR OTLP CHROME CALLS MAX_BYTES NAME=CALLS [lifted|muting|patched]
//
// `lifted`: the run had no rate limit and room enough: nothing may be dropped.
// NAME=CALLS: the profile must count CALLS calls of function NAME.
// `muting`: the run muted tiny(): its calls counted with no span, said on
// stderr; the budget need not drop anything.
// `patched`: muting, in a build made with --patchable: tiny() is patched out
// once muted, so the hooks see only its first calls, and so does the profile.
// STDERR holds the runner's counters (traced-run's "counters: k v ..." line or
// wasm-observe's JSON line) and its span budget line; OTLP and CHROME are the
// trace files; CALLS the call tree with counts (--calls / --folded-calls).
// Prints one line per check, "PASS what" or "FAIL what: why".
import fs from 'node:fs';
import readline from 'node:readline';

const [errFile, otlpFile, chromeFile, callsFile, maxBytesText, expectText, mode] = process.argv.slice(2);
const [profiledName, tinyCallsText] = expectText.split('=');
const lifted = mode === 'lifted';
const patched = mode === 'patched';
const muting = mode === 'muting' || patched;
const maxBytes = Number(maxBytesText);
const results = [];
const check = (what, ok, why) => results.push(ok ? `PASS ${what}` : `FAIL ${what}: ${why}`);

// the counters, in either runner's form, with the C names
const err = fs.readFileSync(errFile, 'utf8');
let counters = null;
const cLine = err.split('\n').find((l) => l.startsWith('counters: '));
if (cLine) {
  const w = cLine.slice(10).split(' ');
  counters = {};
  for (let i = 0; i + 1 < w.length; i += 2) counters[w[i]] = Number(w[i + 1]);
} else {
  const jLine = err.split('\n').find((l) => l.startsWith('{"enters"'));
  if (jLine) {
    const j = JSON.parse(jLine);
    counters = {
      enters: j.enters, exits: j.exits, spans_recorded: j.spansRecorded, spans_filtered: j.spansFiltered,
      spans_over_rate: j.spansOverRate, spans_over_size: j.spansOverSize, unknown_ids: j.unknownIds,
      spans_muted: j.spansMuted, sites_muted: j.sitesMuted, sites_patched: j.sitesPatched,
    };
  }
}
check('counters', counters !== null, `no counters line in ${errFile}`);
if (!counters) finish();

// Every span the hooks made is accounted for: recorded, dropped over the
// budget, or muted (nothing is filtered here: no sampling, no minimum duration).
const accounted = counters.spans_recorded + counters.spans_over_rate + counters.spans_over_size +
  counters.spans_filtered + counters.spans_muted;
check('accounted', accounted === counters.enters && counters.spans_filtered === 0 && counters.unknown_ids === 0,
  `enters ${counters.enters}, recorded ${counters.spans_recorded} + over rate ${counters.spans_over_rate} + over size ${counters.spans_over_size} + filtered ${counters.spans_filtered} + muted ${counters.spans_muted}`);
const m = /span budget: (\d+) spans dropped over the rate limit(?: \([^)]*\))?, (\d+) over the size limit/.exec(err);
if (patched) {
  const said = /muted (\d+) sites \(\d+ calls averaging under \d+ ns\): (\d+) calls counted with no span; (\d+) of them patched out of the module/.exec(err);
  // (muting judges every 256 calls from the 1,000th on: a slow start under load
  // can put it off, so the bounds are loose; unpatched, every call is seen)
  check('patched out', counters.sites_muted >= 1 && counters.enters < Number(tinyCallsText) / 10,
    `sites muted ${counters.sites_muted}, enters ${counters.enters} for ${tinyCallsText} calls`);
  check('reported', said && Number(said[1]) === counters.sites_muted && Number(said[2]) === counters.spans_muted &&
    Number(said[3]) >= 1 && (counters.sites_patched === undefined || Number(said[3]) === counters.sites_patched),
    said ? `said ${said[1]}, ${said[2]} and ${said[3]} patched` : 'no muting line with the patched sites on stderr');
} else if (muting) {
  const said = /muted (\d+) sites \(\d+ calls averaging under \d+ ns\): (\d+) calls counted with no span/.exec(err);
  check('muted', counters.sites_muted >= 1 && counters.spans_muted > Number(tinyCallsText) / 2,
    `sites muted ${counters.sites_muted}, spans muted ${counters.spans_muted}`);
  check('reported', said && Number(said[1]) === counters.sites_muted && Number(said[2]) === counters.spans_muted,
    said ? `said ${said[1]} and ${said[2]}` : 'no muting line on stderr');
} else if (lifted) {
  check('nothing dropped', counters.spans_over_rate + counters.spans_over_size === 0 && !err.includes('span budget'),
    `over rate ${counters.spans_over_rate}, over size ${counters.spans_over_size}`);
} else {
  check('dropped', counters.spans_over_rate + counters.spans_over_size > 0, 'the budget dropped nothing: the test does not test it');
  // the one line on stderr
  check('reported', m && Number(m[1]) === counters.spans_over_rate && Number(m[2]) === counters.spans_over_size,
    m ? `said ${m[1]} and ${m[2]}, counted ${counters.spans_over_rate} and ${counters.spans_over_size}` : 'no span budget line on stderr');
}

// the files: within the limit, every line whole, every parent there
for (const f of [otlpFile, chromeFile]) {
  const size = fs.statSync(f).size;
  check(`size ${f.split('/').pop()}`, size <= maxBytes, `${size} bytes over the limit of ${maxBytes}`);
}
const spanIds = new Set();
const parents = [];
let lines = 0, bad = 0, roots = 0;
const rl = readline.createInterface({ input: fs.createReadStream(otlpFile), crlfDelay: Infinity });
for await (const line of rl) {
  lines++;
  let d;
  try { d = JSON.parse(line); } catch { bad++; continue; }
  for (const rs of d.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
    spanIds.add(s.spanId);
    if (s.parentSpanId) parents.push(s.parentSpanId); else roots++;
  }
}
const raw = fs.readFileSync(otlpFile);
check('otlp lines whole', bad === 0 && lines > 0 && raw[raw.length - 1] === 0x0a, `${bad} of ${lines} lines do not parse`);
const orphans = parents.filter((p) => !spanIds.has(p)).length;
check('no orphans', orphans === 0, `${orphans} spans whose parent is not in the file`);
check('root kept', roots >= 1, 'no root span (the command\'s _start) in the file');
let chrome = null;
try { chrome = JSON.parse(fs.readFileSync(chromeFile, 'utf8')); } catch (e) { check('chrome parses', false, e.message); }
if (chrome) {
  check('chrome parses', true);
  check('same spans', chrome.traceEvents.length === spanIds.size,
    `Chrome ${chrome.traceEvents.length} events, OTLP ${spanIds.size} spans`);
}
const dropped = counters.spans_recorded - spanIds.size;
check('files hold what was recorded', dropped >= 0 && dropped <= counters.spans_over_size,
  `recorded ${counters.spans_recorded}, in the file ${spanIds.size}, over size ${counters.spans_over_size}`);

// the profile stays exact; patched out, it counts the calls until the muting
const ending = new RegExp(`(^|;)${profiledName} [0-9]+$`);
const calls = fs.readFileSync(callsFile, 'latin1').split('\n').filter((l) => ending.test(l));
const counted = calls.reduce((n, l) => n + Number(l.split(' ').pop()), 0);
if (patched) {
  check('profile until muted', counted >= 1000 && counted < Number(tinyCallsText) / 10,
    `${profiledName} called ${counted} times in the profile (${tinyCallsText} in the run; muted after 1000 or so)`);
} else {
  check('profile exact', counted === Number(tinyCallsText), `${profiledName} called ${counted} times in the profile, ${tinyCallsText} in the run`);
}
finish();

function finish() {
  console.log(results.join('\n'));
  process.exit(0);
}
