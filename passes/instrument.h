/* The rewriter's passes over a Binaryen module, and the state they share.
 *
 * The caller (src/) reads the module, decides which functions are selected and
 * how each is named, and fills a wi_instrument; wi_instrument_run then applies,
 * in order: the hook imports, the import boundary wrappers, the per-function
 * enter/exit hooks (and observe-sdk memory.grow hooks), the redirection of
 * every other reference to a wrapped import, the export boundary wrappers, and
 * finally the site table section. The items of element segments are pointed
 * at the import wrappers after writing (element_redirects). */
#ifndef WI_INSTRUMENT_H
#define WI_INSTRUMENT_H

#include <binaryen-c.h>
#include <stdbool.h>
#include <stdint.h>

#include "element_segments.h"
#include "expr_walk.h"
#include "function_scan.h"
#include "hook_calls.h"
#include "name_map.h"
#include "name_section.h"
#include "site_table.h"
#include "throw_analysis.h"
#include "unique_names.h"

/* What the caller knows about one function of the input, by input index. */
typedef struct {
  const char *name;          /* Binaryen's internal name, borrowed from the module */
  const char *display;       /* best display name (docs/hook-contract.md), borrowed */
  const char *symbol;        /* raw name-section name or "", borrowed */
  const char *import_module; /* NULL for a defined function */
  const char *import_field;
  uint8_t flags;             /* WI_FLAG_* */
  bool selected;             /* matched by --include/--exclude */
  bool named_by_include;     /* selected by an --include pattern: kept whatever its size */
  uint32_t body_size;        /* code bytes in the input; 0 for imports */
  uint32_t declared_locals;  /* locals the input declares (params excluded) */
  bool profiled;             /* --from-profile: the profile names it (and no other function) */
  bool left_out_by_profile;  /* --from-profile: called often and briefly; no hooks */
  bool profile_kept;         /* --from-profile: a large share of the run: hooks whatever its size */
  uint64_t profile_calls;    /* its calls in the profile */
  uint64_t profile_ns;       /* its inclusive time in the profile */
} wi_function_info;

/* What the caller knows about one export, by Binaryen export index. */
typedef struct {
  bool selected;
} wi_export_info;

typedef enum {
  WI_SKIP_OPAQUE,  /* an expression the C API cannot inspect (opaque_id) */
  WI_SKIP_SMALL,   /* --min-instructions: instructions < the threshold, no loop */
  WI_SKIP_PROFILE, /* --from-profile: called often and briefly (the function's profile_*) */
} wi_skip_kind;

/* A selected function left without hooks, and why. */
typedef struct {
  uint32_t input_index;
  wi_skip_kind kind;
  const char *reason; /* static text */
  BinaryenExpressionId opaque_id;
  uint32_t instructions;
} wi_skip;

typedef struct {
  uint32_t functions_seen;   /* defined functions in the input */
  uint32_t functions_hooked;
  uint32_t functions_not_selected;
  uint32_t functions_uninspectable;
  uint32_t functions_small;   /* under --min-instructions, with no loop */
  uint32_t functions_profiled_out; /* --from-profile: called often and briefly */
  uint32_t functions_kept_small;   /* --from-profile: under --min-instructions, kept for their share */
  uint32_t imports_wrapped;
  uint32_t exports_wrapped;
  uint32_t exports_shared;     /* export wrappers that call a shared entry (export_boundary.c) */
  uint32_t shared_entries;     /* the shared entries: one per signature and guard */
  uint32_t exports_quieted;    /* realloc/post-return exports that silence the hooks */
  uint32_t invokes_repaired;   /* emscripten invoke_* imports given a repair wrapper */
  uint32_t exports_glue;       /* emscripten glue exports left without an export site */
  uint32_t frames_uncounted;   /* with repairs: functions whose hooks skip the depth count
                                  (they cannot throw, so no longjmp cuts them) */
  uint32_t tail_calls;
  uint32_t memory_grows_hooked;
  uint32_t functions_rebuilt; /* given extra locals */
  uint32_t locals_coalesced;  /* functions whose reader-made locals were packed */
  uint32_t locals_untyped;    /* functions whose reader-made typed locals became funcref */
  uint32_t guards_placed;     /* spans given try ... catch_all { exit; rethrow } */
  uint32_t guards_skipped;    /* spans left without one: nothing in them can throw */
} wi_stats;

typedef struct {
  /* Inputs, set by the caller. */
  BinaryenModuleRef module;
  const wi_function_info *funcs; /* [func_count], by input index */
  uint32_t func_count;
  const wi_export_info *exports; /* [export_count], by export index */
  uint32_t export_count;
  int32_t start_index;           /* input index of the start function, or -1 */
  wi_abi abi;
  bool exceptions;               /* add catch_all { exit; rethrow } guards where an
                                    exception can pass (the throw analysis) */
  bool hook_imports;             /* the import boundary */
  bool hook_exports;             /* the export boundary */
  bool untyped_references;       /* the input uses no typed references (nor GC) */
  bool may_add_table;            /* a table may be added next to the module's own
                                    (reference types): for shared export entries */
  uint32_t first_site_id;        /* hook ids are first_site_id + site (default ABI) */
  const char *const *quiet_exports; /* exports the host calls while the instance may not */
  size_t quiet_export_count;        /* call out (components: realloc, post-return) */
  bool site_table_section;       /* add the site table as a custom section */
  bool repair_invokes;           /* set by wi_instrument_run: the module has emscripten
                                    invoke_* trampolines, given repair wrappers */
  uint32_t min_instructions;     /* smaller loop-free functions get no hooks (0: none) */
  bool from_profile;             /* --from-profile: funcs[].left_out_by_profile is set */
  bool patchable;                /* --patchable: functions' hooks check the muted-sites
                                    table (hook_calls.h); default ABI, core modules */
  uint64_t profile_min_calls;    /* its rule, for --list and --stats */
  uint64_t profile_below_ns;
  double profile_keep_percent;   /* --profile-keep-percent */
  uint64_t profile_total_ns;     /* the profile's total, for the shares --list shows */

  /* Outputs and working state, owned here; see wi_instrument_free. */
  wi_unique_names names;         /* for everything the passes add */
  wi_hooks hooks;
  const char *quiet_global;      /* the global that silences the hooks, or NULL */
  char quiet_global_name[32];
  wi_site_table sites;
  wi_stats stats;
  wi_skip *skips;
  size_t skip_count;
  const char **import_wrappers;  /* [func_count]: wrapper of an import, or NULL */
  wi_name_map input_index;       /* function name -> input index */
  BinaryenFunctionRef *input_refs; /* [func_count]: each input function until the
                                      passes may rebuild it, then NULL */
  wi_function_name *output_names; /* for the name section, by output index */
  size_t output_name_count;
  wi_index_redirect *element_redirects; /* wrapped import -> its wrapper, by output */
  size_t element_redirect_count;        /* index: for the items of element segments */
  bool declare_redirected;       /* code may still `ref.func` a redirected import */
  bool added_table;              /* the export entries' table is not the module's only one:
                                    the output needs reference types */
  bool partial_scans;            /* a function held an expression the scan cannot enter */
  wi_walker walker;
  wi_function_facts facts;
  wi_throw_facts throws;         /* with exceptions on: which functions can throw */
  char error[256];
} wi_instrument;

/* Runs every pass. Returns 0, or -1 with a message in ctx->error (out of
 * memory, or a module the passes cannot handle). */
int wi_instrument_run(wi_instrument *ctx);
void wi_instrument_free(wi_instrument *ctx);

/* The passes, in the order wi_instrument_run applies them (one file each). */
int wi_pass_throw_analysis(wi_instrument *ctx);
/* The input's function `index` (ctx->funcs' numbering); NULL if it is gone. */
BinaryenFunctionRef wi_input_function(const wi_instrument *ctx, uint32_t index);
/* Emscripten's invoke_* trampolines get repair wrappers (emscripten_glue.c). */
bool wi_has_invoke_trampolines(const wi_instrument *ctx);
int wi_pass_invoke_repairs(wi_instrument *ctx);
int wi_pass_import_wrappers(wi_instrument *ctx);
BinaryenFunctionRef wi_pass_untype_reader_locals(wi_instrument *ctx, BinaryenFunctionRef func);
BinaryenFunctionRef wi_pass_coalesce_reader_locals(wi_instrument *ctx, BinaryenFunctionRef func,
                                                   const wi_function_info *info);
/* Packs the reader's scratch locals (after `declared_vars`); returns the function. */
BinaryenFunctionRef wi_pack_scratch_locals(wi_instrument *ctx, BinaryenFunctionRef func,
                                           BinaryenIndex declared_vars);
int wi_pass_function_hooks(wi_instrument *ctx, BinaryenFunctionRef func, uint32_t input_index,
                           uint32_t site);
void wi_pass_redirect_imports_in_function(wi_instrument *ctx);
int wi_pass_redirect_imports_in_module(wi_instrument *ctx);
int wi_pass_memory_grow_hooks(wi_instrument *ctx);
int wi_pass_observe_version_globals(wi_instrument *ctx);
int wi_pass_export_wrappers(wi_instrument *ctx);
int wi_pass_site_table(wi_instrument *ctx);

/* Shared helpers of the passes. */
uint32_t wi_add_site(wi_instrument *ctx, wi_site_kind kind, uint32_t input_index,
                     const char *func_name, const char *display, const char *field);
/* local.gets of the parameters `params` (locals 0..n-1) in a malloc'd array
 * with room for `extra` more operands; *count gets n. NULL when out of memory. */
BinaryenExpressionRef *wi_param_operands(BinaryenModuleRef m, BinaryenType params, uint32_t extra,
                                         uint32_t *count);
/* Adds (func $name (params) (results) enter; call target; exit) and returns
 * its name as Binaryen holds it (interned: it outlives the module), or NULL
 * when out of memory. */
const char *wi_add_span_wrapper(wi_instrument *ctx, const char *base_name, const char *target,
                                uint32_t site);
/* Adds (func $name (params) (results) quiet += 1; call target; quiet -= 1),
 * which silences the hooks while the host runs `target` (see
 * wi_hooks_add_quiet_guards). `target` must return nothing, numbers or a
 * tuple (wi_can_quiet_wrap). Returns the name as Binaryen holds it, or NULL
 * when out of memory. */
const char *wi_add_quiet_wrapper(wi_instrument *ctx, const char *base_name, const char *target,
                                 const char *quiet_global);
bool wi_can_quiet_wrap(BinaryenFunctionRef target);
/* Adds (func $name (params) (results) saved = depth; call target; if depth >
 * saved: unwind(depth - saved), depth = saved): after a non-local exit that
 * landed in `target` (emscripten_glue.h), the recorder closes the frames
 * whose exits it skipped. Needs wi_hooks_track_depth; `target` as for
 * wi_add_quiet_wrapper. Returns the name as Binaryen holds it, or NULL when
 * out of memory. */
const char *wi_add_repair_wrapper(wi_instrument *ctx, const char *base_name, const char *target);
/* Re-adds `func` with `count` extra locals of `types`; returns the new ref. */
BinaryenFunctionRef wi_function_add_locals(BinaryenModuleRef module, BinaryenFunctionRef func,
                                           const BinaryenType *types, uint32_t count);
/* Re-adds `func` with its non-parameter locals replaced by `types`. */
BinaryenFunctionRef wi_function_set_vars(BinaryenModuleRef module, BinaryenFunctionRef func,
                                         const BinaryenType *types, uint32_t count);
/* Whether a span of the function at `input_index` (its body, or a wrapper
 * calling it) needs the exception guard: exceptions are on and the function
 * can throw. Counts the answer in the stats. */
bool wi_needs_unwind_guard(wi_instrument *ctx, uint32_t input_index);
int wi_record_skip(wi_instrument *ctx, uint32_t input_index, wi_skip_kind kind,
                   const char *reason, BinaryenExpressionId opaque_id);

#endif
