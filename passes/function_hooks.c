/* The function-body pass: enter at entry, exit on every way out.
 *
 * Ways out, and what each becomes:
 *   fallthrough and `br` to the body's label   exit after the body's value
 *   `return v`                                  return (exit after v)
 *   `return_call f args` (and _indirect)        operands into locals, exit, tail call;
 *                                               or, with a typed-reference operand,
 *                                               exit inside the last operand
 *   an exception (modules that use EH)          try ... catch_all { exit; rethrow },
 *                                               unless the function cannot throw
 *                                               (throw_analysis.h)
 *   `delegate` to the caller                    delegate to that try instead
 * With --patchable, the enter keeps in a local of its own whether it called
 * the hook, and every exit looks (hook_calls.h, wi_hooks_make_patchable).
 * A `br` to the body's outermost label lands at the end of the body, so
 * wrapping the whole body covers it. Tail calls stay tail calls: the exit runs
 * after the operands are evaluated, just before the jump. */
#include <stdio.h>
#include <stdlib.h>

#include "expr_children.h"
#include "instrument.h"

typedef struct {
  BinaryenType *types;
  uint32_t count, capacity;
  BinaryenIndex first_index; /* index of the first added local */
  bool out_of_memory;
} added_locals;

static BinaryenIndex add_local(added_locals *l, BinaryenType type) {
  if (l->count == l->capacity) {
    uint32_t capacity = l->capacity ? l->capacity * 2 : 4;
    BinaryenType *grown = realloc(l->types, capacity * sizeof *grown);
    if (!grown) {
      l->out_of_memory = true;
      return l->first_index;
    }
    l->types = grown;
    l->capacity = capacity;
  }
  l->types[l->count] = type;
  return l->first_index + l->count++;
}

/* A patchable frame's exits keep their values in one local per type: each
 * is set and read back around one exit, with nothing between that can
 * reach another exit of the frame. Room for more types than
 * wi_type_is_defaultable accepts (nine), so each type gets one local. */
enum { VALUE_LOCAL_TYPES = 16 };
typedef struct {
  added_locals *locals;
  BinaryenType types[VALUE_LOCAL_TYPES];
  BinaryenIndex indices[VALUE_LOCAL_TYPES];
  int count;
} value_locals;

static BinaryenIndex value_local(void *state, BinaryenType type) {
  value_locals *v = state;
  for (int i = 0; i < v->count; i++)
    if (v->types[i] == type) return v->indices[i];
  BinaryenIndex index = add_local(v->locals, type);
  if (v->count < VALUE_LOCAL_TYPES) {
    v->types[v->count] = type;
    v->indices[v->count++] = index;
  }
  return index;
}

/* Operands that are constants cannot observe or be observed by anything. */
static bool is_constant(BinaryenExpressionRef e) {
  BinaryenExpressionId id = BinaryenExpressionGetId(e);
  return id == wi_ids.const_ || id == wi_ids.ref_null || id == wi_ids.ref_func;
}

/* Reads with no side effects: safe to leave in place if no operand has any. */
static bool is_pure_read(BinaryenExpressionRef e) {
  BinaryenExpressionId id = BinaryenExpressionGetId(e);
  return is_constant(e) || id == wi_ids.local_get || id == wi_ids.global_get;
}

/* `value` then exit(site), yielding the value; tuples go through a local.
 * `type` is the function's declared result type. */
static BinaryenExpressionRef exit_after_value(wi_instrument *ctx, uint32_t site,
                                              BinaryenExpressionRef value, BinaryenType type,
                                              added_locals *locals, BinaryenIndex *tuple_local) {
  BinaryenModuleRef m = ctx->module;
  if (BinaryenExpressionGetType(value) == BinaryenTypeUnreachable() || BinaryenTypeArity(type) <= 1)
    return wi_hook_exit_after(&ctx->hooks, site, value, type);
  if (*tuple_local == (BinaryenIndex)-1) *tuple_local = add_local(locals, type);
  BinaryenExpressionRef seq[3] = {
      BinaryenLocalSet(m, *tuple_local, value),
      wi_hook_exit(&ctx->hooks, site),
      BinaryenLocalGet(m, *tuple_local, type),
  };
  return BinaryenBlock(m, NULL, seq, 3, type);
}

/* The declared type of operand `slot` of a tail call: the callee's parameter
 * type (an operand may have a more precise type that needs more features, or
 * is not defaultable), or i32 for call_indirect's table index. */
static BinaryenType operand_type(BinaryenModuleRef m, BinaryenExpressionRef call, int slot) {
  BinaryenType params;
  if (BinaryenExpressionGetId(call) == wi_ids.call) {
    params = BinaryenFunctionGetParams(BinaryenGetFunction(m, BinaryenCallGetTarget(call)));
  } else {
    if ((BinaryenIndex)slot >= BinaryenCallIndirectGetNumOperands(call))
      return BinaryenExpressionGetType(BinaryenCallIndirectGetTarget(call));
    params = BinaryenCallIndirectGetParams(call);
  }
  uint32_t arity = BinaryenTypeArity(params);
  if (arity <= 1) return params;
  BinaryenType types[arity];
  BinaryenTypeExpand(params, types);
  return types[slot];
}

static void hook_tail_call(wi_instrument *ctx, const wi_node *node, BinaryenFunctionRef func,
                           uint32_t site, added_locals *locals) {
  BinaryenModuleRef m = ctx->module;
  BinaryenExpressionRef call = node->expr;
  int count = wi_child_count(call);
  bool has_effects = false, spillable = true;
  for (int i = 0; i < count; i++) {
    BinaryenExpressionRef operand = wi_child_get(call, i);
    if (BinaryenExpressionGetType(operand) == BinaryenTypeUnreachable()) return; /* never reached */
    if (!is_pure_read(operand)) has_effects = true;
    if (!is_constant(operand) && !wi_type_is_defaultable(operand_type(m, call, i))) spillable = false;
  }
  ctx->stats.tail_calls++;
  /* The operands are evaluated, in order, before the exit (an exit before them
   * would close the span early, and twice if one of them throws): into locals,
   * then the exit; or, if one of them cannot be held in a local, left in place
   * with the exit inside the last one, through the `value, id -> value` helper. */
  if (has_effects && !spillable) {
    BinaryenExpressionRef last = wi_child_get(call, count - 1);
    wi_child_set(call, count - 1,
                 wi_hook_exit_after(&ctx->hooks, site, last, operand_type(m, call, count - 1)));
    return;
  }
  BinaryenExpressionRef *seq = malloc(((size_t)count + 2) * sizeof *seq);
  if (!seq) {
    locals->out_of_memory = true;
    return;
  }
  int n = 0;
  if (has_effects) {
    for (int i = 0; i < count; i++) {
      BinaryenExpressionRef operand = wi_child_get(call, i);
      if (is_constant(operand)) continue;
      BinaryenType type = operand_type(m, call, i);
      BinaryenIndex local = add_local(locals, type);
      seq[n++] = BinaryenLocalSet(m, local, operand);
      wi_child_set(call, i, BinaryenLocalGet(m, local, type));
    }
  }
  seq[n++] = wi_hook_exit(&ctx->hooks, site);
  seq[n++] = call;
  wi_node_replace(node, func, BinaryenBlock(m, NULL, seq, (BinaryenIndex)n, BinaryenTypeUnreachable()));
  free(seq);
}

static void hook_return(wi_instrument *ctx, const wi_node *node, BinaryenFunctionRef func,
                        uint32_t site, added_locals *locals, BinaryenIndex *tuple_local) {
  BinaryenExpressionRef ret = node->expr;
  BinaryenExpressionRef value = BinaryenReturnGetValue(ret);
  if (value) {
    BinaryenType results = BinaryenFunctionGetResults(func);
    BinaryenReturnSetValue(ret, exit_after_value(ctx, site, value, results, locals, tuple_local));
    return;
  }
  BinaryenExpressionRef seq[2] = {wi_hook_exit(&ctx->hooks, site), ret};
  wi_node_replace(node, func, BinaryenBlock(ctx->module, NULL, seq, 2, BinaryenTypeUnreachable()));
}

static BinaryenExpressionRef hook_fallthrough(wi_instrument *ctx, BinaryenExpressionRef body,
                                              BinaryenType results, uint32_t site,
                                              added_locals *locals, BinaryenIndex *tuple_local) {
  BinaryenType type = BinaryenExpressionGetType(body);
  if (type == BinaryenTypeUnreachable()) return body;
  if (results == BinaryenTypeNone()) {
    BinaryenExpressionRef seq[2] = {body, wi_hook_exit(&ctx->hooks, site)};
    return BinaryenBlock(ctx->module, NULL, seq, 2, BinaryenTypeNone());
  }
  return exit_after_value(ctx, site, body, results, locals, tuple_local);
}

/* A body that is an unnamed block (what Binaryen's reader makes of most
 * function bodies) takes the hooks in place: enter as its first child, the
 * exit after its last child (or around its last child's value), instead of
 * nesting it in a block of ours, which the writer would keep (`block` ...
 * `end`: 3 bytes a function). Nothing can branch to an unnamed block, so its
 * value is its last child's. Returns false for any other body (and for
 * multi-value results, whose exit goes through a local). */
static bool hook_fallthrough_in_place(wi_instrument *ctx, BinaryenExpressionRef body,
                                      BinaryenType results, uint32_t site) {
  if (BinaryenExpressionGetId(body) != wi_ids.block || BinaryenBlockGetName(body) ||
      BinaryenTypeArity(results) > 1)
    return false;
  BinaryenIndex count = BinaryenBlockGetNumChildren(body);
  if (count == 0) return false;
  if (BinaryenExpressionGetType(body) == BinaryenTypeUnreachable()) return true;
  if (results == BinaryenTypeNone()) {
    BinaryenBlockAppendChild(body, wi_hook_exit(&ctx->hooks, site));
  } else {
    BinaryenExpressionRef last = BinaryenBlockGetChildAt(body, count - 1);
    BinaryenBlockSetChildAt(body, count - 1, wi_hook_exit_after(&ctx->hooks, site, last, results));
  }
  return true;
}

int wi_pass_function_hooks(wi_instrument *ctx, BinaryenFunctionRef func, uint32_t input_index,
                           uint32_t site) {
  BinaryenModuleRef m = ctx->module;
  const wi_function_facts *facts = &ctx->facts;
  BinaryenType results = BinaryenFunctionGetResults(func);
  added_locals locals = {0};
  locals.first_index = BinaryenFunctionGetNumLocals(func);
  BinaryenIndex tuple_local = (BinaryenIndex)-1;

  /* A frame that no exception or longjmp can cut needs no counting (emscripten_glue.h). */
  wi_hooks_count_frame(&ctx->hooks, !ctx->throws.can_throw || ctx->throws.can_throw[input_index]);
  if (ctx->hooks.uncounted) ctx->stats.frames_uncounted++;
  /* --patchable: the frame keeps whether its enter called the hook. */
  value_locals values = {.locals = &locals};
  if (ctx->hooks.muted_table)
    wi_hooks_set_frame(&ctx->hooks, add_local(&locals, BinaryenTypeInt32()), value_local, &values);
  for (size_t i = 0; i < facts->tail_calls.count; i++)
    hook_tail_call(ctx, &facts->tail_calls.items[i], func, site, &locals);
  for (size_t i = 0; i < facts->returns.count; i++)
    hook_return(ctx, &facts->returns.items[i], func, site, &locals, &tuple_local);

  BinaryenExpressionRef body = BinaryenFunctionGetBody(func);
  bool in_place = hook_fallthrough_in_place(ctx, body, results, site);
  if (!in_place) body = hook_fallthrough(ctx, body, results, site, &locals, &tuple_local);
  /* A function that cannot throw needs no guard: no exception can leave it. */
  bool guarded = wi_needs_unwind_guard(ctx, input_index);
  if (guarded) {
    char label[48];
    if (facts->has_wi_labels) snprintf(label, sizeof label, "wi$unwind$%u$", site);
    else snprintf(label, sizeof label, "wi$unwind");
    body = wi_hook_unwind_guard(&ctx->hooks, site, body, label);
    /* A `delegate` to the caller would skip the guard: send it to the guard,
     * which closes the span and rethrows to the caller. (Unguarded, such a
     * delegate stays: nothing inside it can throw.) */
    for (size_t i = 0; i < facts->caller_delegates.count; i++)
      BinaryenTrySetDelegateTarget(facts->caller_delegates.items[i].expr, label);
  }
  if (in_place && !guarded) {
    BinaryenBlockInsertChildAt(body, 0, wi_hook_enter(&ctx->hooks, site));
  } else {
    /* (the try writes a block body as its own contents: no block of ours) */
    BinaryenExpressionRef entry[2] = {wi_hook_enter(&ctx->hooks, site), body};
    BinaryenFunctionSetBody(func, BinaryenBlock(m, NULL, entry, 2, results));
  }

  wi_hooks_count_frame(&ctx->hooks, true);
  wi_hooks_set_frame(&ctx->hooks, WI_NO_LOCAL, NULL, NULL);
  int rc = locals.out_of_memory ? -1 : 0;
  if (rc == 0 && locals.count > 0) {
    if (!wi_function_add_locals(m, func, locals.types, locals.count)) rc = -1;
    ctx->stats.functions_rebuilt++;
  }
  free(locals.types);
  return rc;
}
