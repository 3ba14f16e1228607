#include "function_scan.h"

#include <string.h>

#include "expr_children.h"

static bool is_wi_label(const char *name) { return name && strncmp(name, "wi$", 3) == 0; }

/* Binaryen's name for "delegate to the caller" (DELEGATE_CALLER_TARGET). */
static bool delegates_to_caller(BinaryenExpressionRef try_) {
  const char *target = BinaryenTryGetDelegateTarget(try_);
  return target && strncmp(target, "__binaryen_delegate_caller_target", 33) == 0;
}

static void visit(const wi_node *node, void *ctx) {
  wi_function_facts *f = ctx;
  const wi_expr_ids *k = &wi_ids;
  BinaryenExpressionId id = node->id;
  f->instructions++;
  if (id == k->return_) {
    wi_node_list_push(&f->returns, node);
  } else if (id == k->call) {
    wi_node_list_push(&f->direct_calls, node);
    if (BinaryenCallIsReturn(node->expr)) wi_node_list_push(&f->tail_calls, node);
  } else if (id == k->call_indirect) {
    if (BinaryenCallIndirectIsReturn(node->expr)) wi_node_list_push(&f->tail_calls, node);
  } else if (id == k->ref_func) {
    wi_node_list_push(&f->ref_funcs, node);
  } else if (id == k->memory_grow) {
    wi_node_list_push(&f->memory_grows, node);
  } else if (id == k->block) {
    f->has_wi_labels |= is_wi_label(BinaryenBlockGetName(node->expr));
  } else if (id == k->loop) {
    f->has_loop = true;
    f->has_wi_labels |= is_wi_label(BinaryenLoopGetName(node->expr));
  } else if (id == k->try_) {
    f->has_wi_labels |= is_wi_label(BinaryenTryGetName(node->expr));
    if (delegates_to_caller(node->expr)) wi_node_list_push(&f->caller_delegates, node);
  }
}

static bool lists_out_of_memory(const wi_function_facts *f) {
  return f->returns.out_of_memory || f->tail_calls.out_of_memory ||
         f->direct_calls.out_of_memory || f->ref_funcs.out_of_memory ||
         f->memory_grows.out_of_memory || f->caller_delegates.out_of_memory;
}

int wi_function_scan(wi_walker *walker, BinaryenFunctionRef func, wi_function_facts *facts) {
  wi_function_facts_clear(facts);
  int rc = wi_walk(walker, BinaryenFunctionGetBody(func), visit, facts, &facts->opaque_id);
  if (rc < 0 || lists_out_of_memory(facts)) return -1;
  facts->opaque = rc == 1;
  return 0;
}

void wi_function_facts_clear(wi_function_facts *f) {
  f->returns.count = f->tail_calls.count = f->direct_calls.count = 0;
  f->ref_funcs.count = f->memory_grows.count = f->caller_delegates.count = 0;
  f->has_wi_labels = f->opaque = f->has_loop = false;
  f->instructions = 0;
  f->opaque_id = 0;
}

void wi_function_facts_free(wi_function_facts *f) {
  wi_node_list_free(&f->returns);
  wi_node_list_free(&f->tail_calls);
  wi_node_list_free(&f->direct_calls);
  wi_node_list_free(&f->ref_funcs);
  wi_node_list_free(&f->memory_grows);
  wi_node_list_free(&f->caller_delegates);
}
