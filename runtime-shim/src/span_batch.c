/* Handing a thread's finished spans to the exporters, one batch at a time. */
#include "recorder_internal.h"

void wo_export_batch(wo_recorder *r, wo_thread *t, bool locked) {
  if (t->batch_count == 0) return;
  if (!locked) pthread_mutex_lock(&r->lock);
  bool dropped = false;
  for (size_t i = 0; i < r->exporter_count; i++) {
    wo_exporter *e = &r->exporters[i];
    wo_status rc = e->export_spans(e->state, &r->resource, t->batch, t->batch_count);
    if (rc == WO_OUTPUT_FULL || rc == WO_OUTPUT_DROPPED) {
      /* The span budget: the outputs are shared, so no new span for any. */
      atomic_store_explicit(&r->output_full, true, memory_order_relaxed);
      if (rc == WO_OUTPUT_DROPPED) dropped = true;
    } else if (rc != WO_OK) {
      wo_bump(&t->counters.export_errors);
    }
  }
  if (dropped) wo_add(&t->counters.spans_over_size, t->batch_count);
  t->batch_count = 0;
  if (!locked) pthread_mutex_unlock(&r->lock);
}
