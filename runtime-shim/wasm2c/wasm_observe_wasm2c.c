/* The two hook imports of an instrumented module, for wasm2c output: each
 * forwards to the recorder held by the import instance. */
#include "wasm_observe_wasm2c.h"

void Z_wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0Z_enter(
    struct Z_wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0_instance_t *hooks, u32 id) {
  if (hooks && hooks->recorder) wo_enter(hooks->recorder, id);
}

void Z_wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0Z_exit(
    struct Z_wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0_instance_t *hooks, u32 id) {
  if (hooks && hooks->recorder) wo_exit(hooks->recorder, id);
}
