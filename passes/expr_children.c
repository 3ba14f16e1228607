#include "expr_children.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

wi_expr_ids wi_ids;

/* Kinds with no reachable children through the C API, by name for messages. */
static struct {
  BinaryenExpressionId id;
  const char *name;
} opaque_kinds[15];

static size_t opaque_count;

static void add_opaque(BinaryenExpressionId id, const char *name) {
  opaque_kinds[opaque_count].id = id;
  opaque_kinds[opaque_count++].name = name;
}

/* The children of each expression kind, by id: the walker asks for them at
 * every node, and a chain of comparisons per question was a tenth of the
 * passes' time on large modules. A kind with a fixed number of children has
 * their getters in slot order; the variadic kinds (block, call, call_indirect,
 * throw, tuple.make, try) are asked by id; any other kind is opaque. */
typedef BinaryenExpressionRef (*child_getter)(BinaryenExpressionRef);

enum { OPAQUE = -1, VARIADIC = -2, MAX_KINDS = 256 };

typedef struct {
  int count; /* fixed children, VARIADIC or OPAQUE */
  child_getter get[3];
} kind_shape;

static kind_shape shapes[MAX_KINDS];
static const kind_shape opaque_shape = {OPAQUE, {NULL, NULL, NULL}};

static const kind_shape *shape_of(BinaryenExpressionId id) {
  return id < MAX_KINDS ? &shapes[id] : &opaque_shape;
}

static void shape(BinaryenExpressionId id, int count, child_getter a, child_getter b,
                  child_getter c) {
  if (id >= MAX_KINDS) {
    fprintf(stderr, "wasm-instrument: internal error: expression id %u out of range\n", id);
    abort();
  }
  shapes[id] = (kind_shape){count, {a, b, c}};
}

static void shapes_init(const wi_expr_ids *k) {
  for (size_t i = 0; i < MAX_KINDS; i++) shapes[i] = opaque_shape;
  BinaryenExpressionId variadic[] = {k->block, k->call, k->call_indirect, k->throw_,
                                     k->tuple_make, k->try_};
  for (size_t i = 0; i < sizeof variadic / sizeof *variadic; i++)
    shape(variadic[i], VARIADIC, NULL, NULL, NULL);
  shape(k->if_, 3, BinaryenIfGetCondition, BinaryenIfGetIfTrue, BinaryenIfGetIfFalse);
  shape(k->atomic_cmpxchg, 3, BinaryenAtomicCmpxchgGetPtr, BinaryenAtomicCmpxchgGetExpected,
        BinaryenAtomicCmpxchgGetReplacement);
  shape(k->atomic_wait, 3, BinaryenAtomicWaitGetPtr, BinaryenAtomicWaitGetExpected,
        BinaryenAtomicWaitGetTimeout);
  shape(k->simd_ternary, 3, BinaryenSIMDTernaryGetA, BinaryenSIMDTernaryGetB,
        BinaryenSIMDTernaryGetC);
  shape(k->memory_init, 3, BinaryenMemoryInitGetDest, BinaryenMemoryInitGetOffset,
        BinaryenMemoryInitGetSize);
  shape(k->memory_copy, 3, BinaryenMemoryCopyGetDest, BinaryenMemoryCopyGetSource,
        BinaryenMemoryCopyGetSize);
  shape(k->memory_fill, 3, BinaryenMemoryFillGetDest, BinaryenMemoryFillGetValue,
        BinaryenMemoryFillGetSize);
  shape(k->select, 3, BinaryenSelectGetIfTrue, BinaryenSelectGetIfFalse,
        BinaryenSelectGetCondition);
  shape(k->break_, 2, BinaryenBreakGetValue, BinaryenBreakGetCondition, NULL);
  shape(k->switch_, 2, BinaryenSwitchGetValue, BinaryenSwitchGetCondition, NULL);
  shape(k->store, 2, BinaryenStoreGetPtr, BinaryenStoreGetValue, NULL);
  shape(k->atomic_rmw, 2, BinaryenAtomicRMWGetPtr, BinaryenAtomicRMWGetValue, NULL);
  shape(k->atomic_notify, 2, BinaryenAtomicNotifyGetPtr, BinaryenAtomicNotifyGetNotifyCount, NULL);
  shape(k->simd_replace, 2, BinaryenSIMDReplaceGetVec, BinaryenSIMDReplaceGetValue, NULL);
  shape(k->simd_shuffle, 2, BinaryenSIMDShuffleGetLeft, BinaryenSIMDShuffleGetRight, NULL);
  shape(k->simd_shift, 2, BinaryenSIMDShiftGetVec, BinaryenSIMDShiftGetShift, NULL);
  shape(k->simd_load_store_lane, 2, BinaryenSIMDLoadStoreLaneGetPtr, BinaryenSIMDLoadStoreLaneGetVec,
        NULL);
  shape(k->binary, 2, BinaryenBinaryGetLeft, BinaryenBinaryGetRight, NULL);
  shape(k->ref_eq, 2, BinaryenRefEqGetLeft, BinaryenRefEqGetRight, NULL);
  shape(k->table_set, 2, BinaryenTableSetGetIndex, BinaryenTableSetGetValue, NULL);
  shape(k->table_grow, 2, BinaryenTableGrowGetValue, BinaryenTableGrowGetDelta, NULL);
  shape(k->loop, 1, BinaryenLoopGetBody, NULL, NULL);
  shape(k->local_set, 1, BinaryenLocalSetGetValue, NULL, NULL);
  shape(k->global_set, 1, BinaryenGlobalSetGetValue, NULL, NULL);
  shape(k->load, 1, BinaryenLoadGetPtr, NULL, NULL);
  shape(k->simd_extract, 1, BinaryenSIMDExtractGetVec, NULL, NULL);
  shape(k->simd_load, 1, BinaryenSIMDLoadGetPtr, NULL, NULL);
  shape(k->unary, 1, BinaryenUnaryGetValue, NULL, NULL);
  shape(k->drop, 1, BinaryenDropGetValue, NULL, NULL);
  shape(k->return_, 1, BinaryenReturnGetValue, NULL, NULL);
  shape(k->memory_grow, 1, BinaryenMemoryGrowGetDelta, NULL, NULL);
  shape(k->ref_is, 1, BinaryenRefIsGetValue, NULL, NULL);
  shape(k->table_get, 1, BinaryenTableGetGetIndex, NULL, NULL);
  shape(k->tuple_extract, 1, BinaryenTupleExtractGetTuple, NULL, NULL);
  shape(k->i31_new, 1, BinaryenI31NewGetValue, NULL, NULL);
  shape(k->i31_get, 1, BinaryenI31GetGetI31, NULL, NULL);
  shape(k->ref_as, 1, BinaryenRefAsGetValue, NULL, NULL);
  BinaryenExpressionId leaves[] = {k->nop, k->local_get, k->global_get, k->const_,
                                   k->memory_size, k->unreachable, k->pop, k->ref_null,
                                   k->ref_func, k->table_size, k->atomic_fence, k->data_drop,
                                   k->rethrow};
  for (size_t i = 0; i < sizeof leaves / sizeof *leaves; i++)
    shape(leaves[i], 0, NULL, NULL, NULL);
}

void wi_expr_kinds_init(void) {
  opaque_count = 0;
  wi_expr_ids *k = &wi_ids;
  k->block = BinaryenBlockId();
  k->if_ = BinaryenIfId();
  k->loop = BinaryenLoopId();
  k->break_ = BinaryenBreakId();
  k->switch_ = BinaryenSwitchId();
  k->call = BinaryenCallId();
  k->call_indirect = BinaryenCallIndirectId();
  k->local_get = BinaryenLocalGetId();
  k->local_set = BinaryenLocalSetId();
  k->global_get = BinaryenGlobalGetId();
  k->global_set = BinaryenGlobalSetId();
  k->load = BinaryenLoadId();
  k->store = BinaryenStoreId();
  k->atomic_rmw = BinaryenAtomicRMWId();
  k->atomic_cmpxchg = BinaryenAtomicCmpxchgId();
  k->atomic_wait = BinaryenAtomicWaitId();
  k->atomic_notify = BinaryenAtomicNotifyId();
  k->atomic_fence = BinaryenAtomicFenceId();
  k->simd_extract = BinaryenSIMDExtractId();
  k->simd_replace = BinaryenSIMDReplaceId();
  k->simd_shuffle = BinaryenSIMDShuffleId();
  k->simd_ternary = BinaryenSIMDTernaryId();
  k->simd_shift = BinaryenSIMDShiftId();
  k->simd_load = BinaryenSIMDLoadId();
  k->simd_load_store_lane = BinaryenSIMDLoadStoreLaneId();
  k->memory_init = BinaryenMemoryInitId();
  k->data_drop = BinaryenDataDropId();
  k->memory_copy = BinaryenMemoryCopyId();
  k->memory_fill = BinaryenMemoryFillId();
  k->const_ = BinaryenConstId();
  k->unary = BinaryenUnaryId();
  k->binary = BinaryenBinaryId();
  k->select = BinaryenSelectId();
  k->drop = BinaryenDropId();
  k->return_ = BinaryenReturnId();
  k->memory_size = BinaryenMemorySizeId();
  k->memory_grow = BinaryenMemoryGrowId();
  k->nop = BinaryenNopId();
  k->unreachable = BinaryenUnreachableId();
  k->pop = BinaryenPopId();
  k->ref_null = BinaryenRefNullId();
  k->ref_is = BinaryenRefIsId();
  k->ref_func = BinaryenRefFuncId();
  k->ref_eq = BinaryenRefEqId();
  k->table_get = BinaryenTableGetId();
  k->table_set = BinaryenTableSetId();
  k->table_size = BinaryenTableSizeId();
  k->table_grow = BinaryenTableGrowId();
  k->try_ = BinaryenTryId();
  k->throw_ = BinaryenThrowId();
  k->rethrow = BinaryenRethrowId();
  k->tuple_make = BinaryenTupleMakeId();
  k->tuple_extract = BinaryenTupleExtractId();
  k->i31_new = BinaryenI31NewId();
  k->i31_get = BinaryenI31GetId();
  k->ref_as = BinaryenRefAsId();

  shapes_init(k);

  add_opaque(BinaryenCallRefId(), "call_ref");
  add_opaque(BinaryenRefTestId(), "ref.test");
  add_opaque(BinaryenRefCastId(), "ref.cast");
  add_opaque(BinaryenBrOnId(), "br_on_*");
  add_opaque(BinaryenRttCanonId(), "rtt.canon");
  add_opaque(BinaryenRttSubId(), "rtt.sub");
  add_opaque(BinaryenStructNewId(), "struct.new");
  add_opaque(BinaryenStructGetId(), "struct.get");
  add_opaque(BinaryenStructSetId(), "struct.set");
  add_opaque(BinaryenArrayNewId(), "array.new");
  add_opaque(BinaryenArrayInitId(), "array.init");
  add_opaque(BinaryenArrayGetId(), "array.get");
  add_opaque(BinaryenArraySetId(), "array.set");
  add_opaque(BinaryenArrayLenId(), "array.len");
  add_opaque(BinaryenArrayCopyId(), "array.copy");
}

const char *wi_expr_kind_name(BinaryenExpressionId id) {
  for (size_t i = 0; i < opaque_count; i++)
    if (opaque_kinds[i].id == id) return opaque_kinds[i].name;
  return "expression";
}

int wi_child_count(BinaryenExpressionRef e) {
  return wi_child_count_id(e, BinaryenExpressionGetId(e));
}

int wi_child_count_id(BinaryenExpressionRef e, BinaryenExpressionId id) {
  const kind_shape *shape = shape_of(id);
  if (shape->count != VARIADIC) return shape->count;
  const wi_expr_ids *k = &wi_ids;
  if (id == k->block) return (int)BinaryenBlockGetNumChildren(e);
  if (id == k->call) return (int)BinaryenCallGetNumOperands(e);
  if (id == k->call_indirect) return (int)BinaryenCallIndirectGetNumOperands(e) + 1;
  if (id == k->throw_) return (int)BinaryenThrowGetNumOperands(e);
  if (id == k->tuple_make) return (int)BinaryenTupleMakeGetNumOperands(e);
  return (int)BinaryenTryGetNumCatchBodies(e) + 1; /* try */
}

BinaryenExpressionRef wi_child_get(BinaryenExpressionRef e, int i) {
  return wi_child_get_id(e, BinaryenExpressionGetId(e), i);
}

BinaryenExpressionRef wi_child_get_id(BinaryenExpressionRef e, BinaryenExpressionId id, int i) {
  const kind_shape *shape = shape_of(id);
  if (shape->count != VARIADIC) return i >= 0 && i < shape->count ? shape->get[i](e) : NULL;
  const wi_expr_ids *k = &wi_ids;
  BinaryenIndex n = (BinaryenIndex)i;
  if (id == k->block) return BinaryenBlockGetChildAt(e, n);
  if (id == k->call) return BinaryenCallGetOperandAt(e, n);
  if (id == k->call_indirect)
    return n < BinaryenCallIndirectGetNumOperands(e) ? BinaryenCallIndirectGetOperandAt(e, n)
                                                     : BinaryenCallIndirectGetTarget(e);
  if (id == k->throw_) return BinaryenThrowGetOperandAt(e, n);
  if (id == k->tuple_make) return BinaryenTupleMakeGetOperandAt(e, n);
  return n == 0 ? BinaryenTryGetBody(e) : BinaryenTryGetCatchBodyAt(e, n - 1); /* try */
}

void wi_child_set(BinaryenExpressionRef e, int i, BinaryenExpressionRef c) {
  const wi_expr_ids *k = &wi_ids;
  BinaryenExpressionId id = BinaryenExpressionGetId(e);
  BinaryenIndex n = (BinaryenIndex)i;
  if (id == k->block) BinaryenBlockSetChildAt(e, n, c);
  else if (id == k->call) BinaryenCallSetOperandAt(e, n, c);
  else if (id == k->call_indirect) {
    if (n < BinaryenCallIndirectGetNumOperands(e)) BinaryenCallIndirectSetOperandAt(e, n, c);
    else BinaryenCallIndirectSetTarget(e, c);
  } else if (id == k->throw_) BinaryenThrowSetOperandAt(e, n, c);
  else if (id == k->tuple_make) BinaryenTupleMakeSetOperandAt(e, n, c);
  else if (id == k->try_) {
    if (n == 0) BinaryenTrySetBody(e, c);
    else BinaryenTrySetCatchBodyAt(e, n - 1, c);
  } else if (id == k->if_) {
    if (n == 0) BinaryenIfSetCondition(e, c);
    else if (n == 1) BinaryenIfSetIfTrue(e, c);
    else BinaryenIfSetIfFalse(e, c);
  } else if (id == k->atomic_cmpxchg) {
    if (n == 0) BinaryenAtomicCmpxchgSetPtr(e, c);
    else if (n == 1) BinaryenAtomicCmpxchgSetExpected(e, c);
    else BinaryenAtomicCmpxchgSetReplacement(e, c);
  } else if (id == k->atomic_wait) {
    if (n == 0) BinaryenAtomicWaitSetPtr(e, c);
    else if (n == 1) BinaryenAtomicWaitSetExpected(e, c);
    else BinaryenAtomicWaitSetTimeout(e, c);
  } else if (id == k->simd_ternary) {
    if (n == 0) BinaryenSIMDTernarySetA(e, c);
    else if (n == 1) BinaryenSIMDTernarySetB(e, c);
    else BinaryenSIMDTernarySetC(e, c);
  } else if (id == k->memory_init) {
    if (n == 0) BinaryenMemoryInitSetDest(e, c);
    else if (n == 1) BinaryenMemoryInitSetOffset(e, c);
    else BinaryenMemoryInitSetSize(e, c);
  } else if (id == k->memory_copy) {
    if (n == 0) BinaryenMemoryCopySetDest(e, c);
    else if (n == 1) BinaryenMemoryCopySetSource(e, c);
    else BinaryenMemoryCopySetSize(e, c);
  } else if (id == k->memory_fill) {
    if (n == 0) BinaryenMemoryFillSetDest(e, c);
    else if (n == 1) BinaryenMemoryFillSetValue(e, c);
    else BinaryenMemoryFillSetSize(e, c);
  } else if (id == k->select) {
    if (n == 0) BinaryenSelectSetIfTrue(e, c);
    else if (n == 1) BinaryenSelectSetIfFalse(e, c);
    else BinaryenSelectSetCondition(e, c);
  } else if (id == k->break_) {
    if (n == 0) BinaryenBreakSetValue(e, c);
    else BinaryenBreakSetCondition(e, c);
  } else if (id == k->switch_) {
    if (n == 0) BinaryenSwitchSetValue(e, c);
    else BinaryenSwitchSetCondition(e, c);
  } else if (id == k->store) {
    if (n == 0) BinaryenStoreSetPtr(e, c);
    else BinaryenStoreSetValue(e, c);
  } else if (id == k->atomic_rmw) {
    if (n == 0) BinaryenAtomicRMWSetPtr(e, c);
    else BinaryenAtomicRMWSetValue(e, c);
  } else if (id == k->atomic_notify) {
    if (n == 0) BinaryenAtomicNotifySetPtr(e, c);
    else BinaryenAtomicNotifySetNotifyCount(e, c);
  } else if (id == k->simd_replace) {
    if (n == 0) BinaryenSIMDReplaceSetVec(e, c);
    else BinaryenSIMDReplaceSetValue(e, c);
  } else if (id == k->simd_shuffle) {
    if (n == 0) BinaryenSIMDShuffleSetLeft(e, c);
    else BinaryenSIMDShuffleSetRight(e, c);
  } else if (id == k->simd_shift) {
    if (n == 0) BinaryenSIMDShiftSetVec(e, c);
    else BinaryenSIMDShiftSetShift(e, c);
  } else if (id == k->simd_load_store_lane) {
    if (n == 0) BinaryenSIMDLoadStoreLaneSetPtr(e, c);
    else BinaryenSIMDLoadStoreLaneSetVec(e, c);
  } else if (id == k->binary) {
    if (n == 0) BinaryenBinarySetLeft(e, c);
    else BinaryenBinarySetRight(e, c);
  } else if (id == k->ref_eq) {
    if (n == 0) BinaryenRefEqSetLeft(e, c);
    else BinaryenRefEqSetRight(e, c);
  } else if (id == k->table_set) {
    if (n == 0) BinaryenTableSetSetIndex(e, c);
    else BinaryenTableSetSetValue(e, c);
  } else if (id == k->table_grow) {
    if (n == 0) BinaryenTableGrowSetValue(e, c);
    else BinaryenTableGrowSetDelta(e, c);
  } else if (id == k->loop) BinaryenLoopSetBody(e, c);
  else if (id == k->local_set) BinaryenLocalSetSetValue(e, c);
  else if (id == k->global_set) BinaryenGlobalSetSetValue(e, c);
  else if (id == k->load) BinaryenLoadSetPtr(e, c);
  else if (id == k->simd_extract) BinaryenSIMDExtractSetVec(e, c);
  else if (id == k->simd_load) BinaryenSIMDLoadSetPtr(e, c);
  else if (id == k->unary) BinaryenUnarySetValue(e, c);
  else if (id == k->drop) BinaryenDropSetValue(e, c);
  else if (id == k->return_) BinaryenReturnSetValue(e, c);
  else if (id == k->memory_grow) BinaryenMemoryGrowSetDelta(e, c);
  else if (id == k->ref_is) BinaryenRefIsSetValue(e, c);
  else if (id == k->table_get) BinaryenTableGetSetIndex(e, c);
  else if (id == k->tuple_extract) BinaryenTupleExtractSetTuple(e, c);
  else if (id == k->i31_new) BinaryenI31NewSetValue(e, c);
  else if (id == k->i31_get) BinaryenI31GetSetI31(e, c);
  else if (id == k->ref_as) BinaryenRefAsSetValue(e, c);
}
