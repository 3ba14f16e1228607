/* The hook imports of a module being instrumented and the expressions that
 * call them.
 *
 * Every hook call passes a site id as an `i32.const`. Each such constant is
 * recorded, so that the observe-sdk ABI (whose id is the function's index in
 * the output) can patch them once the output's function order is final. */
#ifndef WI_HOOK_CALLS_H
#define WI_HOOK_CALLS_H

#include <binaryen-c.h>
#include <stdbool.h>
#include <stdint.h>

#include "unique_names.h"

typedef enum { WI_ABI_DEFAULT, WI_ABI_OBSERVE_SDK } wi_abi;

#define WI_HOOK_MODULE "wasm-instrument:hooks/trace@0.1.0"
#define WI_OBSERVE_MODULE "dylibso:observe/instrument"
/* The optional `unwind(count)` hook of modules that repair their stack after a
 * non-local exit (emscripten_glue.c). */
#define WI_UNWIND_MODULE "wasm-instrument:hooks/unwind@0.1.0"

typedef struct {
  BinaryenExpressionRef constant;
  uint32_t site;
} wi_id_use;

typedef struct {
  BinaryenType type;
  const char *calls; /* the exit it calls (an import or a guard; not owned) */
  bool patchable;    /* takes the frame's $live flag before the id */
  char *name;
} wi_exit_helper;

#define WI_NO_LOCAL ((BinaryenIndex)-1)

/* Gives the function being hooked a new local of `type` (its index). */
typedef BinaryenIndex (*wi_local_maker)(void *state, BinaryenType type);

typedef struct {
  BinaryenModuleRef module;
  wi_unique_names *names; /* where the helpers get their names (borrowed) */
  wi_abi abi;
  bool exceptions;        /* guard bodies with catch_all { exit; rethrow } */
  char *enter_name;       /* internal names of what hook calls call: the hook imports, */
  char *exit_name;        /* or their quiet guards; owned */
  char *enter_import;     /* the hook imports when guarded, else NULL; owned */
  char *exit_import;
  char *unwind_name;      /* the unwind hook import, when the depth is tracked; owned */
  char *depth_global;     /* the enters without their exit yet, when tracked; owned */
  bool uncounted;         /* with the depth tracked: the hook calls being made now are a
                             frame's that nothing can cut (wi_hooks_count_frame) */
  char *memory_grow_name; /* observe-sdk only, else NULL */
  char *memory_grow_helper; /* observe-sdk: calls memory-grow, passes pages on */
  char *memory_grow_helper64; /* the same for a 64-bit memory's i64 delta */
  char *muted_table;      /* --patchable: the muted-sites table, else NULL; owned */
  uint32_t muted_slots;   /* its size: the highest site id a function reads, plus one */
  BinaryenIndex frame_live; /* the $live local of the frame whose hooks are being made
                               (wi_hooks_set_frame), else WI_NO_LOCAL */
  wi_local_maker frame_local; /* where that frame's exits get locals for their values */
  void *frame_local_state;
  wi_exit_helper *helpers; /* owned, one per result type and exit */
  size_t helper_count;
  wi_id_use *id_uses;     /* owned */
  size_t id_use_count, id_use_capacity;
  bool out_of_memory;
} wi_hooks;

/* Adds the hook imports to `module`, named from `names`; with `unwind_hook`,
 * also the unwind hook (default ABI only), third after enter and exit.
 * Returns false when out of memory. */
bool wi_hooks_init(wi_hooks *hooks, BinaryenModuleRef module, wi_unique_names *names, wi_abi abi,
                   bool exceptions, bool unwind_hook);
void wi_hooks_free(wi_hooks *hooks);

/* Inside a component, the host calls some exported functions (`realloc` and
 * `post-return` in canonical ABI options) while the instance may not call
 * out of itself: an import call there traps. Adds the mutable i32 global
 * `quiet_global` and makes every hook call go through a guard that calls the
 * hook only while the global is 0 (see wi_add_quiet_wrapper). Returns false
 * when out of memory. */
bool wi_hooks_add_quiet_guards(wi_hooks *hooks, const char *quiet_global);

/* Makes every hook call go through a guard that keeps, in the mutable i32
 * global depth_global (added), the number of enters whose exit has not run
 * yet: enter adds one, exit takes one away. A wrapper that sees the count
 * higher after a call than before knows that a non-local exit skipped exits,
 * and calls the unwind hook (wi_add_repair_wrapper). Needs the unwind hook
 * (wi_hooks_init); not with quiet guards. Returns false when out of memory. */
bool wi_hooks_track_depth(wi_hooks *hooks);

/* With the depth tracked: whether the hook calls made from now on belong to a
 * frame that an exception or a longjmp can cut (counted, through the guards),
 * or to one nothing can cut (a function that cannot throw: its exit always
 * runs after its enter), whose calls go to the imports directly, uncounted:
 * no guard to pass through, and a 1-byte function index. */
void wi_hooks_count_frame(wi_hooks *hooks, bool counted);

/* Patchable sites (--patchable, default ABI): the module exports a table of
 * externref, WI_MUTED_SITES_EXPORT, with a slot per site id up to the last
 * function site's, all null at first. A patchable frame (wi_hooks_set_frame) enters with
 * (if (local.tee $live (global.get $wi$live$id))
 *   (then (call enter id)
 *         (global.set $wi$live$id (ref.is_null (table.get $muted (i32.const id))))))
 * (a mutable i32 global per site, 1 at first) and each of its exits calls
 * exit only `(if (local.get $live))`; a value on its way out waits in a local
 * meanwhile (through a helper when its type cannot). So a host that sets a
 * muted site's slot patches the site out: its next call still makes its
 * hooks and reads the slot, and from the one after, no hook call, no count,
 * and a leaf function's call calls nothing; a frame open when the slot is
 * set still exits. Returns false when out of memory. */
#define WI_MUTED_SITES_EXPORT "wasm-instrument:muted-sites"
bool wi_hooks_make_patchable(wi_hooks *hooks);

/* The frame whose hooks are made from now on: its $live local (i32), and
 * where its exits get locals; WI_NO_LOCAL for hooks that are not patchable
 * (the boundaries' wrappers), or when the module is not patchable. */
void wi_hooks_set_frame(wi_hooks *hooks, BinaryenIndex live, wi_local_maker make_local,
                        void *state);

/* Adds the muted-sites table and its export, once every function is hooked:
 * a slot for each site id up to the last one a function reads (the import
 * sites, numbered first, have slots nothing reads; the export sites, numbered
 * after the functions', have none); no table
 * when no function was hooked (muted_table is then NULL). False when the
 * module already exports that name. */
bool wi_hooks_add_muted_table(wi_hooks *hooks);

/* Whether the first thing `value` evaluates is a catch's `pop`: Binaryen
 * wants a pop first in its catch and in no block, so such a value cannot be
 * moved into a local.set inside a block of ours. */
bool wi_starts_with_pop(BinaryenExpressionRef value);

/* Types a local can have without a non-null initialisation. A typed
 * reference (`(ref null $t)`, `(ref $t)`) may be defaultable too, but Binaryen
 * 108's C API cannot tell a nullable one from a non-nullable one (and
 * BinaryenRefNull asserts on the latter), so none of them is listed. In 108,
 * i31ref and dataref are non-nullable. */
bool wi_type_is_defaultable(BinaryenType type);

/* `i32.const id`, recorded like the id of every hook call, so that a
 * renumbering of the site ids (wi_hooks_renumber) changes it too. */
BinaryenExpressionRef wi_hook_site_id(wi_hooks *hooks, uint32_t site);

/* `call enter(id)` / `call exit(id)`. */
BinaryenExpressionRef wi_hook_enter(wi_hooks *hooks, uint32_t site);
BinaryenExpressionRef wi_hook_exit(wi_hooks *hooks, uint32_t site);

/* Evaluates `value`, then calls exit(id), and yields the value: a call to a
 * small per-type helper, so that a `return` keeps its shape. `type` is the
 * declared type the value flows into (a single type, not a tuple): the
 * helper is made for it, not for the value's possibly more precise type, which
 * could need features the module does not have. A `none` or unreachable value
 * needs no helper. */
BinaryenExpressionRef wi_hook_exit_after(wi_hooks *hooks, uint32_t site,
                                         BinaryenExpressionRef value, BinaryenType type);

/* When exceptions are on, wraps `body` (of type `type`) as
 * `try $label (do body) (catch_all (exit id) (rethrow $label))`, so an exception
 * that leaves the function closes its span; otherwise returns body. `label`
 * must not be used by any other label of the function. */
BinaryenExpressionRef wi_hook_unwind_guard(wi_hooks *hooks, uint32_t site,
                                           BinaryenExpressionRef body, const char *label);

/* Sets every recorded id constant of site s to new_ids[s]. */
void wi_hooks_renumber(wi_hooks *hooks, const uint32_t *new_ids);

#endif
