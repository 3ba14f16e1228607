/* What the Dylibso observe-sdk hosts expect beyond enter/exit (--abi observe-sdk):
 * a `memory-grow(pages)` call before every `memory.grow`, and the exported
 * version globals they check. */
#include <stdint.h>
#include <stdlib.h>

#include "instrument.h"

#define VERSION_MAJOR_GLOBAL "wasm_instr_version_major"
#define VERSION_MINOR_GLOBAL "wasm_instr_version_minor"

/* (func $wi$memory_grow (param $pages i32) (result i32)
 *   (call $memory-grow (local.get $pages)) (local.get $pages))
 * and, for a 64-bit memory, whose delta is an i64 (memory-grow takes an i32):
 * (func $wi$memory_grow64 (param $pages i64) (result i64)
 *   (call $memory-grow
 *     (select (i32.wrap_i64 (local.get $pages)) (i32.const 0xffffffff)
 *             (i64.le_u (local.get $pages) (i64.const 0xffffffff))))
 *   (local.get $pages))
 * A delta that does not fit in 32 bits (2^32 pages are 256 TiB) is passed as
 * 0xffffffff: such a grow fails in any engine, as a 32-bit grow by 0xffffffff
 * pages does, and wrapping it would report a small, plausible grow. */
static const char *grow_helper(wi_instrument *ctx, BinaryenType delta_type) {
  BinaryenModuleRef m = ctx->module;
  bool wide = delta_type == BinaryenTypeInt64();
  char **slot = wide ? &ctx->hooks.memory_grow_helper64 : &ctx->hooks.memory_grow_helper;
  if (*slot) return *slot;
  char *name = wi_unique_name(&ctx->names, WI_NAME_FUNCTION, wide ? "wi$memory_grow64" : "wi$memory_grow");
  if (!name) return NULL;
  *slot = name;
  BinaryenExpressionRef pages = BinaryenLocalGet(m, 0, delta_type);
  if (wide) {
    BinaryenExpressionRef fits =
        BinaryenBinary(m, BinaryenLeUInt64(), BinaryenLocalGet(m, 0, delta_type),
                       BinaryenConst(m, BinaryenLiteralInt64(UINT32_MAX)));
    pages = BinaryenSelect(m, fits, BinaryenUnary(m, BinaryenWrapInt64(), pages),
                           BinaryenConst(m, BinaryenLiteralInt32(-1)), BinaryenTypeInt32());
  }
  BinaryenExpressionRef body[2] = {
      BinaryenCall(m, ctx->hooks.memory_grow_name, &pages, 1, BinaryenTypeNone()),
      BinaryenLocalGet(m, 0, delta_type),
  };
  BinaryenAddFunction(m, name, delta_type, delta_type, NULL, 0,
                      BinaryenBlock(m, NULL, body, 2, delta_type));
  return name;
}

int wi_pass_memory_grow_hooks(wi_instrument *ctx) {
  if (ctx->abi != WI_ABI_OBSERVE_SDK) return 0;
  const wi_node_list *grows = &ctx->facts.memory_grows;
  for (size_t i = 0; i < grows->count; i++) {
    BinaryenExpressionRef grow = grows->items[i].expr;
    BinaryenExpressionRef delta = BinaryenMemoryGrowGetDelta(grow);
    BinaryenType type = BinaryenExpressionGetType(delta);
    if (type != BinaryenTypeInt32() && type != BinaryenTypeInt64()) continue; /* unreachable */
    const char *helper = grow_helper(ctx, type);
    if (!helper) return -1;
    BinaryenMemoryGrowSetDelta(grow, BinaryenCall(ctx->module, helper, &delta, 1, type));
    ctx->stats.memory_grows_hooked++;
  }
  return 0;
}

static void add_version_global(BinaryenModuleRef m, const char *name, int32_t value) {
  if (BinaryenGetExport(m, name) || BinaryenGetGlobal(m, name)) return;
  BinaryenAddGlobal(m, name, BinaryenTypeInt32(), false,
                    BinaryenConst(m, BinaryenLiteralInt32(value)));
  BinaryenAddGlobalExport(m, name, name);
}

int wi_pass_observe_version_globals(wi_instrument *ctx) {
  if (ctx->abi != WI_ABI_OBSERVE_SDK) return 0;
  add_version_global(ctx->module, VERSION_MAJOR_GLOBAL, 0);
  add_version_global(ctx->module, VERSION_MINOR_GLOBAL, 0);
  return 0;
}
