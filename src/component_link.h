/* Linking the hooks into a component (--link): the definitions inserted
 * before the first instantiation, which end in a core instance exporting
 * `enter` and `exit` that every instrumented core module is instantiated
 * with. */
#ifndef WI_COMPONENT_LINK_H
#define WI_COMPONENT_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "cli_options.h"
#include "component_fragment.h"
#include "component_walk.h"

typedef struct {
  uint32_t hooks_core_instance; /* core instance exporting enter/exit (new numbering) */
  uint32_t hooks_instance;      /* instance exporting enter/exit, for nested components */
} wi_link_result;

/* --link hooks, and every nested component: the component imports the hook
 * interface (wasm-instrument:hooks/trace@0.1.0) and lowers its functions. */
void wi_link_import_hooks(wi_fragment *f, wi_link_result *out);

/* What the guest shim's linking needs to know of the component. */
typedef struct {
  const wi_component_facts *facts;  /* its imports and types, old numbering */
  const uint32_t *counts_at_insert; /* definitions before the insertion point */
  const uint8_t *input_end;         /* the end of the input (type definitions lie before) */
} wi_link_context;

/* --link wasi-otel and wasi-observe: the guest shim's memory module (A,
 * `memory_module`) and the shim (B), with the tracing interface's functions
 * (and a clock and random numbers for wasi-otel) lowered against A's memory.
 * An interface the component already imports with the needed functions (the
 * clocks and random in any version, the tracing interface in the shim's) is
 * used as it is; otherwise it is imported. Returns 0, or -1
 * with a reason in `why`. hooks_instance is UINT32_MAX: nested components
 * cannot get these hooks (see wi_link_guest_shim_component). */
int wi_link_guest_shim(wi_fragment *f, wi_link_mode mode, const wi_link_context *context,
                       const uint8_t *memory_module, size_t memory_module_size,
                       wi_link_result *out, char *why, size_t why_size);

/* The same, for a component whose nested components are instrumented too:
 * the guest shim gets a component of its own (a nested component instance
 * that exports enter and exit), so that the top-level modules and every
 * nested component call one shim, one stack of spans, without re-entering
 * an instance that is on the stack (which the component model forbids). */
int wi_link_guest_shim_component(wi_fragment *f, wi_link_mode mode,
                                 const wi_link_context *context, const uint8_t *memory_module,
                                 size_t memory_module_size, wi_link_result *out, char *why,
                                 size_t why_size);

#endif
