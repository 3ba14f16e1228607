/* See run_start.h. */
#define _POSIX_C_SOURCE 200809L /* sigsetjmp, behind wasm_rt_impl_try with guard pages */

#include "run_start.h"

#include <stdio.h>
#include <stdlib.h>

#include "traced-run.h"
#include "wasm-rt-impl.h"

/* Static, not automatic: a longjmp out of the module leaves them intact. */
static char **program_argv; /* e2e_wasi_set_args keeps the pointer */
static bool instantiated;   /* traced_free is due */

bool run_start_init(const char *argv0, int count, char **args) {
  program_argv = calloc((size_t)count + 1, sizeof *program_argv);
  if (!program_argv) return false;
  program_argv[0] = (char *)argv0;
  for (int k = 0; k < count; k++) program_argv[k + 1] = args[k];
  e2e_wasi_set_args(count + 1, program_argv);
  wasm_rt_init();
  traced_init_module();
  return true;
}

run_start_result run_start(const char *program, const char *module_path) {
  /* Set after setjmp and read after a longjmp: volatile. */
  volatile int code = 0;
  volatile bool trapped = false;
  if (setjmp(e2e_exit_jmp) != 0) {
    code = e2e_exit_code; /* proc_exit: the spans it was called from stay open */
  } else {
    wasm_rt_trap_t trap = wasm_rt_impl_try();
    if (trap != WASM_RT_TRAP_NONE) {
      fprintf(stderr, "trap: %s\n", wasm_rt_strerror(trap));
      code = RUN_START_TRAP_EXIT;
      trapped = true;
    } else {
      traced_instantiate();
      instantiated = true;
      e2e_wasi.memory = traced_memory();
      if (!traced_call_start()) {
        fprintf(stderr, "%s: %s exports no _start\n", program, module_path);
        code = 2;
      }
    }
  }
  fflush(stdout);
  return (run_start_result){.code = code, .trapped = trapped};
}

void run_start_free(void) {
  if (instantiated) traced_free();
  instantiated = false;
  wasm_rt_free();
  free(program_argv);
  program_argv = NULL;
}
