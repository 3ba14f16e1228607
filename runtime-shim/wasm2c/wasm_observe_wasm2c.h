/* wasm-observe glue for modules compiled by wasm2c (WABT 1.0.32).
 *
 * An instrumented module imports `enter` and `exit` from
 * `wasm-instrument:hooks/trace@0.1.0`. wasm2c turns that import module into an
 * opaque instance type, `struct Z_<mangled>_instance_t`, and each hook into a
 * function the embedder defines, taking a pointer to that instance:
 *
 *   mangled = wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0
 *   (wasm2c 1.0.32 writes a byte outside [A-Za-z0-9_] as Z + two hex digits)
 *
 * This header defines the instance (it holds the recorder the hooks feed) and
 * wasm_observe_wasm2c.c defines the two hook functions, which call wo_enter and
 * wo_exit. An embedder links that file and libwasm-observe with the module:
 *
 *   wo_wasm2c_hooks hooks = {recorder};
 *   Z_app_instantiate(&app, ..., &hooks);   // in the header's argument order
 *
 * A NULL recorder makes both hooks no-ops (run the module without tracing).
 * See README.md beside this file for the whole wiring (traps, proc_exit).
 */
#ifndef WASM_OBSERVE_WASM2C_H
#define WASM_OBSERVE_WASM2C_H

#include "wasm2c_core_types.h"
#include "wasm_observe.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The import module's name as wasm2c mangles it, for embedders' macros. */
#define WO_WASM2C_HOOKS_MODULE wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0

/* The hook import instance: pass its address to Z_<mod>_instantiate. */
struct Z_wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0_instance_t {
  wo_recorder *recorder; /* NULL: the hooks do nothing */
};
typedef struct Z_wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0_instance_t wo_wasm2c_hooks;

/* import: 'wasm-instrument:hooks/trace@0.1.0' 'enter' */
void Z_wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0Z_enter(
    struct Z_wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0_instance_t *hooks, u32 id);
/* import: 'wasm-instrument:hooks/trace@0.1.0' 'exit' */
void Z_wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0Z_exit(
    struct Z_wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0_instance_t *hooks, u32 id);

#ifdef __cplusplus
}
#endif

#endif
