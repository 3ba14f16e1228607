#include "expr_walk.h"

#include <stdlib.h>

#include "expr_children.h"

struct wi_walk_frame {
  wi_node node;
  int next_child;
  int child_count;
};

static bool push(wi_walker *w, size_t *depth, BinaryenExpressionRef expr,
                 BinaryenExpressionRef parent, int slot) {
  if (*depth == w->capacity) {
    size_t capacity = w->capacity ? w->capacity * 2 : 256;
    struct wi_walk_frame *grown = realloc(w->frames, capacity * sizeof *grown);
    if (!grown) return false;
    w->frames = grown;
    w->capacity = capacity;
  }
  struct wi_walk_frame *f = &w->frames[(*depth)++];
  f->node.expr = expr;
  f->node.parent = parent;
  f->node.slot = slot;
  f->node.id = BinaryenExpressionGetId(expr);
  f->next_child = 0;
  f->child_count = wi_child_count_id(expr, f->node.id);
  return true;
}

int wi_walk(wi_walker *w, BinaryenExpressionRef root, wi_visit_fn visit, void *ctx,
            BinaryenExpressionId *opaque_id) {
  if (!root) return 0;
  size_t depth = 0;
  if (!push(w, &depth, root, NULL, -1)) return -1;
  while (depth > 0) {
    struct wi_walk_frame *f = &w->frames[depth - 1];
    if (f->child_count < 0) {
      *opaque_id = f->node.id;
      return 1;
    }
    if (f->next_child < f->child_count) {
      int slot = f->next_child++;
      BinaryenExpressionRef child = wi_child_get_id(f->node.expr, f->node.id, slot);
      if (child && !push(w, &depth, child, f->node.expr, slot)) return -1;
      continue;
    }
    wi_node node = f->node;
    depth--;
    visit(&node, ctx);
  }
  return 0;
}

void wi_walker_free(wi_walker *w) {
  free(w->frames);
  w->frames = NULL;
  w->capacity = 0;
}

void wi_node_replace(const wi_node *node, BinaryenFunctionRef func,
                     BinaryenExpressionRef replacement) {
  if (node->parent) wi_child_set(node->parent, node->slot, replacement);
  else BinaryenFunctionSetBody(func, replacement);
}

void wi_node_list_push(wi_node_list *list, const wi_node *node) {
  if (list->out_of_memory) return;
  if (list->count == list->capacity) {
    size_t capacity = list->capacity ? list->capacity * 2 : 16;
    wi_node *grown = realloc(list->items, capacity * sizeof *grown);
    if (!grown) {
      list->out_of_memory = true;
      return;
    }
    list->items = grown;
    list->capacity = capacity;
  }
  list->items[list->count++] = *node;
}

void wi_node_list_free(wi_node_list *list) {
  free(list->items);
  list->items = NULL;
  list->count = list->capacity = 0;
}
