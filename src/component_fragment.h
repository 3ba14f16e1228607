/* New definitions for a component, encoded as sections: what the tool
 * inserts (the hook interface's import and lowering, the guest shim's
 * modules and instances).
 *
 * A fragment starts at the index each space has at its insertion point and
 * hands out the index of every definition it adds; `added` then says how far
 * the component's later definitions move (component_walk.h). A failed
 * allocation is sticky: check `out.failed` once at the end. */
#ifndef WI_COMPONENT_FRAGMENT_H
#define WI_COMPONENT_FRAGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "byte_writer.h"
#include "component_walk.h"

typedef struct {
  uint32_t space; /* wi_space */
  uint32_t index; /* new numbering */
  const char *name; /* static or owned by the caller; outlives the fragment's use */
} wi_fragment_name;

typedef struct {
  wi_writer out;                 /* whole sections (id, size, payload), owned */
  uint32_t next[WI_SPACE_COUNT]; /* the index of the next definition of each space */
  uint32_t added[WI_SPACE_COUNT];
  wi_fragment_name names[16];    /* names for the component-name section */
  size_t name_count;
} wi_fragment;

/* `start`: each space's count at the insertion point. */
void wi_fragment_init(wi_fragment *f, const uint32_t start[WI_SPACE_COUNT]);
void wi_fragment_free(wi_fragment *f);

/* Gives the definition `index` of `space` a name in the component-name section. */
void wi_fragment_name_item(wi_fragment *f, wi_space space, uint32_t index, const char *name);

/* A type section holding one type whose encoding (a deftype) is `deftype`. */
uint32_t wi_fragment_type(wi_fragment *f, const wi_writer *deftype);
/* An import of an instance of type `type` named `name`. */
uint32_t wi_fragment_import_instance(wi_fragment *f, const char *name, uint32_t type);
/* `alias export instance "name"` of sort func. */
uint32_t wi_fragment_alias_func(wi_fragment *f, uint32_t instance, const char *name);
/* `alias export instance "name"` of sort type. */
uint32_t wi_fragment_alias_type(wi_fragment *f, uint32_t instance, const char *name);
/* `canon resource.drop type` */
uint32_t wi_fragment_canon_resource_drop(wi_fragment *f, uint32_t type);
/* `alias core export core_instance "name"` of a core sort (0x00 func, 0x02 memory). */
uint32_t wi_fragment_alias_core_export(wi_fragment *f, uint32_t core_instance, const char *name,
                                       uint8_t core_sort);
/* `canon lower func`, with the memory and realloc options when they are not
 * UINT32_MAX (and utf8 string encoding with a memory). */
uint32_t wi_fragment_canon_lower(wi_fragment *f, uint32_t func, uint32_t memory, uint32_t realloc);
/* `canon lift core_func (type type)`, no options. */
uint32_t wi_fragment_canon_lift(wi_fragment *f, uint32_t core_func, uint32_t type);
uint32_t wi_fragment_core_module(wi_fragment *f, const uint8_t *module, size_t size);

typedef struct {
  const char *name;
  uint8_t sort;   /* a core sort (0x00 func, 0x02 memory, 0x12 instance) */
  uint32_t index;
} wi_fragment_item;

/* A core instance of inline exports. */
uint32_t wi_fragment_core_exports(wi_fragment *f, const wi_fragment_item *items, size_t count);
/* `instantiate module` with (with NAME (instance I)) arguments (items' sort
 * must be 0x12, a core instance). */
uint32_t wi_fragment_core_instantiate(wi_fragment *f, uint32_t module,
                                      const wi_fragment_item *args, size_t count);
/* A component section holding `component` (preamble and sections; its data
 * is taken and freed). */
uint32_t wi_fragment_component(wi_fragment *f, wi_writer *component);
/* `instantiate component` with (with NAME (SORT I)) arguments (items' sort is
 * a component sort byte: 0x05 instance). */
uint32_t wi_fragment_instantiate(wi_fragment *f, uint32_t component,
                                 const wi_fragment_item *args, size_t count);
/* (export "name" (func func)): the export is a new func index. */
uint32_t wi_fragment_export_func(wi_fragment *f, const char *name, uint32_t func);
/* An instance of inline exports of funcs (items' sort is ignored: func). */
uint32_t wi_fragment_func_exports(wi_fragment *f, const wi_fragment_item *items, size_t count);

#endif
