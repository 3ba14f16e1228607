/* Undoing a side effect of Binaryen's reader on stack-style code.
 *
 * To turn stack code into trees, Binaryen 108's binary reader gives values
 * that stay on the stack across instructions locals of their own. On code
 * from Go, a function with 4 locals came out with 2331, and V8's optimizing
 * compiler then took 1.4 GB and 2.3 s on it, against 55 MB before: the
 * instrumented esbuild.wasm needed 4 GB to run. (A plain `wasm-opt` round trip
 * does the same.) Where the reader added many locals, Binaryen's
 * coalesce-locals pass packs them back; other functions are left as read. */
#include "instrument.h"

/* Below this many added locals, leave the function alone: coalescing a
 * function with a thousand locals takes Binaryen up to half a second, and
 * small additions do not trouble engines. Measured on esbuild.wasm: with 1024
 * the instrumented run still needed 1.4 GB in V8 (original: 0.3 GB); with
 * 256, 0.34 GB, at 19 functions coalesced for about 2 s of rewrite time. */
enum { ADDED_LOCALS_WORTH_COALESCING = 256 };

bool wi_pass_coalesce_reader_locals(wi_instrument *ctx, BinaryenFunctionRef func,
                                    const wi_function_info *info) {
  BinaryenIndex vars = BinaryenFunctionGetNumVars(func);
  if (vars < info->declared_locals + (BinaryenIndex)ADDED_LOCALS_WORTH_COALESCING) return false;
  const char *passes[] = {"coalesce-locals"};
  BinaryenFunctionRunPasses(func, ctx->module, passes, 1);
  return true;
}
