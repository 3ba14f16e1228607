/* The throw analysis (see throw_analysis.h). */
#include "throw_analysis.h"

#include <stdlib.h>
#include <time.h>

#include "expr_children.h"
#include "instrument.h"

/* A call from a defined function to a defined function. */
typedef struct {
  uint32_t callee, caller;
} call_edge;

typedef struct {
  const wi_instrument *ctx;
  BinaryenExpressionRef *stack; /* expressions still to look at */
  size_t depth, stack_capacity;
  call_edge *edges;
  size_t count, capacity;
  bool out_of_memory;
} scan_state;

static bool push(scan_state *s, BinaryenExpressionRef e) {
  if (!e) return true;
  if (s->depth == s->stack_capacity) {
    size_t capacity = s->stack_capacity ? s->stack_capacity * 2 : 256;
    BinaryenExpressionRef *grown = realloc(s->stack, capacity * sizeof *grown);
    if (!grown) {
      s->out_of_memory = true;
      return false;
    }
    s->stack = grown;
    s->stack_capacity = capacity;
  }
  s->stack[s->depth++] = e;
  return true;
}

static bool add_edge(scan_state *s, uint32_t callee, uint32_t caller) {
  if (s->count == s->capacity) {
    size_t capacity = s->capacity ? s->capacity * 2 : 1024;
    call_edge *grown = realloc(s->edges, capacity * sizeof *grown);
    if (!grown) return false;
    s->edges = grown;
    s->capacity = capacity;
  }
  s->edges[s->count++] = (call_edge){callee, caller};
  return true;
}

/* Whether the body of `caller` can throw by itself, whatever the defined
 * functions it calls do; those calls become edges. The catch bodies of a
 * `try` are not looked at: they run only when the try's body threw, and then
 * the try already counts as throwing. So a `rethrow` (always inside a catch)
 * never counts by itself, and a C++ cleanup `catch_all { ...; rethrow }`
 * around code that cannot throw does not make its function throw. */
static bool body_throws(scan_state *s, uint32_t caller, BinaryenExpressionRef body) {
  const wi_expr_ids *k = &wi_ids;
  size_t mark = s->count;
  s->depth = 0;
  bool throws = !push(s, body);
  while (!throws && s->depth > 0) {
    BinaryenExpressionRef e = s->stack[--s->depth];
    BinaryenExpressionId id = BinaryenExpressionGetId(e);
    if (id == k->throw_ || id == k->call_indirect) {
      throws = true;
    } else if (id == k->call) {
      uint32_t callee;
      if (!wi_name_map_get(&s->ctx->input_index, BinaryenCallGetTarget(e), &callee) ||
          s->ctx->funcs[callee].import_module)
        throws = true;
      else if (callee != caller && !add_edge(s, callee, caller)) /* a call to itself adds nothing */
        throws = s->out_of_memory = true;
    }
    if (throws) break;
    if (id == k->try_) {
      throws = !push(s, BinaryenTryGetBody(e));
      continue;
    }
    int children = wi_child_count_id(e, id);
    if (children < 0) { /* call_ref or a GC expression: it may call anything */
      throws = true;
      break;
    }
    for (int i = 0; i < children && !throws; i++) throws = !push(s, wi_child_get_id(e, id, i));
  }
  if (throws) s->count = mark; /* the calls of a function that throws anyway add nothing */
  return throws;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Marks every caller of a function that can throw, transitively: a worklist
 * over the reversed call graph, each function pushed at most once. */
static int propagate(bool *can_throw, uint32_t func_count, const call_edge *edges, size_t count) {
  uint32_t *first = calloc((size_t)func_count + 1, sizeof *first); /* callers of f: */
  uint32_t *callers = malloc((count ? count : 1) * sizeof *callers); /* [first[f], first[f+1]) */
  uint32_t *work = malloc((func_count ? func_count : 1) * sizeof *work);
  int rc = -1;
  if (!first || !callers || !work) goto done;
  for (size_t e = 0; e < count; e++) first[edges[e].callee + 1]++;
  for (uint32_t f = 0; f < func_count; f++) first[f + 1] += first[f];
  for (size_t e = 0; e < count; e++) callers[first[edges[e].callee]++] = edges[e].caller;
  for (uint32_t f = func_count; f > 0; f--) first[f] = first[f - 1]; /* undo the fill's shift */
  first[0] = 0;
  uint32_t pending = 0;
  for (uint32_t f = 0; f < func_count; f++)
    if (can_throw[f]) work[pending++] = f;
  while (pending > 0) {
    uint32_t f = work[--pending];
    for (uint32_t e = first[f]; e < first[f + 1]; e++) {
      uint32_t caller = callers[e];
      if (can_throw[caller]) continue;
      can_throw[caller] = true;
      work[pending++] = caller;
    }
  }
  rc = 0;
done:
  free(first);
  free(callers);
  free(work);
  return rc;
}

int wi_pass_throw_analysis(wi_instrument *ctx) {
  double t0 = now_ms();
  wi_throw_facts *facts = &ctx->throws;
  facts->can_throw = calloc(ctx->func_count ? ctx->func_count : 1, sizeof *facts->can_throw);
  if (!facts->can_throw) return -1;
  scan_state s = {.ctx = ctx};
  for (uint32_t i = 0; i < ctx->func_count && !s.out_of_memory; i++) {
    if (ctx->funcs[i].import_module) {
      facts->can_throw[i] = true;
      continue;
    }
    BinaryenFunctionRef func = wi_input_function(ctx, i);
    /* (A function always exists; if one did not, assume the worst.) */
    facts->can_throw[i] = !func || body_throws(&s, i, BinaryenFunctionGetBody(func));
  }
  int rc = s.out_of_memory ? -1 : propagate(facts->can_throw, ctx->func_count, s.edges, s.count);
  free(s.edges);
  free(s.stack);
  facts->unable = 0;
  for (uint32_t i = 0; i < ctx->func_count; i++)
    if (!ctx->funcs[i].import_module && !facts->can_throw[i]) facts->unable++;
  facts->ms = now_ms() - t0;
  return rc;
}

void wi_throw_facts_free(wi_throw_facts *facts) {
  free(facts->can_throw);
  facts->can_throw = NULL;
}
