/* A span wrapper: a function with the signature of `target` that opens a span,
 * calls `target` with its own parameters, and closes the span. The import and
 * export boundaries both use it. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "instrument.h"

char *wi_add_span_wrapper(wi_instrument *ctx, const char *base_name, const char *target,
                          uint32_t site) {
  BinaryenModuleRef m = ctx->module;
  BinaryenFunctionRef callee = BinaryenGetFunction(m, target);
  BinaryenType params = BinaryenFunctionGetParams(callee);
  BinaryenType results = BinaryenFunctionGetResults(callee);
  uint32_t param_count = BinaryenTypeArity(params);
  if (params == BinaryenTypeNone()) param_count = 0;
  BinaryenType *param_types = malloc((param_count ? param_count : 1) * sizeof *param_types);
  BinaryenExpressionRef *operands = malloc((param_count ? param_count : 1) * sizeof *operands);
  char *name = wi_unique_function_name(m, base_name);
  if (!param_types || !operands || !name) {
    free(param_types);
    free(operands);
    free(name);
    return NULL;
  }
  if (param_count) BinaryenTypeExpand(params, param_types);
  for (uint32_t i = 0; i < param_count; i++) operands[i] = BinaryenLocalGet(m, i, param_types[i]);
  BinaryenExpressionRef call = BinaryenCall(m, target, operands, param_count, results);

  BinaryenExpressionRef inner;
  BinaryenType tuple_var = results;
  BinaryenIndex var_count = 0;
  /* A numeric result waits in a local while exit is called: no call to an
   * exit helper on the way out of every boundary crossing (a reference
   * result may not be defaultable, so it keeps the helper). */
  bool numeric = results == BinaryenTypeInt32() || results == BinaryenTypeInt64() ||
                 results == BinaryenTypeFloat32() || results == BinaryenTypeFloat64() ||
                 results == BinaryenTypeVec128();
  if (numeric || (results != BinaryenTypeNone() && BinaryenTypeArity(results) > 1)) {
    BinaryenExpressionRef seq[3] = {
        BinaryenLocalSet(m, param_count, call),
        wi_hook_exit(&ctx->hooks, site),
        BinaryenLocalGet(m, param_count, results),
    };
    inner = BinaryenBlock(m, NULL, seq, 3, results);
    var_count = 1;
  } else {
    inner = wi_hook_exit_after(&ctx->hooks, site, call, results);
  }
  BinaryenExpressionRef body[2] = {
      wi_hook_enter(&ctx->hooks, site),
      wi_hook_unwind_guard(&ctx->hooks, site, inner, "wi$unwind"),
  };
  BinaryenAddFunction(m, name, params, results, &tuple_var, var_count,
                      BinaryenBlock(m, NULL, body, 2, results));
  free(param_types);
  free(operands);
  return name;
}
