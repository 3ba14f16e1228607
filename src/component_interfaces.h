/* The component-level types of the interfaces the tool links: its own hook
 * interface (wit/hooks.wit) and the WASI interfaces the guest shim calls,
 * each encoded as an instance type (a deftype, component-model Binary.md) with
 * only what the tool uses. Records, variants and enums are compared by
 * structure, so these match the hosts' full definitions (the WIT is in
 * ../shared/wit-reference/). */
#ifndef WI_COMPONENT_INTERFACES_H
#define WI_COMPONENT_INTERFACES_H

#include "byte_writer.h"

#define WI_OTEL_TRACING "wasi:otel/tracing@0.2.0-rc.2"
#define WI_OBSERVE_TRACER "wasi:observe/tracer"
#define WI_WALL_CLOCK "wasi:clocks/wall-clock@0.2.0"
#define WI_MONOTONIC_CLOCK "wasi:clocks/monotonic-clock@0.2.0"
#define WI_RANDOM "wasi:random/random@0.2.0"

/* (func (param "id" u32)) */
void wi_encode_hook_func_type(wi_writer *out);
/* wasm-instrument:hooks/trace@0.1.0: enter, exit. */
void wi_encode_hooks_instance_type(wi_writer *out);
/* wasi:otel/tracing@0.2.0-rc.2: on-start, on-end, outer-span-context and
 * the types they use. */
void wi_encode_otel_tracing_type(wi_writer *out);
/* wasi:observe/tracer: resource span, start, [method]span.end,
 * [method]span.set-status and the types they use. */
void wi_encode_observe_tracer_type(wi_writer *out);
/* wasi:clocks/wall-clock: datetime, now. */
void wi_encode_wall_clock_type(wi_writer *out);
/* wasi:clocks/monotonic-clock: instant, now. */
void wi_encode_monotonic_clock_type(wi_writer *out);
/* wasi:random/random: get-random-u64. */
void wi_encode_random_type(wi_writer *out);

#endif
