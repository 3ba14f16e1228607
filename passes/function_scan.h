/* One walk over a function body that gathers what every pass needs from it,
 * so that the passes do not each walk the same code again. */
#ifndef WI_FUNCTION_SCAN_H
#define WI_FUNCTION_SCAN_H

#include <binaryen-c.h>
#include <stdbool.h>

#include "expr_walk.h"

typedef struct {
  wi_node_list returns;      /* `return` */
  wi_node_list tail_calls;   /* `return_call`, `return_call_indirect` */
  wi_node_list direct_calls; /* `call` and `return_call` (targets may be imports) */
  wi_node_list ref_funcs;    /* `ref.func` */
  wi_node_list memory_grows; /* `memory.grow` */
  wi_node_list caller_delegates; /* `try ... delegate` to the caller */
  uint32_t instructions;     /* expressions in the body (about one per wasm instruction) */
  bool has_loop;
  bool has_wi_labels;        /* a label already starts with "wi$" */
  bool opaque;               /* met an expression kind the C API cannot look into */
  BinaryenExpressionId opaque_id;
} wi_function_facts;

/* Returns 0, or -1 when out of memory. On an opaque expression the facts are
 * partial and facts->opaque is set. */
int wi_function_scan(wi_walker *walker, BinaryenFunctionRef func, wi_function_facts *facts);
void wi_function_facts_clear(wi_function_facts *facts);
void wi_function_facts_free(wi_function_facts *facts);

#endif
