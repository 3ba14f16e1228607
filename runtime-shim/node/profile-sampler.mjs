// The sampling thread of the sampled profile timing (createRecorder's
// profileTiming 'sampled'; the C recorder's WO_TIMING_SAMPLED, wasm_observe.h).
// The recorder, a wasm32 instance whose memory is shared, keeps its call tree
// and exact call counts without reading a clock: on every enter and exit it
// stores the address of its current profile node (0: no frame open) into a
// u32 slot of that memory. A node:worker_threads Worker
// (profile-sampler-worker.mjs), given the memory itself, wakes every
// `intervalUs` (Atomics.wait with a timeout), reads the slot and adds one to
// the node's u64 sample count (at the node's address + `offset`). The recorder
// turns the counts into times when its profile is read: each sample stands
// for coveredNs / samples (the wall time the worker sampled over divided by
// every sample it took, on a node or not), which the caller hands to it
// (stats()).
//
// `control`, a SharedArrayBuffer of its own: Int32 slots, then Float64 slots
// the worker writes.
//
// The worker is unref'd from the start: it never keeps the process alive.
// stop() ends it (the recorder's finish()); a recorder dropped without
// finish() stops it when collected (FinalizationRegistry), and at process
// exit Node ends it anyway.
import { Worker } from 'node:worker_threads';

// Int32 slots of `control`
export const STATE = 16; // STARTING -> RUNNING -> STOPPING -> STOPPED (or STARTING -> STOPPING -> STOPPED)
export const WAKE = 17; // 0 while running; 1 wakes the worker for good
export const STARTING = 0;
export const RUNNING = 1;
export const STOPPING = 2;
export const STOPPED = 3;
// Float64 slots of `control`, from byte NUM_OFFSET: written by the worker after every sample
export const NUM_OFFSET = 128;
export const SAMPLES = 0; // samples taken (on a node, outside, or unattributed)
export const COVERED_NS = 1; // ns from the worker's start to its last sample
export const UNATTRIBUTED = 2; // samples whose node address was not one (never, unless the memory is corrupt)
export const OUTSIDE = 3; // samples with no frame open
export const NUM_SLOTS = 4;
export const CONTROL_BYTES = NUM_OFFSET + 8 * NUM_SLOTS;

// Asks the worker to stop (it may still be starting): the state it was in.
function requestStop(ctl) {
  let was;
  do {
    was = Atomics.load(ctl, STATE);
    if (was === STOPPING || was === STOPPED) break;
  } while (Atomics.compareExchange(ctl, STATE, was, STOPPING) !== was);
  Atomics.store(ctl, WAKE, 1);
  Atomics.notify(ctl, WAKE);
  return was;
}

// Stops the worker of a recorder that was collected without finish().
const orphans = new FinalizationRegistry(requestStop);

// Starts the sampling thread. `memory`: the recorder's shared
// WebAssembly.Memory; `slot`: the address of its current-node slot; `offset`:
// where a node's samples are; `owner`: an object that lives as long as the
// recorder does (the worker is stopped when it is collected). Returns
//   stop()   ends the sampling; waits (at most STOP_WAIT_MS) until the worker
//            has taken its last sample. Idempotent.
//   stats()  { intervalUs, samples, samplesOutside (no frame open),
//              samplesUnattributed, coveredNs, nsPerSample, running, error }
const STOP_WAIT_MS = 1000;
export function startProfileSampler(intervalUs, memory, slot, offset, owner) {
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const ctl = new Int32Array(control, 0, NUM_OFFSET / 4);
  const num = new Float64Array(control, NUM_OFFSET, NUM_SLOTS);
  let error = null;
  // execArgv []: not the program's --import preloads (register.mjs) again
  const worker = new Worker(new URL('./profile-sampler-worker.mjs', import.meta.url), {
    workerData: { control, memory, slot, offset, intervalUs },
    execArgv: [],
  });
  worker.unref();
  // The worker failed (it could not start, or threw): no more samples. The
  // event comes on the event loop, so stop() does not count on it.
  worker.on('error', (e) => { error = e; });
  orphans.register(owner, ctl, ctl);

  let stopped = false;
  function stop() {
    if (stopped) return;
    stopped = true;
    orphans.unregister(ctl);
    const was = requestStop(ctl);
    if (was === RUNNING) {
      // a running worker ends within one sample: wait for its last one
      const end = performance.now() + STOP_WAIT_MS;
      for (let left = STOP_WAIT_MS; Atomics.load(ctl, STATE) === STOPPING && left > 0; left = end - performance.now()) {
        Atomics.wait(ctl, STATE, STOPPING, left);
      }
      if (Atomics.load(ctl, STATE) !== STOPPED) worker.terminate().catch(() => {});
    }
    // a worker still starting sees STOPPING and ends without sampling
  }

  return {
    stop,
    stats() {
      const samples = num[SAMPLES];
      return {
        intervalUs,
        samples,
        samplesOutside: num[OUTSIDE],
        samplesUnattributed: num[UNATTRIBUTED],
        coveredNs: Math.round(num[COVERED_NS]),
        nsPerSample: samples > 0 ? num[COVERED_NS] / samples : 0,
        running: Atomics.load(ctl, STATE) === RUNNING,
        error: error ? error.message : null,
      };
    },
  };
}
