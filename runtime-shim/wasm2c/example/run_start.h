/* Runs the `_start` of the module linked in (through the glue of make-glue.sh)
 * under wasm2c's trap handler and the proc_exit of tests/e2e/wasm2c-wasi.c:
 * what traced-run.c and bench/shim/host.c share, so that the two run a module
 * the same way.
 *
 * Call run_start_init, run_start once, then run_start_free. The module, the
 * wasm2c runtime and the program's argv array belong to this file from
 * run_start_init to run_start_free; the hooks' recorder stays the caller's. */
#ifndef RUN_START_H
#define RUN_START_H

#include <stdbool.h>

/* The exit status after a trap, as a shell reports SIGABRT. */
#define RUN_START_TRAP_EXIT 134

/* Gives the program its argv (argv0, then the `count` strings of `args`; the
 * strings stay the caller's and must outlive run_start_free), starts the
 * wasm2c runtime and registers the module's types. Apart from run_start so
 * that a caller can time the run alone. Returns false, having done nothing,
 * when out of memory. */
bool run_start_init(const char *argv0, int count, char **args);

typedef struct {
  int code;     /* _start returned: 0; proc_exit: its code; a trap:
                   RUN_START_TRAP_EXIT; no `_start` export: 2 */
  bool trapped; /* the spans the trap cut through are still open (wo_unwind) */
} run_start_result;

/* Instantiates the module (running its start function) and calls `_start`.
 * Writes "trap: MESSAGE", or "PROGRAM: MODULE_PATH exports no _start", on
 * stderr; flushes stdout. The instance lives on until run_start_free, so the
 * caller can still read the recorder's state as the run left it. */
run_start_result run_start(const char *program, const char *module_path);

/* Frees the instance (if instantiation got that far), the wasm2c runtime and
 * the argv array. */
void run_start_free(void);

#endif
