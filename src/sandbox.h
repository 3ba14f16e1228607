/* Runs the Binaryen work in a child process.
 *
 * Binaryen ends the process on some bad inputs (a fatal error or an abort), so
 * the work runs in a fork()ed child with core dumps off; the parent survives
 * any death of the child and turns it into one clear line. */
#ifndef WI_SANDBOX_H
#define WI_SANDBOX_H

#include <stddef.h>
#include <stdio.h>

typedef int (*wi_sandboxed_fn)(void *arg, FILE *report);

typedef struct {
  int exit_code;  /* valid if signal == 0 */
  int signal;     /* the signal that killed the child, or 0 */
  char *report;   /* the child's report lines, NUL-terminated, owned */
  char *output;   /* what the child (Binaryen) printed on stdout/stderr, first 64 KiB, owned */
} wi_sandbox_result;

/* Returns 0, or an errno value if the child could not be started. */
int wi_sandbox_run(wi_sandboxed_fn fn, void *arg, wi_sandbox_result *result);
void wi_sandbox_result_free(wi_sandbox_result *result);

#endif
