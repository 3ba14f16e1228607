/* Runs the passes in order over one module (see instrument.h). */
#include "instrument.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_children.h"

uint32_t wi_add_site(wi_instrument *ctx, wi_site_kind kind, uint32_t input_index,
                     const char *func_name, const char *display, const char *field) {
  const wi_function_info *f = &ctx->funcs[input_index];
  wi_site site = {
      .kind = kind,
      .flags = f->flags,
      .input_index = input_index,
      .func_name = func_name,
      .display = display,
      .symbol = f->symbol ? f->symbol : "",
      .module = kind == WI_SITE_IMPORT ? f->import_module : "",
      .field = field ? field : "",
      .body_size = f->body_size,
  };
  return wi_site_table_add(&ctx->sites, &site);
}

int wi_record_skip(wi_instrument *ctx, uint32_t input_index, wi_skip_kind kind,
                   const char *reason, BinaryenExpressionId opaque_id) {
  wi_skip *grown = realloc(ctx->skips, (ctx->skip_count + 1) * sizeof *grown);
  if (!grown) return -1;
  ctx->skips = grown;
  ctx->skips[ctx->skip_count++] = (wi_skip){input_index, kind, reason, opaque_id, 0};
  return 0;
}

bool wi_needs_unwind_guard(wi_instrument *ctx, uint32_t input_index) {
  if (!ctx->exceptions) return false;
  bool guard = !ctx->throws.can_throw || ctx->throws.can_throw[input_index];
  if (guard) ctx->stats.guards_placed++;
  else ctx->stats.guards_skipped++;
  return guard;
}

static int fail(wi_instrument *ctx, const char *what) {
  if (!ctx->error[0]) snprintf(ctx->error, sizeof ctx->error, "%s", what);
  return -1;
}

/* The input's functions by input index, found before any pass runs, while
 * Binaryen still holds them in the input's order. Afterwards positions no
 * longer tell (the hook imports are moved first, rebuilt functions move to
 * the end), and a lookup by name interns the name: about a microsecond a
 * call on a module of 60,000 functions, twice per function. */
static bool find_input_functions(wi_instrument *ctx) {
  BinaryenModuleRef m = ctx->module;
  ctx->input_refs = calloc(ctx->func_count ? ctx->func_count : 1, sizeof *ctx->input_refs);
  if (!ctx->input_refs) return false;
  BinaryenIndex count = BinaryenGetNumFunctions(m);
  for (uint32_t i = 0; i < ctx->func_count; i++) {
    const char *name = ctx->funcs[i].name;
    BinaryenFunctionRef func = i < count ? BinaryenGetFunctionByIndex(m, i) : NULL;
    if (!func || strcmp(BinaryenFunctionGetName(func), name) != 0)
      func = BinaryenGetFunction(m, name);
    ctx->input_refs[i] = func;
  }
  return true;
}

BinaryenFunctionRef wi_input_function(const wi_instrument *ctx, uint32_t index) {
  if (ctx->input_refs && ctx->input_refs[index]) return ctx->input_refs[index];
  return BinaryenGetFunction(ctx->module, ctx->funcs[index].name);
}

static int instrument_function(wi_instrument *ctx, uint32_t index) {
  const wi_function_info *info = &ctx->funcs[index];
  BinaryenFunctionRef func = wi_input_function(ctx, index);
  if (!func) return fail(ctx, "internal error: a function vanished from the module");
  ctx->input_refs[index] = NULL; /* the passes below may rebuild it */
  ctx->stats.functions_seen++;
  func = wi_pass_untype_reader_locals(ctx, func);
  func = wi_pass_coalesce_reader_locals(ctx, func, info);
  if (wi_function_scan(&ctx->walker, func, &ctx->facts) != 0) return fail(ctx, "out of memory");
  if (ctx->facts.opaque) ctx->partial_scans = true;
  /* Redirection is safe on a partial scan: each reference found is rewritten
   * on its own. The hooks are not: an unseen `return` would skip the exit. */
  if (ctx->hook_imports || ctx->repair_invokes) wi_pass_redirect_imports_in_function(ctx);
  if (wi_pass_memory_grow_hooks(ctx) != 0) return fail(ctx, "out of memory");
  if (!info->selected) {
    ctx->stats.functions_not_selected++;
    return 0;
  }
  if (ctx->facts.opaque) {
    ctx->stats.functions_uninspectable++;
    return wi_record_skip(ctx, index, WI_SKIP_OPAQUE,
                          "contains an expression Binaryen's C API cannot inspect",
                          ctx->facts.opaque_id);
  }
  /* XRay's rule: a small function with no loop costs more to trace than it
   * runs; one asked for by name is kept, and one a profile shows to hold a
   * share of the run (its callees' time, most likely). */
  bool small = ctx->facts.instructions < ctx->min_instructions && !ctx->facts.has_loop;
  if (small && ctx->from_profile && info->profile_kept && !info->named_by_include)
    ctx->stats.functions_kept_small++;
  else if (small && !info->named_by_include) {
    ctx->stats.functions_small++;
    if (wi_record_skip(ctx, index, WI_SKIP_SMALL, "small", 0) != 0)
      return fail(ctx, "out of memory");
    ctx->skips[ctx->skip_count - 1].instructions = ctx->facts.instructions;
    return 0;
  }
  /* --from-profile: a span that is mostly its own cost (src/profile_selection.c
   * decided, --include already considered). */
  if (ctx->from_profile && info->left_out_by_profile) {
    ctx->stats.functions_profiled_out++;
    if (wi_record_skip(ctx, index, WI_SKIP_PROFILE, "called often and briefly", 0) != 0)
      return fail(ctx, "out of memory");
    return 0;
  }
  uint32_t site = wi_add_site(ctx, WI_SITE_FUNCTION, index, info->name, info->display, NULL);
  if (site == UINT32_MAX) return fail(ctx, "out of memory");
  if (wi_pass_function_hooks(ctx, func, index, site) != 0) return fail(ctx, "out of memory");
  ctx->stats.functions_hooked++;
  return 0;
}

int wi_instrument_run(wi_instrument *ctx) {
  wi_expr_kinds_init();
  wi_unique_names_init(&ctx->names, ctx->module);
  ctx->import_wrappers = calloc(ctx->func_count ? ctx->func_count : 1, sizeof(const char *));
  if (!ctx->import_wrappers) return fail(ctx, "out of memory");
  for (uint32_t i = 0; i < ctx->func_count; i++)
    if (!wi_name_map_put(&ctx->input_index, ctx->funcs[i].name, i)) return fail(ctx, "out of memory");
  if (!find_input_functions(ctx)) return fail(ctx, "out of memory");
  /* Emscripten's trampolines: core modules under the default ABI, whose
   * hosts have the unwind hook (components never hold emscripten's glue). */
  ctx->repair_invokes = ctx->abi == WI_ABI_DEFAULT && ctx->site_table_section &&
                        ctx->quiet_export_count == 0 && wi_has_invoke_trampolines(ctx);
  /* Before any hook call exists: the hooks are imports, and would count.
   * With repairs too: the frames of functions that cannot throw cannot be
   * cut by a longjmp either, and need no counting. */
  if ((ctx->exceptions || ctx->repair_invokes) && wi_pass_throw_analysis(ctx) != 0)
    return fail(ctx, "out of memory");
  if (!wi_hooks_init(&ctx->hooks, ctx->module, &ctx->names, ctx->abi, ctx->exceptions,
                     ctx->repair_invokes))
    return fail(ctx, "out of memory");
  if (ctx->patchable && !wi_hooks_make_patchable(&ctx->hooks)) return fail(ctx, "out of memory");
  if (ctx->repair_invokes &&
      (!wi_hooks_track_depth(&ctx->hooks) || wi_pass_invoke_repairs(ctx) != 0))
    return fail(ctx, "out of memory");
  if (ctx->quiet_export_count > 0) {
    char *quiet = wi_unique_name(&ctx->names, WI_NAME_GLOBAL, "wi$quiet");
    if (!quiet) return fail(ctx, "out of memory");
    snprintf(ctx->quiet_global_name, sizeof ctx->quiet_global_name, "%s", quiet);
    free(quiet);
    ctx->quiet_global = ctx->quiet_global_name;
    if (!wi_hooks_add_quiet_guards(&ctx->hooks, ctx->quiet_global))
      return fail(ctx, "out of memory");
  }
  if (ctx->hook_imports && wi_pass_import_wrappers(ctx) != 0) return fail(ctx, "out of memory");
  for (uint32_t i = 0; i < ctx->func_count; i++) {
    if (ctx->funcs[i].import_module) continue;
    if (instrument_function(ctx, i) != 0) return -1;
  }
  if ((ctx->hook_imports || ctx->repair_invokes) && wi_pass_redirect_imports_in_module(ctx) != 0)
    return fail(ctx, "out of memory");
  if ((ctx->hook_exports || ctx->quiet_global) && ctx->abi == WI_ABI_DEFAULT &&
      wi_pass_export_wrappers(ctx) != 0)
    return fail(ctx, "out of memory");
  if (wi_pass_observe_version_globals(ctx) != 0) return fail(ctx, "out of memory");
  if (ctx->hooks.out_of_memory) return fail(ctx, "out of memory");
  /* after the export wrappers: the table's export is no boundary */
  if (!wi_hooks_add_muted_table(&ctx->hooks))
    return fail(ctx, "the module already exports " WI_MUTED_SITES_EXPORT " (instrumented twice?)");
  if (ctx->hooks.muted_table) ctx->added_table = true; /* reference types */
  if (wi_pass_site_table(ctx) != 0) return fail(ctx, "out of memory");
  wi_unique_names_free(&ctx->names); /* no pass adds anything after this one */
  return 0;
}

void wi_instrument_free(wi_instrument *ctx) {
  wi_unique_names_free(&ctx->names);
  wi_hooks_free(&ctx->hooks);
  wi_site_table_free(&ctx->sites);
  free(ctx->skips);
  free(ctx->output_names);
  ctx->output_names = NULL;
  free(ctx->element_redirects);
  ctx->element_redirects = NULL;
  ctx->element_redirect_count = 0;
  free(ctx->import_wrappers);
  wi_name_map_free(&ctx->input_index);
  free(ctx->input_refs);
  ctx->input_refs = NULL;
  wi_walker_free(&ctx->walker);
  wi_function_facts_free(&ctx->facts);
  wi_throw_facts_free(&ctx->throws);
  ctx->skips = NULL;
  ctx->import_wrappers = NULL;
}
