/* The call tree's children by (parent, site) (recorder_internal.h): a node
 * is found in a probe or two however many children its parent has (an
 * interpreter's dispatch loop calls hundreds of functions). Open addressing
 * with linear probing, at most half full; removal shifts the run back, so
 * there are no tombstones. */
#include <stdlib.h>

#include "recorder_internal.h"

static uint32_t slot_of(const wo_child_index *x, const wo_profile_node *parent, const wo_site *site) {
  uint64_t h = ((uint64_t)(uintptr_t)parent * 0x9E3779B97F4A7C15ull) ^ (uint64_t)(uintptr_t)site;
  h *= 0xBF58476D1CE4E5B9ull;
  return (uint32_t)(h >> 32) & x->mask;
}

wo_profile_node *wo_child_find(const wo_child_index *x, const wo_profile_node *parent,
                               const wo_site *site) {
  for (uint32_t i = slot_of(x, parent, site);; i = (i + 1) & x->mask) {
    const wo_child_slot *s = &x->slots[i];
    if (!s->child) return NULL;
    if (s->parent == parent && s->site == site) return s->child;
  }
}

static void put(wo_child_index *x, wo_profile_node *parent, const wo_site *site,
                wo_profile_node *child) {
  uint32_t i = slot_of(x, parent, site);
  while (x->slots[i].child) i = (i + 1) & x->mask;
  x->slots[i] = (wo_child_slot){parent, site, child};
}

bool wo_child_add(wo_child_index *x, wo_profile_node *parent, const wo_site *site,
                  wo_profile_node *child) {
  uint32_t capacity = x->slots ? x->mask + 1 : 0;
  if (2 * ((uint64_t)x->used + 1) > capacity) {
    if (capacity > UINT32_MAX / 2) return false;
    uint32_t grown = capacity ? capacity * 2 : 64;
    wo_child_slot *old = x->slots;
    x->slots = calloc(grown, sizeof *x->slots);
    if (!x->slots) {
      x->slots = old;
      return false;
    }
    x->mask = grown - 1;
    for (uint32_t i = 0; i < capacity; i++)
      if (old[i].child) put(x, old[i].parent, old[i].site, old[i].child);
    free(old);
  }
  put(x, parent, site, child);
  x->used++;
  return true;
}

void wo_child_remove(wo_child_index *x, const wo_profile_node *parent, const wo_site *site) {
  if (!x->slots) return;
  uint32_t i = slot_of(x, parent, site);
  for (;; i = (i + 1) & x->mask) {
    if (!x->slots[i].child) return; /* not there */
    if (x->slots[i].parent == parent && x->slots[i].site == site) break;
  }
  /* Move back each later entry of the run whose home slot is not between the
   * hole and itself, so that every entry stays reachable from its home. */
  for (uint32_t j = i;;) {
    j = (j + 1) & x->mask;
    if (!x->slots[j].child) break;
    uint32_t home = slot_of(x, x->slots[j].parent, x->slots[j].site);
    bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    x->slots[i] = x->slots[j];
    i = j;
  }
  x->slots[i] = (wo_child_slot){0};
  x->used--;
}

void wo_child_index_free(wo_child_index *x) {
  free(x->slots);
  *x = (wo_child_index){0};
}
