/* Changing a function's locals. Binaryen 108's C API has no call for it, so
 * the function is removed and added again under the same name with the same
 * body and the new list of locals; local names are carried over. The function
 * moves to the end of the module's function list, which is why output indices
 * are only computed once every pass has run. */
#include <stdlib.h>
#include <string.h>

#include "instrument.h"

static void free_names(char **names, BinaryenIndex count) {
  if (!names) return;
  for (BinaryenIndex i = 0; i < count; i++) free(names[i]);
  free(names);
}

/* Re-adds `func` with `var_count` locals of `var_types` (after the params). */
static BinaryenFunctionRef rebuild(BinaryenModuleRef module, BinaryenFunctionRef func,
                                   const BinaryenType *var_types, BinaryenIndex var_count) {
  BinaryenIndex local_count = BinaryenFunctionGetNumLocals(func);
  BinaryenType params = BinaryenFunctionGetParams(func);
  BinaryenType results = BinaryenFunctionGetResults(func);
  BinaryenExpressionRef body = BinaryenFunctionGetBody(func);
  char *name = strdup(BinaryenFunctionGetName(func));
  char **local_names = calloc(local_count ? local_count : 1, sizeof *local_names);
  if (!name || !local_names) {
    free(name);
    free(local_names);
    return NULL;
  }
  for (BinaryenIndex i = 0; i < local_count; i++) {
    if (!BinaryenFunctionHasLocalName(func, i)) continue;
    local_names[i] = strdup(BinaryenFunctionGetLocalName(func, i));
    if (!local_names[i]) {
      free(name);
      free_names(local_names, local_count);
      return NULL;
    }
  }
  BinaryenRemoveFunction(module, name);
  BinaryenFunctionRef rebuilt =
      BinaryenAddFunction(module, name, params, results, (BinaryenType *)var_types, var_count, body);
  for (BinaryenIndex i = 0; i < local_count && i < BinaryenFunctionGetNumLocals(rebuilt); i++)
    if (local_names[i]) BinaryenFunctionSetLocalName(rebuilt, i, local_names[i]);
  free(name);
  free_names(local_names, local_count);
  return rebuilt;
}

BinaryenFunctionRef wi_function_add_locals(BinaryenModuleRef module, BinaryenFunctionRef func,
                                           const BinaryenType *types, uint32_t count) {
  BinaryenIndex var_count = BinaryenFunctionGetNumVars(func);
  BinaryenType *vars = malloc(((size_t)var_count + count) * sizeof *vars);
  if (!vars) return NULL;
  for (BinaryenIndex i = 0; i < var_count; i++) vars[i] = BinaryenFunctionGetVar(func, i);
  memcpy(vars + var_count, types, count * sizeof *types);
  BinaryenFunctionRef rebuilt = rebuild(module, func, vars, var_count + count);
  free(vars);
  return rebuilt;
}

BinaryenFunctionRef wi_function_set_vars(BinaryenModuleRef module, BinaryenFunctionRef func,
                                         const BinaryenType *types, uint32_t count) {
  return rebuild(module, func, types, count);
}
