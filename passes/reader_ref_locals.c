/* Undoing a side effect of Binaryen 108 on modules without typed references.
 *
 * Binaryen types `ref.func` as the typed reference `(ref $sig)`, and its reader
 * gives a value that stays on the stack a scratch local of the value's type.
 * In a module that does not use typed references, that local is then written
 * as `(ref null $sig)`, which V8 without the function-references proposal and
 * WABT reject (a plain `wasm-opt` round trip writes the same). In such modules
 * the only typed references are function references, so these locals become
 * `funcref`; the `local.get`s and `local.tee`s of them are retyped, the
 * `ref.as_non_null` the reader put around them (not an instruction such a
 * module may use) is dropped, and the expressions above are re-finalized. */
#include <stdlib.h>

#include "expr_children.h"
#include "instrument.h"

static bool is_basic(BinaryenType t) {
  return t == BinaryenTypeNone() || t == BinaryenTypeUnreachable() || t == BinaryenTypeInt32() ||
         t == BinaryenTypeInt64() || t == BinaryenTypeFloat32() || t == BinaryenTypeFloat64() ||
         t == BinaryenTypeVec128() || t == BinaryenTypeFuncref() || t == BinaryenTypeExternref() ||
         t == BinaryenTypeAnyref() || t == BinaryenTypeEqref() || t == BinaryenTypeI31ref() ||
         t == BinaryenTypeDataref();
}

/* The type with every typed reference replaced by funcref. */
static BinaryenType untyped(BinaryenType t) {
  uint32_t arity = BinaryenTypeArity(t);
  if (arity <= 1) return is_basic(t) ? t : BinaryenTypeFuncref();
  BinaryenType elements[arity];
  BinaryenTypeExpand(t, elements);
  bool changed = false;
  for (uint32_t i = 0; i < arity; i++) {
    if (is_basic(elements[i])) continue;
    elements[i] = BinaryenTypeFuncref();
    changed = true;
  }
  return changed ? BinaryenTypeCreate(elements, arity) : t;
}

typedef struct {
  BinaryenFunctionRef func;
  BinaryenIndex first_var;
  const BinaryenType *new_types; /* by var index */
  const bool *changed;
  BinaryenExpressionRef *dirty;  /* parents whose children changed type */
  size_t dirty_count, dirty_capacity;
  bool out_of_memory;
} retype_context;

static void mark_dirty(retype_context *c, BinaryenExpressionRef parent) {
  if (!parent) return;
  if (c->dirty_count == c->dirty_capacity) {
    size_t capacity = c->dirty_capacity ? c->dirty_capacity * 2 : 16;
    BinaryenExpressionRef *grown = realloc(c->dirty, capacity * sizeof *grown);
    if (!grown) {
      c->out_of_memory = true;
      return;
    }
    c->dirty = grown;
    c->dirty_capacity = capacity;
  }
  c->dirty[c->dirty_count++] = parent;
}

static bool take_dirty(retype_context *c, BinaryenExpressionRef expr) {
  for (size_t i = 0; i < c->dirty_count; i++) {
    if (c->dirty[i] != expr) continue;
    c->dirty[i] = c->dirty[--c->dirty_count];
    return true;
  }
  return false;
}

/* Post-order: a node is seen after its children, so a change flows upward. */
static void retype(const wi_node *node, void *arg) {
  retype_context *c = arg;
  BinaryenExpressionRef e = node->expr;
  BinaryenType before = BinaryenExpressionGetType(e);
  BinaryenIndex index = 0;
  bool local = false;
  if (node->id == wi_ids.local_get) {
    index = BinaryenLocalGetGetIndex(e);
    local = true;
  } else if (node->id == wi_ids.local_set && BinaryenLocalSetIsTee(e)) {
    index = BinaryenLocalSetGetIndex(e);
    local = true;
  }
  if (local && index >= c->first_var && c->changed[index - c->first_var] &&
      before != BinaryenTypeUnreachable()) {
    BinaryenExpressionSetType(e, c->new_types[index - c->first_var]);
    mark_dirty(c, node->parent);
    return;
  }
  if (!take_dirty(c, e)) return;
  if (node->id == wi_ids.ref_as && BinaryenRefAsGetOp(e) == BinaryenRefAsNonNull()) {
    wi_node_replace(node, c->func, BinaryenRefAsGetValue(e));
    mark_dirty(c, node->parent);
    return;
  }
  BinaryenExpressionFinalize(e);
  if (BinaryenExpressionGetType(e) != before) mark_dirty(c, node->parent);
}

BinaryenFunctionRef wi_pass_untype_reader_locals(wi_instrument *ctx, BinaryenFunctionRef func) {
  if (!ctx->untyped_references) return func;
  BinaryenIndex count = BinaryenFunctionGetNumVars(func);
  BinaryenType *types = malloc((count ? count : 1) * sizeof *types);
  bool *changed = calloc(count ? count : 1, sizeof *changed);
  bool any = false;
  for (BinaryenIndex i = 0; types && changed && i < count; i++) {
    BinaryenType t = BinaryenFunctionGetVar(func, i);
    types[i] = untyped(t);
    changed[i] = types[i] != t;
    any |= changed[i];
  }
  BinaryenFunctionRef result = func;
  if (types && changed && any) {
    BinaryenIndex first_var = BinaryenFunctionGetNumLocals(func) - count;
    retype_context c = {.func = func, .first_var = first_var, .new_types = types,
                        .changed = changed};
    BinaryenExpressionId opaque;
    wi_walk(&ctx->walker, BinaryenFunctionGetBody(func), retype, &c, &opaque);
    free(c.dirty);
    result = wi_function_set_vars(ctx->module, func, types, count);
    if (result) ctx->stats.locals_untyped++;
  }
  free(types);
  free(changed);
  return result ? result : func;
}
