/* A post-order walk over a Binaryen expression tree with an explicit stack
 * (deep trees from real compilers would overflow the C stack if we recursed).
 *
 * The visitor sees each expression after all of its children, together with
 * its parent and the child slot it sits in, so a pass can remember where to
 * put a replacement. The walk itself never changes the tree. */
#ifndef WI_EXPR_WALK_H
#define WI_EXPR_WALK_H

#include <binaryen-c.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
  BinaryenExpressionRef expr;
  BinaryenExpressionRef parent; /* NULL for the root */
  int slot;                     /* the slot of expr in parent; -1 for the root */
  BinaryenExpressionId id;
} wi_node;

typedef void (*wi_visit_fn)(const wi_node *node, void *ctx);

typedef struct {
  struct wi_walk_frame *frames; /* owned scratch, reused across walks */
  size_t capacity;
} wi_walker;

/* Walks `root`. Returns 0 on success; 1 if an expression whose children the C
 * API cannot reach was met (its id in *opaque_id; the walk stops there);
 * -1 if out of memory. */
int wi_walk(wi_walker *walker, BinaryenExpressionRef root, wi_visit_fn visit, void *ctx,
            BinaryenExpressionId *opaque_id);
void wi_walker_free(wi_walker *walker);

/* Puts `replacement` where `node` was (in its parent, or as the body of `func`). */
void wi_node_replace(const wi_node *node, BinaryenFunctionRef func,
                     BinaryenExpressionRef replacement);

/* A growable list of nodes that a visitor collects for a later rewrite. */
typedef struct {
  wi_node *items;
  size_t count, capacity;
  bool out_of_memory;
} wi_node_list;

void wi_node_list_push(wi_node_list *list, const wi_node *node);
void wi_node_list_free(wi_node_list *list);

#endif
