#include "expr_children.h"

#include <stddef.h>

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
  const wi_expr_ids *k = &wi_ids;
  BinaryenExpressionId id = BinaryenExpressionGetId(e);
  if (id == k->block) return (int)BinaryenBlockGetNumChildren(e);
  if (id == k->call) return (int)BinaryenCallGetNumOperands(e);
  if (id == k->call_indirect) return (int)BinaryenCallIndirectGetNumOperands(e) + 1;
  if (id == k->throw_) return (int)BinaryenThrowGetNumOperands(e);
  if (id == k->tuple_make) return (int)BinaryenTupleMakeGetNumOperands(e);
  if (id == k->try_) return (int)BinaryenTryGetNumCatchBodies(e) + 1;
  if (id == k->if_ || id == k->atomic_cmpxchg || id == k->atomic_wait || id == k->simd_ternary ||
      id == k->memory_init || id == k->memory_copy || id == k->memory_fill || id == k->select)
    return 3;
  if (id == k->break_ || id == k->switch_ || id == k->store || id == k->atomic_rmw ||
      id == k->atomic_notify || id == k->simd_replace || id == k->simd_shuffle ||
      id == k->simd_shift || id == k->simd_load_store_lane || id == k->binary ||
      id == k->ref_eq || id == k->table_set || id == k->table_grow)
    return 2;
  if (id == k->loop || id == k->local_set || id == k->global_set || id == k->load ||
      id == k->simd_extract || id == k->simd_load || id == k->unary || id == k->drop ||
      id == k->return_ || id == k->memory_grow || id == k->ref_is || id == k->table_get ||
      id == k->tuple_extract || id == k->i31_new || id == k->i31_get || id == k->ref_as)
    return 1;
  if (id == k->nop || id == k->local_get || id == k->global_get || id == k->const_ ||
      id == k->memory_size || id == k->unreachable || id == k->pop || id == k->ref_null ||
      id == k->ref_func || id == k->table_size || id == k->atomic_fence || id == k->data_drop ||
      id == k->rethrow)
    return 0;
  return -1;
}

BinaryenExpressionRef wi_child_get(BinaryenExpressionRef e, int i) {
  const wi_expr_ids *k = &wi_ids;
  BinaryenExpressionId id = BinaryenExpressionGetId(e);
  BinaryenIndex n = (BinaryenIndex)i;
  if (id == k->block) return BinaryenBlockGetChildAt(e, n);
  if (id == k->call) return BinaryenCallGetOperandAt(e, n);
  if (id == k->call_indirect)
    return n < BinaryenCallIndirectGetNumOperands(e) ? BinaryenCallIndirectGetOperandAt(e, n)
                                                     : BinaryenCallIndirectGetTarget(e);
  if (id == k->throw_) return BinaryenThrowGetOperandAt(e, n);
  if (id == k->tuple_make) return BinaryenTupleMakeGetOperandAt(e, n);
  if (id == k->try_) return n == 0 ? BinaryenTryGetBody(e) : BinaryenTryGetCatchBodyAt(e, n - 1);
  if (id == k->if_)
    return n == 0 ? BinaryenIfGetCondition(e) : n == 1 ? BinaryenIfGetIfTrue(e) : BinaryenIfGetIfFalse(e);
  if (id == k->atomic_cmpxchg)
    return n == 0 ? BinaryenAtomicCmpxchgGetPtr(e)
           : n == 1 ? BinaryenAtomicCmpxchgGetExpected(e)
                    : BinaryenAtomicCmpxchgGetReplacement(e);
  if (id == k->atomic_wait)
    return n == 0 ? BinaryenAtomicWaitGetPtr(e)
           : n == 1 ? BinaryenAtomicWaitGetExpected(e) : BinaryenAtomicWaitGetTimeout(e);
  if (id == k->simd_ternary)
    return n == 0 ? BinaryenSIMDTernaryGetA(e) : n == 1 ? BinaryenSIMDTernaryGetB(e) : BinaryenSIMDTernaryGetC(e);
  if (id == k->memory_init)
    return n == 0 ? BinaryenMemoryInitGetDest(e)
           : n == 1 ? BinaryenMemoryInitGetOffset(e) : BinaryenMemoryInitGetSize(e);
  if (id == k->memory_copy)
    return n == 0 ? BinaryenMemoryCopyGetDest(e)
           : n == 1 ? BinaryenMemoryCopyGetSource(e) : BinaryenMemoryCopyGetSize(e);
  if (id == k->memory_fill)
    return n == 0 ? BinaryenMemoryFillGetDest(e)
           : n == 1 ? BinaryenMemoryFillGetValue(e) : BinaryenMemoryFillGetSize(e);
  if (id == k->select)
    return n == 0 ? BinaryenSelectGetIfTrue(e)
           : n == 1 ? BinaryenSelectGetIfFalse(e) : BinaryenSelectGetCondition(e);
  if (id == k->break_) return n == 0 ? BinaryenBreakGetValue(e) : BinaryenBreakGetCondition(e);
  if (id == k->switch_) return n == 0 ? BinaryenSwitchGetValue(e) : BinaryenSwitchGetCondition(e);
  if (id == k->store) return n == 0 ? BinaryenStoreGetPtr(e) : BinaryenStoreGetValue(e);
  if (id == k->atomic_rmw) return n == 0 ? BinaryenAtomicRMWGetPtr(e) : BinaryenAtomicRMWGetValue(e);
  if (id == k->atomic_notify)
    return n == 0 ? BinaryenAtomicNotifyGetPtr(e) : BinaryenAtomicNotifyGetNotifyCount(e);
  if (id == k->simd_replace) return n == 0 ? BinaryenSIMDReplaceGetVec(e) : BinaryenSIMDReplaceGetValue(e);
  if (id == k->simd_shuffle) return n == 0 ? BinaryenSIMDShuffleGetLeft(e) : BinaryenSIMDShuffleGetRight(e);
  if (id == k->simd_shift) return n == 0 ? BinaryenSIMDShiftGetVec(e) : BinaryenSIMDShiftGetShift(e);
  if (id == k->simd_load_store_lane)
    return n == 0 ? BinaryenSIMDLoadStoreLaneGetPtr(e) : BinaryenSIMDLoadStoreLaneGetVec(e);
  if (id == k->binary) return n == 0 ? BinaryenBinaryGetLeft(e) : BinaryenBinaryGetRight(e);
  if (id == k->ref_eq) return n == 0 ? BinaryenRefEqGetLeft(e) : BinaryenRefEqGetRight(e);
  if (id == k->table_set) return n == 0 ? BinaryenTableSetGetIndex(e) : BinaryenTableSetGetValue(e);
  if (id == k->table_grow) return n == 0 ? BinaryenTableGrowGetValue(e) : BinaryenTableGrowGetDelta(e);
  if (id == k->loop) return BinaryenLoopGetBody(e);
  if (id == k->local_set) return BinaryenLocalSetGetValue(e);
  if (id == k->global_set) return BinaryenGlobalSetGetValue(e);
  if (id == k->load) return BinaryenLoadGetPtr(e);
  if (id == k->simd_extract) return BinaryenSIMDExtractGetVec(e);
  if (id == k->simd_load) return BinaryenSIMDLoadGetPtr(e);
  if (id == k->unary) return BinaryenUnaryGetValue(e);
  if (id == k->drop) return BinaryenDropGetValue(e);
  if (id == k->return_) return BinaryenReturnGetValue(e);
  if (id == k->memory_grow) return BinaryenMemoryGrowGetDelta(e);
  if (id == k->ref_is) return BinaryenRefIsGetValue(e);
  if (id == k->table_get) return BinaryenTableGetGetIndex(e);
  if (id == k->tuple_extract) return BinaryenTupleExtractGetTuple(e);
  if (id == k->i31_new) return BinaryenI31NewGetValue(e);
  if (id == k->i31_get) return BinaryenI31GetGetI31(e);
  if (id == k->ref_as) return BinaryenRefAsGetValue(e);
  return NULL;
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
