/* The sampling thread of sampled profile timing for native hosts
 * (wasm_observe.h, wo_sampler_start): sleeps `interval_us`, takes one sample
 * of every thread (wo_recorder_sample), until stopped. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "wasm_observe.h"

struct wo_sampler {
  wo_recorder *recorder;
  uint32_t interval_us;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake; /* signalled by wo_sampler_stop */
  bool stopping;       /* under lock */
  uint64_t samples, outside, covered_ns; /* the thread's; read after the join */
};

static uint64_t monotonic_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void *run(void *arg) {
  wo_sampler *s = arg;
  uint64_t start = monotonic_ns(), next = start;
  pthread_mutex_lock(&s->lock);
  for (;;) {
    /* a fixed schedule, so that a late wake-up does not stretch the period */
    next += (uint64_t)s->interval_us * 1000u;
    struct timespec until = {(time_t)(next / 1000000000u), (long)(next % 1000000000u)};
    int rc = 0;
    while (!s->stopping && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&s->wake, &s->lock, &until);
    if (s->stopping) break;
    pthread_mutex_unlock(&s->lock);
    if (wo_recorder_sample(s->recorder) == 0) s->outside++;
    s->samples++;
    uint64_t now = monotonic_ns();
    s->covered_ns = now - start;
    wo_recorder_sampled_over(s->recorder, s->samples, s->covered_ns); /* the estimate so far */
    if (now > next + 1000u * (uint64_t)s->interval_us) next = now; /* fell behind: no burst */
    pthread_mutex_lock(&s->lock);
  }
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

wo_status wo_sampler_start(wo_recorder *recorder, uint32_t interval_us, wo_sampler **out) {
  *out = NULL;
  if (!recorder || interval_us < 1 || interval_us > 10000000 || !wo_recorder_node_slot(recorder))
    return WO_ERR_INVALID_ARGUMENT;
  wo_sampler *s = calloc(1, sizeof *s);
  if (!s) return WO_ERR_NO_MEMORY;
  s->recorder = recorder;
  s->interval_us = interval_us;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* the schedule's clock */
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->wake, &attr);
  pthread_condattr_destroy(&attr);
  if (pthread_create(&s->thread, NULL, run, s) != 0) {
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return WO_ERR_NO_MEMORY;
  }
  *out = s;
  return WO_OK;
}

void wo_sampler_stop(wo_sampler *s, wo_sampler_stats *stats) {
  if (!s) return;
  pthread_mutex_lock(&s->lock);
  s->stopping = true;
  pthread_cond_signal(&s->wake);
  pthread_mutex_unlock(&s->lock);
  pthread_join(s->thread, NULL);
  wo_recorder_sampled_over(s->recorder, s->samples, s->covered_ns);
  if (stats) *stats = (wo_sampler_stats){s->samples, s->outside, s->covered_ns};
  pthread_cond_destroy(&s->wake);
  pthread_mutex_destroy(&s->lock);
  free(s);
}
