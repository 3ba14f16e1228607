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
}

wo_profile_node *wo_profile_child(wo_node_arena *arena, wo_profile_node *parent,
                                  const wo_site *site) {
  if (!parent) return NULL; /* the parent's node could not be allocated */
  wo_profile_node *prev = NULL;
  for (wo_profile_node *c = parent->first_child; c; prev = c, c = c->next_sibling) {
    if (c->site != site) continue;
    if (prev) { /* move to front: hot children are found first */
      prev->next_sibling = c->next_sibling;
      c->next_sibling = parent->first_child;
      parent->first_child = c;
    }
    return c;
  }
  wo_profile_node *node = wo_node_alloc(arena);
  if (!node) return NULL;
  node->site = site;
  node->next_sibling = parent->first_child;
  parent->first_child = node;
  return node;
}

wo_profile_node *wo_profile_attach(wo_node_arena *arena, wo_profile_node *parent,
                                   wo_profile_node *node, const wo_site *site) {
  if (!parent || !node) return node;
  wo_profile_node *into = NULL;
  for (wo_profile_node *c = parent->first_child; c && !into; c = c->next_sibling)
    if (c->site == site) into = c;
  if (!into) {
    node->site = site;
    node->next_sibling = parent->first_child;
    parent->first_child = node;
    return node;
  }
  into->calls += node->calls;
  into->total_ns += node->total_ns;
  into->self_ns += node->self_ns;
  for (wo_profile_node *c = node->first_child, *next; c; c = next) {
    next = c->next_sibling;
    wo_profile_attach(arena, into, c, c->site); /* depth <= max_depth */
  }
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
    if (!merge_into(arena, target, c)) return false; /* depth <= max_depth */
  }
  return true;
}

const wo_profile_node *wo_recorder_profile(wo_recorder *r) {
  if (!(r->record & WO_RECORD_PROFILE)) return NULL;
  pthread_mutex_lock(&r->lock);
  wo_node_arena_free(&r->merged_arena);
  memset(&r->merged_root, 0, sizeof r->merged_root);
  bool ok = true;
  for (wo_thread *t = r->threads; t && ok; t = t->next)
    ok = merge_into(&r->merged_arena, &r->merged_root, &t->root);
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
