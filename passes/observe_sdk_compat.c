/* What the Dylibso observe-sdk hosts expect beyond enter/exit (--abi observe-sdk):
 * a `memory-grow(pages)` call before every `memory.grow`, and the exported
 * version globals they check. */
#include <stdlib.h>

#include "instrument.h"

#define VERSION_MAJOR_GLOBAL "wasm_instr_version_major"
#define VERSION_MINOR_GLOBAL "wasm_instr_version_minor"

/* (func $wi$memory_grow (param $pages i32) (result i32)
 *   (call $memory-grow (local.get $pages)) (local.get $pages)) */
static const char *grow_helper(wi_instrument *ctx) {
  BinaryenModuleRef m = ctx->module;
  if (ctx->hooks.memory_grow_helper) return ctx->hooks.memory_grow_helper;
  char *name = wi_unique_function_name(m, "wi$memory_grow");
  if (!name) return NULL;
  ctx->hooks.memory_grow_helper = name;
  BinaryenExpressionRef pages = BinaryenLocalGet(m, 0, BinaryenTypeInt32());
  BinaryenExpressionRef body[2] = {
      BinaryenCall(m, ctx->hooks.memory_grow_name, &pages, 1, BinaryenTypeNone()),
      BinaryenLocalGet(m, 0, BinaryenTypeInt32()),
  };
  BinaryenAddFunction(m, name, BinaryenTypeInt32(), BinaryenTypeInt32(), NULL, 0,
                      BinaryenBlock(m, NULL, body, 2, BinaryenTypeInt32()));
  return name;
}

int wi_pass_memory_grow_hooks(wi_instrument *ctx) {
  if (ctx->abi != WI_ABI_OBSERVE_SDK) return 0;
  const wi_node_list *grows = &ctx->facts.memory_grows;
  for (size_t i = 0; i < grows->count; i++) {
    BinaryenExpressionRef grow = grows->items[i].expr;
    BinaryenExpressionRef delta = BinaryenMemoryGrowGetDelta(grow);
    if (BinaryenExpressionGetType(delta) != BinaryenTypeInt32()) continue; /* memory64 */
    const char *helper = grow_helper(ctx);
    if (!helper) return -1;
    BinaryenMemoryGrowSetDelta(grow, BinaryenCall(ctx->module, helper, &delta, 1, BinaryenTypeInt32()));
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
