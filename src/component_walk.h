/* Reading and rewriting the sections of a component (component-model
 * Binary.md): every index a section defines is counted in its index space,
 * every index it references is checked against what is defined so far, and,
 * when writing, shifted to make room for the definitions the tool inserts.
 *
 * A scope is a component or a component/instance type declaration; each has
 * its own index spaces. `alias outer` reaches the scopes around it, so a
 * scope knows its outer scope and how that one's indices move. */
#ifndef WI_COMPONENT_WALK_H
#define WI_COMPONENT_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "byte_writer.h"
#include "component_binary.h"

typedef enum {
  WI_SPACE_CORE_FUNC,
  WI_SPACE_CORE_TABLE,
  WI_SPACE_CORE_MEMORY,
  WI_SPACE_CORE_GLOBAL,
  WI_SPACE_CORE_TAG,
  WI_SPACE_CORE_TYPE,
  WI_SPACE_CORE_MODULE,
  WI_SPACE_CORE_INSTANCE,
  WI_SPACE_FUNC,
  WI_SPACE_VALUE,
  WI_SPACE_TYPE,
  WI_SPACE_COMPONENT,
  WI_SPACE_INSTANCE,
  WI_SPACE_COUNT
} wi_space;

const char *wi_space_name(wi_space space);

/* New definitions inserted into a scope: an old index i of space s becomes
 * i + add[s] when i >= from[s] (the definitions before the insertion point
 * keep their index). */
typedef struct {
  uint32_t from[WI_SPACE_COUNT];
  uint32_t add[WI_SPACE_COUNT];
} wi_index_shift;

uint32_t wi_shift_index(const wi_index_shift *shift, wi_space space, uint32_t index);

typedef struct wi_scope {
  const struct wi_scope *outer;
  const wi_index_shift *shift;      /* NULL: nothing moves in this scope */
  uint32_t count[WI_SPACE_COUNT];   /* definitions so far, old numbering */
} wi_scope;

/* What analysing one component records, in its old numbering. */
typedef struct {
  uint32_t instance, module;
} wi_core_instantiation;

typedef struct {
  uint32_t instance, component;
} wi_instantiation;

typedef struct {
  const uint8_t *name; /* the plain name, borrowed from the input */
  uint32_t name_len;
  uint8_t kind;        /* externtype tag: 0 core module, 1 func, 2 value, 3 type,
                          4 component, 5 instance */
  uint32_t type_index; /* the type of a func, component or instance import */
  uint32_t index;      /* the index the import defines in its space */
} wi_import_fact;

/* Where a core function comes from: an export of a core instance, or
 * (core_instance UINT32_MAX) a canonical definition. */
typedef struct {
  uint32_t core_instance;
  const uint8_t *name; /* the export's name, borrowed from the input */
  uint32_t name_len;
} wi_core_func_fact;

/* A definition made by a section of its own: a core module or a nested component. */
typedef struct {
  size_t section; /* the section's index in the component */
  uint32_t index; /* the index it defines in its space (imports, aliases and
                     exports of modules and components take indices too) */
} wi_defined;

typedef struct {
  wi_defined *module_defs;      /* the core module sections, in order, owned */
  size_t module_def_count;
  wi_defined *component_defs;   /* the nested component sections, in order, owned */
  size_t component_def_count;
  wi_core_instantiation *core_instantiations; /* owned */
  size_t core_instantiation_count;
  wi_instantiation *instantiations;           /* owned */
  size_t instantiation_count;
  wi_import_fact *imports;                    /* owned */
  size_t import_count;
  const uint8_t **type_defs; /* [type_count]: the deftype bytes of a type the type section
                                defines, else NULL; owned array */
  uint32_t type_count;
  wi_core_func_fact *core_funcs;  /* by core func index, owned */
  size_t core_func_count;
  uint32_t *quiet_funcs;          /* core funcs named by `realloc` or `post-return`
                                     options: the host calls them while the instance
                                     may not call out; owned */
  size_t quiet_func_count;
  uint32_t *lifted_funcs;         /* core funcs that `canon lift` makes component
                                     functions: entries from outside the instance; owned */
  size_t lifted_func_count;
} wi_component_facts;

void wi_component_facts_free(wi_component_facts *facts);

/* What writing changes besides indices: each instantiation of a hooked core
 * module (or nested component) gets one more argument, the hook interface. */
typedef struct {
  const bool *hooked_modules;    /* by old core module index, or NULL */
  uint32_t hooks_core_instance;  /* new index of a core instance exporting enter/exit */
  const bool *hooked_components; /* by old component index, or NULL */
  uint32_t hooks_instance;       /* new index of an instance exporting enter/exit */
} wi_walk_plan;

typedef struct {
  wi_scope *scope;           /* of the component whose sections are walked */
  wi_writer *out;            /* NULL: check and count only */
  const wi_walk_plan *plan;  /* used with out; may be NULL */
  wi_component_facts *facts; /* filled when not NULL */
  const uint8_t *input;      /* the whole input, for offsets in messages */
  char why[256];
} wi_walk;

/* Walks one section of the component. Core module, component and custom
 * sections are only counted (the caller writes them); the others are checked
 * and, with w->out, written whole (id, size, payload) with their indices
 * shifted. Returns 0; -1 with a reason in w->why; -2 when out of memory. */
int wi_walk_section(wi_walk *w, const wi_csection *section, size_t section_index);

/* Whether the instance type at `deftype` (a type the component defined:
 * wi_component_facts.type_defs; `size` bounds it) exports a function `name`. */
bool wi_instance_type_exports_func(const uint8_t *deftype, size_t size, const char *name);

/* The index space a component `sort` byte (with its core sort byte) names,
 * or -1. */
int wi_sort_space(uint8_t sort, uint8_t core_sort);

#endif
