/* Uniform access to the children of every Binaryen expression kind.
 *
 * Binaryen's C API has a getter and a setter per child per kind, but no
 * generic iterator. This file is the one place that knows them all, so the
 * walker and every pass can treat an expression as "a node with N child slots".
 * Slots are numbered in evaluation order; an optional child that is absent
 * reads as NULL. */
#ifndef WI_EXPR_CHILDREN_H
#define WI_EXPR_CHILDREN_H

#include <binaryen-c.h>
#include <stdbool.h>

/* Must be called once before any other function in this file. */
void wi_expr_kinds_init(void);

/* The number of child slots of `expr`, or -1 if the C API cannot reach inside
 * this kind (GC and typed-function-reference expressions: CallRef, RefTest,
 * RefCast, BrOn, Rtt*, Struct*, Array*). */
int wi_child_count(BinaryenExpressionRef expr);
BinaryenExpressionRef wi_child_get(BinaryenExpressionRef expr, int slot);
/* The same for an expression whose id the caller has: one call into Binaryen
 * less per question. */
int wi_child_count_id(BinaryenExpressionRef expr, BinaryenExpressionId id);
BinaryenExpressionRef wi_child_get_id(BinaryenExpressionRef expr, BinaryenExpressionId id, int slot);
void wi_child_set(BinaryenExpressionRef expr, int slot, BinaryenExpressionRef child);

/* The name of an expression kind, for messages ("call_ref", "struct.new", ...). */
const char *wi_expr_kind_name(BinaryenExpressionId id);

/* Cached expression ids (Binaryen returns them from function calls). */
typedef struct {
  BinaryenExpressionId block, if_, loop, break_, switch_, call, call_indirect, local_get,
      local_set, global_get, global_set, load, store, atomic_rmw, atomic_cmpxchg, atomic_wait,
      atomic_notify, atomic_fence, simd_extract, simd_replace, simd_shuffle, simd_ternary,
      simd_shift, simd_load, simd_load_store_lane, memory_init, data_drop, memory_copy,
      memory_fill, const_, unary, binary, select, drop, return_, memory_size, memory_grow, nop,
      unreachable, pop, ref_null, ref_is, ref_func, ref_eq, table_get, table_set, table_size,
      table_grow, try_, throw_, rethrow, tuple_make, tuple_extract, i31_new, i31_get, ref_as;
} wi_expr_ids;

extern wi_expr_ids wi_ids;

#endif
