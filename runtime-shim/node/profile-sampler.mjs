// The sampling thread of the sampled profile timing (sampled-recorder.mjs).
// The recorder keeps its call tree and exact call counts without reading a
// clock: on every enter and exit it stores the index of its current profile
// node (0: no wasm frame open) into `current`, an Int32 in a
// SharedArrayBuffer of its own (its hooks' shared wasm memory). A
// node:worker_threads Worker
// (profile-sampler-worker.mjs) wakes every `intervalUs` (Atomics.wait with a
// timeout), reads that index and adds one to the node's sample count. The
// recorder turns the counts into times when it writes its profile: each
// sample stands for coveredNs / samples (the wall time the worker sampled over
// divided by every sample it took, on a node or not).
//
// Memory shared with the worker:
//   current  the recorder's: the worker only reads it
//   control  SharedArrayBuffer, CONTROL_BYTES: Int32 slots, then Float64
//            slots the worker writes
//   counts   SharedArrayBuffer of Uint32 sample counts, one per profile node.
//            Growable (Node 20+: `maxByteLength`) up to MAX_NODES nodes,
//            grown by the recorder when its tree outgrows it, and read by the
//            worker through a length-tracking view; else (no growable
//            SharedArrayBuffer) FIXED_NODES nodes. A sample on a node past the
//            end is counted as unattributed (reported, charged to nothing).
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
export const SAMPLES = 0; // samples taken (on a node, on node 0, or unattributed)
export const COVERED_NS = 1; // ns from the worker's start to its last sample
export const UNATTRIBUTED = 2; // samples on a node past the end of `counts`
export const NUM_SLOTS = 4;
export const CONTROL_BYTES = NUM_OFFSET + 8 * NUM_SLOTS;

export const MAX_NODES = 1 << 24; // growable: 64 MiB of address space reserved, used as the tree grows
export const FIXED_NODES = 1 << 20; // not growable: 4 MiB, its pages touched only where sampled

function countsBuffer(nodes) {
  try {
    const b = new SharedArrayBuffer(4 * Math.min(nodes, MAX_NODES), { maxByteLength: 4 * MAX_NODES });
    if (b.growable) return b;
  } catch { /* no growable SharedArrayBuffer */ }
  return new SharedArrayBuffer(4 * FIXED_NODES);
}

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

// Starts the sampling thread. `current`: an Int32Array over a
// SharedArrayBuffer whose [0] the recorder keeps at its current node;
// `owner`: an object that lives as long as the recorder does (the worker is
// stopped when it is collected); `nodes`: the tree's capacity now. Returns
//   grow(nodes)     the tree can now hold `nodes` nodes
//   stop()          ends the sampling; waits (at most STOP_WAIT_MS) until the
//                   worker has taken its last sample. Idempotent.
//   count(node)     the node's samples (0 past the end)
//   stats()         { intervalUs, samples, samplesOutside (on node 0),
//                     samplesUnattributed, coveredNs, nsPerSample, running, error }
const STOP_WAIT_MS = 1000;
export function startProfileSampler(intervalUs, current, owner, nodes) {
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const ctl = new Int32Array(control, 0, NUM_OFFSET / 4);
  const num = new Float64Array(control, NUM_OFFSET, NUM_SLOTS);
  const counts = countsBuffer(nodes);
  const countsView = new Uint32Array(counts); // length-tracking when growable
  let error = null;
  // execArgv []: not the program's --import preloads (register.mjs) again
  const worker = new Worker(new URL('./profile-sampler-worker.mjs', import.meta.url), {
    workerData: { control, counts, intervalUs, current: current.buffer, currentOffset: current.byteOffset },
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
    grow(n) {
      const want = 4 * Math.min(n, MAX_NODES);
      if (counts.growable && want > counts.byteLength) counts.grow(want);
    },
    stop,
    count(node) { return node < countsView.length ? countsView[node] : 0; },
    stats() {
      const samples = num[SAMPLES];
      return {
        intervalUs,
        samples,
        samplesOutside: countsView[0],
        samplesUnattributed: num[UNATTRIBUTED],
        coveredNs: Math.round(num[COVERED_NS]),
        nsPerSample: samples > 0 ? num[COVERED_NS] / samples : 0,
        running: Atomics.load(ctl, STATE) === RUNNING,
        error: error ? error.message : null,
      };
    },
  };
}
