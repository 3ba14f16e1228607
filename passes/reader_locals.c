/* Undoing a side effect of Binaryen's reader on stack-style code.
 *
 * To turn stack code into trees, Binaryen 108's binary reader gives values
 * that stay on the stack across instructions locals of their own. On code
 * from Go, a function with 4 locals came out with 2331, and V8's optimizing
 * compiler then took 1.4 GB and 2.3 s on it, against 55 MB before: the
 * instrumented esbuild.wasm needed 4 GB to run. (A plain `wasm-opt` round trip
 * does the same.) Where the reader added many locals, they are packed back:
 * first by a linear scan that knows their shape (scratch_locals.c), then, if
 * that left many, by Binaryen's general coalesce-locals pass. */
#include "instrument.h"

/* Below this many added locals, leave the function alone: small additions do
 * not trouble engines. Measured on esbuild.wasm: packing only functions with
 * 1024 or more added locals, the instrumented run still needed 1.4 GB in V8
 * (original: 0.3 GB); from 256, 0.34 GB (19 functions). */
enum { ADDED_LOCALS_WORTH_COALESCING = 256 };

BinaryenFunctionRef wi_pass_coalesce_reader_locals(wi_instrument *ctx, BinaryenFunctionRef func,
                                                   const wi_function_info *info) {
  BinaryenIndex worth = info->declared_locals + (BinaryenIndex)ADDED_LOCALS_WORTH_COALESCING;
  if (BinaryenFunctionGetNumVars(func) < worth) return func;
  ctx->stats.locals_coalesced++;
  func = wi_pack_scratch_locals(ctx, func, info->declared_locals);
  if (BinaryenFunctionGetNumVars(func) >= worth) {
    const char *passes[] = {"coalesce-locals"};
    BinaryenFunctionRunPasses(func, ctx->module, passes, 1);
  }
  return func;
}
