/* The `component-name` custom section (component-model Binary.md, "Name
 * Section"): names by index for each sort. The tool reads the names of core
 * modules (to tell a component's own code from what tooling added) and
 * rewrites the section when indices move. */
#ifndef WI_COMPONENT_NAMES_H
#define WI_COMPONENT_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "component_binary.h"
#include "component_fragment.h"
#include "component_walk.h"

#define WI_COMPONENT_NAME_SECTION "component-name"

/* True when `section` is a custom section named `name`. */
bool wi_custom_section_is(const wi_csection *section, const char *name);

/* Fills names[i] (for i < count) with a malloc'd copy of the name of core
 * module i, or NULL. Returns false when the section is malformed (names
 * stay NULL) or memory ran out. */
bool wi_component_core_module_names(const wi_csection *section, char **names, size_t count);

/* The payload of a new component-name section: the old one's names with
 * their indices shifted, and the fragment's names added. Returns NULL (and
 * *malformed set when the old section could not be read, else out of memory). */
uint8_t *wi_component_names_rewrite(const wi_csection *section, const wi_index_shift *shift,
                                    const wi_fragment *fragment, size_t *size, bool *malformed);

#endif
