// The sampling thread of profile-sampler.mjs (not imported: startProfileSampler
// starts it with workerData { control, counts, intervalUs, current,
// currentOffset }). Every `intervalUs` (Atomics.wait with a timeout: the
// thread sleeps in between) it reads the recorder's current profile node and
// adds one to its sample count, until the recorder asks it to stop; then it
// says it has stopped.
import { workerData } from 'node:worker_threads';
import {
  STATE, WAKE, STARTING, RUNNING, STOPPING, STOPPED,
  NUM_OFFSET, NUM_SLOTS, SAMPLES, COVERED_NS, UNATTRIBUTED,
} from './profile-sampler.mjs';

const { control, counts: countsBuffer, intervalUs, current: currentBuffer, currentOffset } = workerData;
const current = new Int32Array(currentBuffer, currentOffset, 1);
const ctl = new Int32Array(control, 0, NUM_OFFSET / 4);
const num = new Float64Array(control, NUM_OFFSET, NUM_SLOTS);
const counts = new Uint32Array(countsBuffer); // length-tracking: the recorder grows it
const timeoutMs = intervalUs / 1000;

if (Atomics.compareExchange(ctl, STATE, STARTING, RUNNING) === STARTING) {
  const t0 = performance.now();
  let samples = 0;
  let unattributed = 0;
  for (;;) {
    Atomics.wait(ctl, WAKE, 0, timeoutMs);
    if (Atomics.load(ctl, STATE) !== RUNNING) break;
    const node = Atomics.load(current, 0);
    if (node >= 0 && node < counts.length) counts[node]++;
    else num[UNATTRIBUTED] = ++unattributed;
    num[SAMPLES] = ++samples;
    num[COVERED_NS] = (performance.now() - t0) * 1e6;
  }
}
// STOPPING here (or STARTING -> STOPPING before it began)
Atomics.compareExchange(ctl, STATE, STOPPING, STOPPED);
Atomics.notify(ctl, STATE);
