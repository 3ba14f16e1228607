/* Single-threaded pthread stand-in for building runtime-shim/src for
 * wasm32-wasi: wasi-libc (Debian 0.0~git20220510) has no <pthread.h> without
 * the wasm32-wasi-threads target. A wasm32 instance runs on one thread, so the
 * recorder's mutex is a no-op and there is one "thread". */
#ifndef WO_WASM32_PTHREAD_H
#define WO_WASM32_PTHREAD_H
typedef int pthread_t;
typedef int pthread_mutex_t;
typedef int pthread_mutexattr_t;
static inline pthread_t pthread_self(void) { return 1; }
static inline int pthread_equal(pthread_t a, pthread_t b) { return a == b; }
static inline int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a) { (void)a; *m = 0; return 0; }
static inline int pthread_mutex_lock(pthread_mutex_t *m) { (void)m; return 0; }
static inline int pthread_mutex_unlock(pthread_mutex_t *m) { (void)m; return 0; }
static inline int pthread_mutex_destroy(pthread_mutex_t *m) { (void)m; return 0; }
typedef struct { void *value; } *pthread_key_t;
static inline int pthread_key_create(pthread_key_t *k, void (*destructor)(void *)) {
  (void)destructor; /* the one thread never exits */
  static struct { void *value; } keys[64];
  static int used;
  if (used == 64) return 1;
  *k = (pthread_key_t)&keys[used++];
  (*k)->value = 0;
  return 0;
}
static inline void *pthread_getspecific(pthread_key_t k) { return k->value; }
static inline int pthread_setspecific(pthread_key_t k, const void *v) { k->value = (void *)v; return 0; }
static inline int pthread_key_delete(pthread_key_t k) { (void)k; return 0; }
#endif
