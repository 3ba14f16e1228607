/* Packing the scratch locals that Binaryen's reader adds, by a linear scan.
 *
 * The reader gives each value that stays on the stack across a block its own
 * local: set once, as a direct child of a block, and read once, later in the
 * same block (11426 of 11426 such locals in esbuild.wasm). Such a local is
 * live from its set to its get only, so locals of one type whose ranges do
 * not overlap can share a slot. Positions are the post-order of the body;
 * when the get sits in a loop inside the block, the value must survive that
 * loop's iterations, so the range runs to the end of the block. Locals that do
 * not fit this shape keep a slot of their own. This does in milliseconds what
 * Binaryen's coalesce-locals took 1.6 s for on esbuild.wasm. */
#include <stdlib.h>
#include <string.h>

#include "expr_children.h"
#include "instrument.h"

typedef struct {
  int sets, gets;
  bool tee;
  BinaryenExpressionRef block; /* parent of the set, if a block */
  uint32_t set_pos, get_pos;
  uint32_t block_end;          /* post-order position of that block, 0 if unknown */
  uint32_t end;                /* last position the value is needed at */
  uint32_t slot;
} scratch;

typedef struct {
  uint32_t start, end; /* a loop's subtree: positions start..end */
} span;

typedef struct {
  BinaryenIndex first;   /* index of the first scratch local */
  BinaryenIndex count;
  scratch *locals;
  wi_node_list accesses; /* every local.get/local.set of a scratch local */
  span *loops;
  size_t loop_count, loop_capacity;
  uint32_t *sizes;       /* subtree sizes of the completed siblings, a stack */
  size_t size_count, size_capacity;
  BinaryenIndex *pending; /* sets whose block has not been seen yet, a stack */
  size_t pending_count;
  uint32_t pos;
  bool out_of_memory;
} scan_state;

static bool push_size(scan_state *s, uint32_t size) {
  if (s->size_count == s->size_capacity) {
    size_t capacity = s->size_capacity ? s->size_capacity * 2 : 256;
    uint32_t *grown = realloc(s->sizes, capacity * sizeof *grown);
    if (!grown) return false;
    s->sizes = grown;
    s->size_capacity = capacity;
  }
  s->sizes[s->size_count++] = size;
  return true;
}

static void visit(const wi_node *node, void *arg) {
  scan_state *s = arg;
  uint32_t pos = ++s->pos;
  /* The subtree of this node: itself and its children's subtrees, which are
   * the last completed ones on the stack. */
  uint32_t size = 1;
  int children = wi_child_count(node->expr);
  for (int i = children - 1; i >= 0; i--) {
    if (!wi_child_get(node->expr, i) || s->size_count == 0) continue;
    size += s->sizes[--s->size_count];
  }
  if (!push_size(s, size)) s->out_of_memory = true;

  if (node->id == wi_ids.block) {
    /* A set is a direct child of its block, so the sets waiting for this
     * block are the newest on the stack (inner blocks ended before). */
    while (s->pending_count > 0 && s->locals[s->pending[s->pending_count - 1]].block == node->expr)
      s->locals[s->pending[--s->pending_count]].block_end = pos;
    return;
  }
  if (node->id == wi_ids.loop) {
    if (s->loop_count == s->loop_capacity) {
      size_t capacity = s->loop_capacity ? s->loop_capacity * 2 : 32;
      span *grown = realloc(s->loops, capacity * sizeof *grown);
      if (!grown) {
        s->out_of_memory = true;
        return;
      }
      s->loops = grown;
      s->loop_capacity = capacity;
    }
    s->loops[s->loop_count++] = (span){pos - size + 1, pos};
    return;
  }
  BinaryenIndex index;
  bool is_set = node->id == wi_ids.local_set;
  if (is_set) index = BinaryenLocalSetGetIndex(node->expr);
  else if (node->id == wi_ids.local_get) index = BinaryenLocalGetGetIndex(node->expr);
  else return;
  if (index < s->first || index >= s->first + s->count) return;
  scratch *l = &s->locals[index - s->first];
  wi_node_list_push(&s->accesses, node);
  if (is_set) {
    l->sets++;
    l->set_pos = pos;
    l->tee |= BinaryenLocalSetIsTee(node->expr);
    l->block = node->parent && BinaryenExpressionGetId(node->parent) == wi_ids.block ? node->parent
                                                                                   : NULL;
    if (l->block && l->sets == 1) s->pending[s->pending_count++] = index - s->first;
  } else {
    l->gets++;
    l->get_pos = pos;
  }
}

/* The innermost loop around position p, or NULL. */
static const span *innermost_loop(const scan_state *s, uint32_t p) {
  const span *best = NULL;
  for (size_t i = 0; i < s->loop_count; i++) {
    const span *l = &s->loops[i];
    if (l->start <= p && p <= l->end && (!best || l->end - l->start < best->end - best->start))
      best = l;
  }
  return best;
}

/* True if the local has the reader's shape; sets l->end. */
static bool packable(const scan_state *s, scratch *l) {
  if (l->sets != 1 || l->gets != 1 || l->tee || !l->block || !l->block_end) return false;
  if (!(l->set_pos < l->get_pos && l->get_pos < l->block_end)) return false;
  const span *loop = innermost_loop(s, l->get_pos);
  l->end = loop && loop->end < l->block_end ? l->block_end : l->get_pos;
  return true;
}

static int by_start(const void *a, const void *b) {
  const scratch *x = *(const scratch *const *)a, *y = *(const scratch *const *)b;
  return (x->set_pos > y->set_pos) - (x->set_pos < y->set_pos);
}

BinaryenFunctionRef wi_pack_scratch_locals(wi_instrument *ctx, BinaryenFunctionRef func,
                                           BinaryenIndex declared_vars) {
  BinaryenIndex vars = BinaryenFunctionGetNumVars(func);
  BinaryenIndex first = BinaryenFunctionGetNumLocals(func) - vars + declared_vars;
  scan_state s = {.first = first, .count = vars - declared_vars};
  s.locals = calloc(s.count ? s.count : 1, sizeof *s.locals);
  s.pending = malloc((s.count ? s.count : 1) * sizeof *s.pending);
  BinaryenType *types = malloc((vars ? vars : 1) * sizeof *types);
  scratch **order = malloc((s.count ? s.count : 1) * sizeof *order);
  BinaryenFunctionRef result = func;
  BinaryenExpressionId opaque;
  if (!s.locals || !s.pending || !types || !order ||
      wi_walk(&ctx->walker, BinaryenFunctionGetBody(func), visit, &s, &opaque) != 0 ||
      s.out_of_memory || s.accesses.out_of_memory)
    goto done;

  for (BinaryenIndex i = 0; i < declared_vars; i++) types[i] = BinaryenFunctionGetVar(func, i);
  BinaryenIndex slots = declared_vars;
  size_t packed = 0;
  for (BinaryenIndex i = 0; i < s.count; i++) {
    if (packable(&s, &s.locals[i])) order[packed++] = &s.locals[i];
    else {
      s.locals[i].slot = slots; /* a slot of its own */
      types[slots++] = BinaryenFunctionGetVar(func, declared_vars + i);
    }
  }
  qsort(order, packed, sizeof *order, by_start);
  /* Greedy: a slot of the same type whose last range has ended is reused. */
  uint32_t *slot_end = calloc(vars ? vars : 1, sizeof *slot_end);
  bool *slot_packed = calloc(vars ? vars : 1, sizeof *slot_packed);
  if (!slot_end || !slot_packed) {
    free(slot_end);
    free(slot_packed);
    goto done;
  }
  for (size_t k = 0; k < packed; k++) {
    scratch *l = order[k];
    BinaryenType type = BinaryenFunctionGetVar(func, declared_vars + (BinaryenIndex)(l - s.locals));
    BinaryenIndex slot = slots;
    for (BinaryenIndex j = declared_vars; j < slots; j++) {
      if (slot_packed[j] && types[j] == type && slot_end[j] < l->set_pos) {
        slot = j;
        break;
      }
    }
    if (slot == slots) {
      types[slots] = type;
      slot_packed[slots++] = true;
    }
    slot_end[slot] = l->end;
    l->slot = slot;
  }
  free(slot_end);
  free(slot_packed);
  if (slots == vars) goto done; /* nothing gained */

  BinaryenIndex params = BinaryenFunctionGetNumLocals(func) - vars;
  for (size_t i = 0; i < s.accesses.count; i++) {
    BinaryenExpressionRef e = s.accesses.items[i].expr;
    if (s.accesses.items[i].id == wi_ids.local_set) {
      BinaryenLocalSetSetIndex(e, params + s.locals[BinaryenLocalSetGetIndex(e) - first].slot);
    } else {
      BinaryenLocalGetSetIndex(e, params + s.locals[BinaryenLocalGetGetIndex(e) - first].slot);
    }
  }
  result = wi_function_set_vars(ctx->module, func, types, slots);
  if (!result) result = func;
done:
  free(s.locals);
  free(s.pending);
  free(s.loops);
  free(s.sizes);
  wi_node_list_free(&s.accesses);
  free(types);
  free(order);
  return result;
}
