/* The core typedefs (u8 ... f64) of a wasm2c 1.0.32 generated header, behind
 * the same guard, so that a host file can name u32 (in the imports it defines)
 * without the module's header, and can include both in either order.
 *
 * The one copy for wasm_observe_wasm2c.h and tests/e2e/wasm2c-host.h. */
#ifndef WASM2C_CORE_TYPES_H
#define WASM2C_CORE_TYPES_H

#include <stdint.h>

#ifndef WASM_RT_CORE_TYPES_DEFINED
#define WASM_RT_CORE_TYPES_DEFINED
typedef uint8_t u8;
typedef int8_t s8;
typedef uint16_t u16;
typedef int16_t s16;
typedef uint32_t u32;
typedef int32_t s32;
typedef uint64_t u64;
typedef int64_t s64;
typedef float f32;
typedef double f64;
#endif

#endif
