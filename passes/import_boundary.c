/* The import boundary: a call into an imported function becomes a span.
 *
 * Each selected import gets one span wrapper, and every reference to the
 * import is pointed at it: direct calls and tail calls, `ref.func`, element
 * segments (so `call_indirect` through a table is covered), global
 * initialisers, and the start function. Exports of an import are left alone:
 * the host calling its own function through the module runs no wasm code, and
 * keeping the export keeps the function's identity for the host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instrument.h"

int wi_pass_import_wrappers(wi_instrument *ctx) {
  for (uint32_t i = 0; i < ctx->func_count; i++) {
    const wi_function_info *f = &ctx->funcs[i];
    if (!f->import_module || !f->selected) continue;
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

static bool segment_refers_to_wrapped_import(const wi_instrument *ctx,
                                             BinaryenElementSegmentRef segment) {
  BinaryenIndex length = BinaryenElementSegmentGetLength(segment);
  for (BinaryenIndex i = 0; i < length; i++) {
    const char *item = BinaryenElementSegmentGetData(segment, i);
    if (item && wrapper_of(ctx, item)) return true;
  }
  return false;
}

typedef struct {
  char *name, *table;
  BinaryenExpressionRef offset; /* NULL for a passive segment */
  const char **items;           /* borrowed names (Binaryen interns them) */
  BinaryenIndex length;
} saved_segment;

/* Binaryen 108 cannot edit a segment's items, so when one refers to a wrapped
 * import, all segments are removed and added again in their original order
 * with the references replaced. */
static int redirect_element_segments(wi_instrument *ctx) {
  BinaryenModuleRef m = ctx->module;
  BinaryenIndex count = BinaryenGetNumElementSegments(m);
  bool any = false;
  for (BinaryenIndex i = 0; i < count && !any; i++)
    any = segment_refers_to_wrapped_import(ctx, BinaryenGetElementSegmentByIndex(m, i));
  if (!any) return 0;
  saved_segment *saved = calloc(count, sizeof *saved);
  if (!saved) return -1;
  int rc = 0;
  for (BinaryenIndex i = 0; i < count && rc == 0; i++) {
    BinaryenElementSegmentRef segment = BinaryenGetElementSegmentByIndex(m, i);
    saved_segment *s = &saved[i];
    s->name = strdup(BinaryenElementSegmentGetName(segment));
    const char *table = BinaryenElementSegmentGetTable(segment);
    s->table = table ? strdup(table) : NULL;
    s->offset = BinaryenElementSegmentIsPassive(segment) ? NULL : BinaryenElementSegmentGetOffset(segment);
    s->length = BinaryenElementSegmentGetLength(segment);
    s->items = calloc(s->length ? s->length : 1, sizeof *s->items);
    if (!s->name || !s->items || (table && !s->table)) {
      rc = -1;
      break;
    }
    for (BinaryenIndex j = 0; j < s->length; j++) {
      const char *item = BinaryenElementSegmentGetData(segment, j);
      const char *wrapper = wrapper_of(ctx, item);
      s->items[j] = wrapper ? wrapper : item;
    }
  }
  if (rc == 0) {
    for (BinaryenIndex i = 0; i < count; i++) BinaryenRemoveElementSegment(m, saved[i].name);
    for (BinaryenIndex i = 0; i < count; i++) {
      saved_segment *s = &saved[i];
      if (s->offset)
        BinaryenAddActiveElementSegment(m, s->table, s->name, s->items, s->length, s->offset);
      else
        BinaryenAddPassiveElementSegment(m, s->name, s->items, s->length);
    }
  }
  for (BinaryenIndex i = 0; i < count; i++) {
    free(saved[i].name);
    free(saved[i].table);
    free(saved[i].items);
  }
  free(saved);
  return rc;
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
  return redirect_element_segments(ctx);
}
