/* bench/shim/loop.c: the micro-benchmark's workload, built for wasm32-wasi.
 *
 *   loop N    calls tiny() N times in a tight loop
 *
 * With every function instrumented, each call of tiny() is one recorded span
 * (an enter and an exit); the few other spans (_start, main, atol, ...) are
 * counted by the recorder and included in the per-span division. */
#include <stdlib.h>

__attribute__((noinline)) int tiny(int x) { return x * 3 + 1; }

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 10000000;
  int acc = 0;
  for (long i = 0; i < n; i++) acc = tiny(acc);
  return acc == 42; /* uses acc; 0 in practice */
}
