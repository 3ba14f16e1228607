/* The aggregate profile: a call tree per thread, merged on request, and its
 * two renderings (folded stacks and a summary table). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "recorder_internal.h"

wo_profile_node *wo_node_alloc(wo_node_arena *a) {
  if (a->free_nodes) {
    wo_profile_node *node = a->free_nodes;
    a->free_nodes = node->next_sibling;
    memset(node, 0, sizeof *node);
    return node;
  }
  if (!a->chunks || a->chunks->used == sizeof a->chunks->nodes / sizeof a->chunks->nodes[0]) {
    wo_node_chunk *chunk = malloc(sizeof *chunk);
    if (!chunk) return NULL;
    chunk->next = a->chunks;
    chunk->used = 0;
    a->chunks = chunk;
  }
  wo_profile_node *node = &a->chunks->nodes[a->chunks->used++];
  memset(node, 0, sizeof *node);
  return node;
}

void wo_node_arena_free(wo_node_arena *a) {
  for (wo_node_chunk *c = a->chunks, *next; c; c = next) {
    next = c->next;
    free(c);
  }
  a->chunks = NULL;
  a->free_nodes = NULL;
  wo_child_index_free(&a->children);
  a->unindexed = false;
}

/* `parent`'s child for `site`, or NULL. */
static wo_profile_node *find_child(const wo_node_arena *a, const wo_profile_node *parent,
                                   const wo_site *site) {
  if (!a->unindexed) return a->children.slots ? wo_child_find(&a->children, parent, site) : NULL;
  for (wo_profile_node *c = parent->first_child; c; c = c->next_sibling)
    if (c->site == site) return c;
  return NULL;
}

/* Makes `node` `parent`'s child for `site`. */
static void link_child(wo_node_arena *a, wo_profile_node *parent, wo_profile_node *node,
                       const wo_site *site) {
  node->site = site;
  node->parent = parent;
  node->next_sibling = parent->first_child;
  parent->first_child = node;
  if (a->unindexed || wo_child_add(&a->children, parent, site, node)) return;
  /* out of memory for the index: the lists still hold every child */
  wo_child_index_free(&a->children);
  a->unindexed = true;
}

wo_profile_node *wo_profile_child(wo_node_arena *arena, wo_profile_node *parent,
                                  const wo_site *site) {
  if (!parent) return NULL; /* the parent's node could not be allocated */
  wo_profile_node *c = parent->first_child;
  if (c && c->site == site) return c; /* the newest child: no probe */
  if ((c = find_child(arena, parent, site))) return c;
  wo_profile_node *node = wo_node_alloc(arena);
  if (node) link_child(arena, parent, node, site);
  return node;
}

wo_profile_node *wo_profile_attach(wo_node_arena *arena, wo_profile_node *parent,
                                   wo_profile_node *node, const wo_site *site) {
  if (!parent || !node) return node;
  wo_profile_node *into = find_child(arena, parent, site);
  if (!into) {
    link_child(arena, parent, node, site);
    return node;
  }
  into->calls += node->calls;
  into->total_ns += node->total_ns;
  into->self_ns += node->self_ns;
  into->samples += atomic_load_explicit(&node->samples, memory_order_relaxed);
  for (wo_profile_node *c = node->first_child, *next; c; c = next) {
    next = c->next_sibling;
    wo_child_remove(&arena->children, node, c->site); /* `node` is freed below */
    wo_profile_attach(arena, into, c, c->site); /* depth <= max_depth */
  }
  node->parent = NULL; /* no longer anyone's child (sampled timing's site_last may still point here) */
  node->site = NULL;
  node->next_sibling = arena->free_nodes;
  arena->free_nodes = node;
  return into;
}

static bool merge_into(wo_node_arena *arena, wo_profile_node *into, const wo_profile_node *from) {
  for (const wo_profile_node *c = from->first_child; c; c = c->next_sibling) {
    wo_profile_node *target = wo_profile_child(arena, into, c->site);
    if (!target) return false;
    target->calls += c->calls;
    target->total_ns += c->total_ns;
    target->self_ns += c->self_ns;
    target->samples += atomic_load_explicit(&c->samples, memory_order_relaxed);
    if (!merge_into(arena, target, c)) return false; /* depth <= max_depth */
  }
  return true;
}

/* Sampled timing: a node's self time from its samples, its total time its
 * self time plus its children's totals. Returns the node's total. */
static uint64_t sampled_times(wo_profile_node *node, double ns_per_sample) {
  uint64_t children = 0;
  for (wo_profile_node *c = node->first_child; c; c = c->next_sibling)
    children += sampled_times(c, ns_per_sample); /* depth <= max_depth */
  node->self_ns = (uint64_t)((double)node->samples * ns_per_sample + 0.5);
  node->total_ns = node->self_ns + children;
  return node->total_ns;
}

/* Adds `delta` to the calls of the nodes of every thread's open frames that
 * were counted when they opened (sampled timing: the muted ones). */
static void count_open_frames(wo_recorder *r, int delta) {
  for (wo_thread *t = r->threads; t; t = t->next)
    for (uint32_t k = 0; k < t->depth; k++)
      if (t->stack[k].muted && t->stack[k].node) t->stack[k].node->calls += (uint64_t)(int64_t)delta;
}

const wo_profile_node *wo_recorder_profile(wo_recorder *r) {
  if (!(r->record & WO_RECORD_PROFILE)) return NULL;
  pthread_mutex_lock(&r->lock);
  wo_node_arena_free(&r->merged_arena);
  memset(&r->merged_root, 0, sizeof r->merged_root);
  /* Sampled timing counts a call when it opens: the profile has the calls
   * that closed, as with the clock. */
  if (r->sampled_timing) count_open_frames(r, -1);
  bool ok = true;
  for (wo_thread *t = r->threads; t && ok; t = t->next)
    ok = merge_into(&r->merged_arena, &r->merged_root, &t->root);
  if (r->sampled_timing) count_open_frames(r, +1);
  if (ok && r->sampled_timing) {
    uint64_t samples = atomic_load_explicit(&r->samples_taken, memory_order_relaxed);
    uint64_t covered = atomic_load_explicit(&r->samples_covered_ns, memory_order_relaxed);
    sampled_times(&r->merged_root, samples ? (double)covered / (double)samples : 0);
    r->merged_root.self_ns = r->merged_root.total_ns = 0; /* the root is no call */
  }
  pthread_mutex_unlock(&r->lock);
  return ok ? &r->merged_root : NULL;
}

/* Folded-stack frames cannot hold ';' (the separator) or line breaks. */
static void put_frame(FILE *out, const char *name) {
  for (const char *p = name; *p; p++) {
    unsigned char c = (unsigned char)*p;
    fputc(c == ';' ? ':' : (c < 0x20 || c == 0x7f) ? '?' : c, out);
  }
}

static void write_folded(const wo_profile_node *node, const wo_profile_node **path,
                         size_t depth, FILE *out) {
  for (const wo_profile_node *c = node->first_child; c; c = c->next_sibling) {
    path[depth] = c;
    if (c->self_ns > 0) {
      for (size_t i = 0; i <= depth; i++) {
        if (i) fputc(';', out);
        put_frame(out, path[i]->site->name);
      }
      fprintf(out, " %" PRIu64 "\n", c->self_ns);
    }
    write_folded(c, path, depth + 1, out);
  }
}

static size_t tree_depth(const wo_profile_node *node) {
  size_t deepest = 0;
  for (const wo_profile_node *c = node->first_child; c; c = c->next_sibling) {
    size_t d = 1 + tree_depth(c);
    if (d > deepest) deepest = d;
  }
  return deepest;
}

wo_status wo_profile_write_folded(const wo_profile_node *root, FILE *out) {
  if (!root || !out) return WO_ERR_INVALID_ARGUMENT;
  size_t depth = tree_depth(root);
  const wo_profile_node **path = malloc((depth ? depth : 1) * sizeof *path);
  if (!path) return WO_ERR_NO_MEMORY;
  write_folded(root, path, 0, out);
  free(path);
  return ferror(out) ? WO_ERR_IO : WO_OK;
}

typedef struct {
  const wo_site *site;
  uint64_t calls, total_ns, self_ns;
} site_total;

typedef struct {
  site_total *items;
  size_t count, capacity;
} site_totals;

static site_total *totals_for(site_totals *t, const wo_site *site) {
  for (size_t i = 0; i < t->count; i++)
    if (t->items[i].site == site) return &t->items[i];
  if (t->count == t->capacity) {
    size_t capacity = t->capacity ? t->capacity * 2 : 64;
    site_total *grown = realloc(t->items, capacity * sizeof *grown);
    if (!grown) return NULL;
    t->items = grown;
    t->capacity = capacity;
  }
  t->items[t->count] = (site_total){site, 0, 0, 0};
  return &t->items[t->count++];
}

/* Total time counts a site's outermost calls only, so recursion is not
 * counted twice. */
static bool sum_sites(const wo_profile_node *node, const wo_profile_node **path, size_t depth,
                      site_totals *totals) {
  for (const wo_profile_node *c = node->first_child; c; c = c->next_sibling) {
    site_total *t = totals_for(totals, c->site);
    if (!t) return false;
    t->calls += c->calls;
    t->self_ns += c->self_ns;
    bool nested = false;
    for (size_t i = 0; i < depth && !nested; i++) nested = path[i]->site == c->site;
    if (!nested) t->total_ns += c->total_ns;
    path[depth] = c;
    if (!sum_sites(c, path, depth + 1, totals)) return false;
  }
  return true;
}

static int by_self_time(const void *a, const void *b) {
  const site_total *x = a, *y = b;
  if (x->self_ns != y->self_ns) return x->self_ns < y->self_ns ? 1 : -1;
  return strcmp(x->site->name, y->site->name);
}

wo_status wo_profile_write_summary(const wo_profile_node *root, FILE *out, unsigned top) {
  if (!root || !out) return WO_ERR_INVALID_ARGUMENT;
  size_t depth = tree_depth(root);
  const wo_profile_node **path = malloc((depth ? depth : 1) * sizeof *path);
  site_totals totals = {0};
  bool ok = path && sum_sites(root, path, 0, &totals);
  free(path);
  if (!ok) {
    free(totals.items);
    return WO_ERR_NO_MEMORY;
  }
  if (totals.count > 1) qsort(totals.items, totals.count, sizeof *totals.items, by_self_time);
  fprintf(out, "%12s %14s %14s  %s\n", "calls", "self ms", "total ms", "function");
  for (size_t i = 0; i < totals.count && i < top; i++) {
    const site_total *t = &totals.items[i];
    fprintf(out, "%12" PRIu64 " %14.3f %14.3f  %s", t->calls, (double)t->self_ns / 1e6,
            (double)t->total_ns / 1e6,
            t->site->kind == WO_SITE_IMPORT ? "import " : t->site->kind == WO_SITE_EXPORT ? "export " : "");
    put_frame(out, t->site->name); /* a module's names may hold line breaks or escapes */
    fputc('\n', out);
  }
  free(totals.items);
  return ferror(out) ? WO_ERR_IO : WO_OK;
}
