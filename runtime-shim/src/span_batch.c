/* Handing a thread's finished spans to the exporters, one batch at a time. */
#include "recorder_internal.h"

void wo_export_batch(wo_recorder *r, wo_thread *t, bool locked) {
  if (t->batch_count == 0) return;
  if (!locked) pthread_mutex_lock(&r->lock);
  for (size_t i = 0; i < r->exporter_count; i++) {
    wo_exporter *e = &r->exporters[i];
    if (e->export_spans(e->state, &r->resource, t->batch, t->batch_count) != WO_OK)
      wo_bump(&t->counters.export_errors);
  }
  t->batch_count = 0;
  if (!locked) pthread_mutex_unlock(&r->lock);
}
