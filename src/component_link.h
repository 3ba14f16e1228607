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

#endif
