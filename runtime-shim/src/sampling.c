/* Sampled profile timing (wasm_observe.h): the recorder's side of it. The
 * hooks publish each thread's current node (wo_publish_node); a sample adds
 * one to it; the times are made from the samples when the profile is read
 * (profile.c). */
#include "recorder_internal.h"

uint32_t wo_recorder_sample(wo_recorder *r) {
  if (!r->sampled_timing) return 0;
  uint32_t in_frame = 0;
  /* the lock keeps the thread list still; the hooks never take it */
  pthread_mutex_lock(&r->lock);
  for (wo_thread *t = r->threads; t; t = t->next) {
    wo_profile_node *node = atomic_load_explicit(&t->current_node, memory_order_relaxed);
    if (!node) continue;
    atomic_fetch_add_explicit(&node->samples, 1, memory_order_relaxed);
    in_frame++;
  }
  pthread_mutex_unlock(&r->lock);
  return in_frame;
}

void wo_recorder_sampled_over(wo_recorder *r, uint64_t samples, uint64_t covered_ns) {
  atomic_store_explicit(&r->samples_taken, samples, memory_order_relaxed);
  atomic_store_explicit(&r->samples_covered_ns, covered_ns, memory_order_relaxed);
}

wo_profile_node *_Atomic *wo_recorder_node_slot(wo_recorder *r) {
  if (!r->sampled_timing) return NULL;
  wo_thread *t = wo_current_thread(r);
  return t ? &t->current_node : NULL;
}
