// The sampling thread of profile-sampler.mjs (not imported: startProfileSampler
// starts it with workerData { control, memory, slot, offset, intervalUs }).
// Every `intervalUs` (Atomics.wait with a timeout: the thread sleeps in
// between) it reads the recorder's current profile node from its shared
// memory and adds one to the node's sample count, until the recorder asks it
// to stop; then it says it has stopped.
import { workerData } from 'node:worker_threads';
import {
  STATE, WAKE, STARTING, RUNNING, STOPPING, STOPPED,
  NUM_OFFSET, NUM_SLOTS, SAMPLES, COVERED_NS, UNATTRIBUTED, OUTSIDE,
} from './profile-sampler.mjs';

const { control, memory, slot, offset, intervalUs } = workerData;
const ctl = new Int32Array(control, 0, NUM_OFFSET / 4);
const num = new Float64Array(control, NUM_OFFSET, NUM_SLOTS);
const timeoutMs = intervalUs / 1000;
// views of the memory as it is now; made again when a node lies past them
// (the recorder's memory grew)
let words = new Uint32Array(memory.buffer);
let counts = new BigUint64Array(memory.buffer);

if (Atomics.compareExchange(ctl, STATE, STARTING, RUNNING) === STARTING) {
  const t0 = performance.now();
  let samples = 0;
  let outside = 0;
  let unattributed = 0;
  for (;;) {
    Atomics.wait(ctl, WAKE, 0, timeoutMs);
    if (Atomics.load(ctl, STATE) !== RUNNING) break;
    const node = Atomics.load(words, slot >>> 2);
    if (node === 0) {
      num[OUTSIDE] = ++outside;
    } else {
      const at = node + offset;
      if (at / 8 >= counts.length) {
        words = new Uint32Array(memory.buffer);
        counts = new BigUint64Array(memory.buffer);
      }
      if (at % 8 === 0 && at / 8 < counts.length) Atomics.add(counts, at / 8, 1n);
      else num[UNATTRIBUTED] = ++unattributed;
    }
    num[SAMPLES] = ++samples;
    num[COVERED_NS] = (performance.now() - t0) * 1e6;
  }
}
// STOPPING here (or STARTING -> STOPPING before it began)
Atomics.compareExchange(ctl, STATE, STOPPING, STOPPED);
Atomics.notify(ctl, STATE);
