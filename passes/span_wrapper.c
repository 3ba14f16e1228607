/* Wrappers: functions with the signature of a `target` that call it with
 * their own parameters, adding something around the call. The span wrapper
 * (import and export boundaries) opens and closes a span; the quiet wrapper
 * (components) silences the hooks during the call. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "instrument.h"

/* What a wrapper of `target` is made of. */
typedef struct {
  BinaryenType params, results;
  uint32_t param_count;
  char *name;                 /* the wrapper's name (owned) */
  BinaryenExpressionRef call; /* target called with the wrapper's parameters */
} forwarding;

BinaryenExpressionRef *wi_param_operands(BinaryenModuleRef m, BinaryenType params, uint32_t extra,
                                         uint32_t *count) {
  uint32_t n = params == BinaryenTypeNone() ? 0 : BinaryenTypeArity(params);
  BinaryenType *types = malloc((n ? n : 1) * sizeof *types);
  BinaryenExpressionRef *operands = malloc(((size_t)n + extra + 1) * sizeof *operands);
  if (!types || !operands) {
    free(types);
    free(operands);
    return NULL;
  }
  if (n) BinaryenTypeExpand(params, types);
  for (uint32_t i = 0; i < n; i++) operands[i] = BinaryenLocalGet(m, i, types[i]);
  free(types);
  *count = n;
  return operands;
}

static bool forwarding_make(wi_instrument *ctx, const char *base_name, const char *target,
                            forwarding *f) {
  BinaryenModuleRef m = ctx->module;
  BinaryenFunctionRef callee = BinaryenGetFunction(m, target);
  f->params = BinaryenFunctionGetParams(callee);
  f->results = BinaryenFunctionGetResults(callee);
  BinaryenExpressionRef *operands = wi_param_operands(m, f->params, 0, &f->param_count);
  f->name = operands ? wi_unique_name(&ctx->names, WI_NAME_FUNCTION, base_name) : NULL;
  if (f->name) f->call = BinaryenCall(m, target, operands, f->param_count, f->results);
  free(operands);
  return f->name != NULL;
}

/* A value of these types can wait in a local (a reference may not be
 * defaultable); a tuple always can. */
static bool fits_a_local(BinaryenType results) {
  return results == BinaryenTypeInt32() || results == BinaryenTypeInt64() ||
         results == BinaryenTypeFloat32() || results == BinaryenTypeFloat64() ||
         results == BinaryenTypeVec128() ||
         (results != BinaryenTypeNone() && BinaryenTypeArity(results) > 1);
}

/* Adds the wrapper `f` describes with this body and locals; returns its
 * interned name. */
static const char *forwarding_add(BinaryenModuleRef m, forwarding *f, BinaryenType *vars,
                                  BinaryenIndex var_count, BinaryenExpressionRef body) {
  BinaryenFunctionRef added =
      BinaryenAddFunction(m, f->name, f->params, f->results, vars, var_count, body);
  free(f->name);
  return BinaryenFunctionGetName(added);
}

const char *wi_add_span_wrapper(wi_instrument *ctx, const char *base_name, const char *target,
                                uint32_t site) {
  BinaryenModuleRef m = ctx->module;
  forwarding f;
  if (!forwarding_make(ctx, base_name, target, &f)) return NULL;
  BinaryenExpressionRef inner;
  BinaryenType tuple_var = f.results;
  BinaryenIndex var_count = 0;
  /* A numeric result waits in a local while exit is called: no call to an
   * exit helper on the way out of every boundary crossing. */
  if (fits_a_local(f.results)) {
    BinaryenExpressionRef seq[3] = {
        BinaryenLocalSet(m, f.param_count, f.call),
        wi_hook_exit(&ctx->hooks, site),
        BinaryenLocalGet(m, f.param_count, f.results),
    };
    inner = BinaryenBlock(m, NULL, seq, 3, f.results);
    var_count = 1;
  } else {
    inner = wi_hook_exit_after(&ctx->hooks, site, f.call, f.results);
  }
  /* The target can throw unless it is a defined function the throw analysis
   * cleared (an import always can). */
  if (wi_needs_unwind_guard(ctx, ctx->sites.items[site].input_index))
    inner = wi_hook_unwind_guard(&ctx->hooks, site, inner, "wi$unwind");
  BinaryenExpressionRef body[2] = {wi_hook_enter(&ctx->hooks, site), inner};
  return forwarding_add(m, &f, &tuple_var, var_count, BinaryenBlock(m, NULL, body, 2, f.results));
}

const char *wi_add_repair_wrapper(wi_instrument *ctx, const char *base_name, const char *target) {
  BinaryenModuleRef m = ctx->module;
  const char *depth = ctx->hooks.depth_global;
  forwarding f;
  if (!forwarding_make(ctx, base_name, target, &f)) return NULL;
  bool has_result = f.results != BinaryenTypeNone();
  BinaryenIndex saved = f.param_count, result = f.param_count + 1;
  BinaryenType vars[2] = {BinaryenTypeInt32(), f.results};
  /* skipped = depth - saved: the enters a non-local exit left without exit */
  BinaryenExpressionRef skipped =
      BinaryenBinary(m, BinaryenSubInt32(), BinaryenGlobalGet(m, depth, BinaryenTypeInt32()),
                     BinaryenLocalGet(m, saved, BinaryenTypeInt32()));
  BinaryenExpressionRef repair[2] = {
      BinaryenCall(m, ctx->hooks.unwind_name, &skipped, 1, BinaryenTypeNone()),
      BinaryenGlobalSet(m, depth, BinaryenLocalGet(m, saved, BinaryenTypeInt32())),
  };
  /* The same difference again, signed: > 0 only after a skip (never in a
   * module that exits in order). */
  BinaryenExpressionRef any_skipped = BinaryenBinary(
      m, BinaryenGtSInt32(),
      BinaryenBinary(m, BinaryenSubInt32(), BinaryenGlobalGet(m, depth, BinaryenTypeInt32()),
                     BinaryenLocalGet(m, saved, BinaryenTypeInt32())),
      BinaryenConst(m, BinaryenLiteralInt32(0)));
  BinaryenExpressionRef body[4] = {
      BinaryenLocalSet(m, saved, BinaryenGlobalGet(m, depth, BinaryenTypeInt32())),
      has_result ? BinaryenLocalSet(m, result, f.call) : f.call,
      BinaryenIf(m, any_skipped, BinaryenBlock(m, NULL, repair, 2, BinaryenTypeNone()), NULL),
      has_result ? BinaryenLocalGet(m, result, f.results) : NULL,
  };
  return forwarding_add(m, &f, vars, has_result ? 2 : 1,
                        BinaryenBlock(m, NULL, body, has_result ? 4 : 3, f.results));
}

static BinaryenExpressionRef add_to_quiet(BinaryenModuleRef m, const char *quiet, int32_t delta) {
  BinaryenExpressionRef sum =
      BinaryenBinary(m, BinaryenAddInt32(), BinaryenGlobalGet(m, quiet, BinaryenTypeInt32()),
                     BinaryenConst(m, BinaryenLiteralInt32(delta)));
  return BinaryenGlobalSet(m, quiet, sum);
}

bool wi_can_quiet_wrap(BinaryenFunctionRef target) {
  BinaryenType results = BinaryenFunctionGetResults(target);
  return results == BinaryenTypeNone() || fits_a_local(results);
}

const char *wi_add_quiet_wrapper(wi_instrument *ctx, const char *base_name, const char *target,
                                 const char *quiet_global) {
  BinaryenModuleRef m = ctx->module;
  forwarding f;
  if (!forwarding_make(ctx, base_name, target, &f)) return NULL;
  BinaryenType var = f.results;
  bool has_result = f.results != BinaryenTypeNone();
  BinaryenExpressionRef body[4] = {
      add_to_quiet(m, quiet_global, 1),
      has_result ? BinaryenLocalSet(m, f.param_count, f.call) : f.call,
      add_to_quiet(m, quiet_global, -1),
      has_result ? BinaryenLocalGet(m, f.param_count, f.results) : NULL,
  };
  return forwarding_add(m, &f, &var, has_result ? 1 : 0,
                        BinaryenBlock(m, NULL, body, has_result ? 4 : 3, f.results));
}
