/* A nested workload for the span budget's size limit: each of N iterations
 * calls top(), which calls mid() twice, each calling leaf() three times (nine
 * spans an iteration, three levels deep), so that a batch dropped at the
 * limit would hold parents of spans already written.   nest N */
#include <stdlib.h>

__attribute__((noinline)) int leaf(int x) { return x * 3 + 1; }

__attribute__((noinline)) int mid(int x) {
  int a = 0;
  for (int i = 0; i < 3; i++) a += leaf(x + i);
  return a;
}

__attribute__((noinline)) int top(int x) { return mid(x) + mid(x + 1); }

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000;
  int acc = 0;
  for (long i = 0; i < n; i++) acc += top((int)i);
  return acc == 42; /* uses acc; 0 in practice */
}
