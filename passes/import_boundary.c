/* The import boundary: a call into an imported function becomes a span.
 *
 * Each selected import gets one span wrapper, and every reference to the
 * import is pointed at it: direct calls and tail calls, `ref.func`, global
 * initialisers, the start function, and element segments (so `call_indirect`
 * through a table is covered; those after writing, see
 * wi_pass_redirect_imports_in_module). Exports of an import are left alone:
 * the host calling its own function through the module runs no wasm code, and
 * keeping the export keeps the function's identity for the host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instrument.h"

int wi_pass_import_wrappers(wi_instrument *ctx) {
  for (uint32_t i = 0; i < ctx->func_count; i++) {
    const wi_function_info *f = &ctx->funcs[i];
    if (!f->import_module || !f->selected || ctx->import_wrappers[i]) continue; /* or repaired */
    uint32_t site = wi_add_site(ctx, WI_SITE_IMPORT, i, f->name, f->display, f->import_field);
    if (site == UINT32_MAX) return -1;
    size_t size = strlen(f->display) + 16;
    char *base = malloc(size);
    if (!base) return -1;
    snprintf(base, size, "wi$import$%s", f->display);
    ctx->import_wrappers[i] = wi_add_span_wrapper(ctx, base, f->name, site);
    free(base);
    if (!ctx->import_wrappers[i]) return -1;
    ctx->stats.imports_wrapped++;
  }
  return 0;
}

/* The wrapper for the function called `name`, or NULL. */
static const char *wrapper_of(const wi_instrument *ctx, const char *name) {
  uint32_t index;
  if (!wi_name_map_get(&ctx->input_index, name, &index)) return NULL;
  return ctx->import_wrappers[index];
}

void wi_pass_redirect_imports_in_function(wi_instrument *ctx) {
  const wi_function_facts *facts = &ctx->facts;
  for (size_t i = 0; i < facts->direct_calls.count; i++) {
    BinaryenExpressionRef call = facts->direct_calls.items[i].expr;
    const char *wrapper = wrapper_of(ctx, BinaryenCallGetTarget(call));
    if (wrapper) BinaryenCallSetTarget(call, wrapper);
  }
  for (size_t i = 0; i < facts->ref_funcs.count; i++) {
    BinaryenExpressionRef ref = facts->ref_funcs.items[i].expr;
    const char *wrapper = wrapper_of(ctx, BinaryenRefFuncGetFunc(ref));
    if (wrapper) BinaryenRefFuncSetFunc(ref, wrapper);
  }
}

int wi_pass_redirect_imports_in_module(wi_instrument *ctx) {
  BinaryenModuleRef m = ctx->module;
  for (BinaryenIndex i = 0; i < BinaryenGetNumGlobals(m); i++) {
    BinaryenExpressionRef init = BinaryenGlobalGetInitExpr(BinaryenGetGlobalByIndex(m, i));
    if (!init || BinaryenExpressionGetId(init) != BinaryenRefFuncId()) continue;
    const char *wrapper = wrapper_of(ctx, BinaryenRefFuncGetFunc(init));
    if (wrapper) BinaryenRefFuncSetFunc(init, wrapper);
  }
  if (ctx->start_index >= 0 && ctx->import_wrappers[ctx->start_index])
    BinaryenSetStart(m, BinaryenGetFunction(m, ctx->import_wrappers[ctx->start_index]));
  /* Element segments are left as they are here: Binaryen 108's C API can
   * neither edit their items nor re-create them faithfully (ref.null and
   * global.get items, typed segments). Their items are pointed at the wrappers
   * in the written binary (element_redirects, src/element_segments.h). */
  return 0;
}
