/* Which functions can let an exception out, over the whole call graph.
 *
 * A defined function can throw if its body has a `throw`, a `call_indirect`
 * or `return_call_indirect` (any callee), an expression the C API cannot look
 * into (`call_ref` and the GC kinds: assumed to call anything), or a call or
 * tail call to an import or to a function that can throw. An import can
 * always throw (a JavaScript exception is caught by `catch_all`).
 *
 * What sits in a catch body is not looked at: it runs only when the `try`'s
 * body threw, and then the try already counts as throwing (whether its
 * catches swallow the exception or not). So a `rethrow`, which is always
 * inside a catch, never counts by itself, and a throw inside a `try` that
 * catches it still counts: the answer errs only towards "can throw".
 * Traps do not count: in the legacy exception-handling proposal that Binaryen
 * 108 implements, `catch_all` catches no trap, nor (in V8) a stack overflow;
 * those are the shim's to unwind (docs/hook-contract.md).
 *
 * It runs before any instrumentation, so the hook imports and the calls the
 * passes add are not part of the graph. Time and memory are linear in the
 * size of the code: one walk of every body (an explicit stack), then a
 * worklist over the reversed call graph (no recursion). */
#ifndef WI_THROW_ANALYSIS_H
#define WI_THROW_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  bool *can_throw;     /* [function count], by input index; NULL before the analysis */
  uint32_t unable;     /* defined functions that cannot throw */
  double ms;           /* time the analysis took */
} wi_throw_facts;

void wi_throw_facts_free(wi_throw_facts *facts);

#endif
