#include "component_link.h"

#include <stdlib.h>

#include "hook_calls.h"

void wi_link_import_hooks(wi_fragment *f, wi_link_result *out) {
  wi_writer type = {0};
  wi_encode_hooks_instance_type(&type);
  uint32_t instance_type = wi_fragment_type(f, &type);
  free(type.data);
  uint32_t hooks = wi_fragment_import_instance(f, WI_HOOK_MODULE, instance_type);
  uint32_t enter = wi_fragment_alias_func(f, hooks, "enter");
  uint32_t exit = wi_fragment_alias_func(f, hooks, "exit");
  wi_fragment_item lowered[2] = {
      {"enter", 0x00, wi_fragment_canon_lower(f, enter, UINT32_MAX, UINT32_MAX)},
      {"exit", 0x00, wi_fragment_canon_lower(f, exit, UINT32_MAX, UINT32_MAX)},
  };
  out->hooks_core_instance = wi_fragment_core_exports(f, lowered, 2);
  out->hooks_instance = hooks;
  wi_fragment_name_item(f, WI_SPACE_CORE_INSTANCE, out->hooks_core_instance,
                        "wasm-instrument-hooks");
}
