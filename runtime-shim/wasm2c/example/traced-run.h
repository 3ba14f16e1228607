/* What traced-run.c, run_start.c, the generated glue (make-glue.sh) and the
 * small WASI preview1 of tests/e2e/wasm2c-wasi.c share. */
#ifndef TRACED_RUN_H
#define TRACED_RUN_H

#include <setjmp.h>

#include "wasm-rt.h"
#include "wasm_observe_wasm2c.h"

/* The WASI import instance, as tests/e2e/wasm2c-host.h defines it (the same
 * type: wasm2c-wasi.c, which defines e2e_wasi, is compiled with that header). */
struct Z_wasi_snapshot_preview1_instance_t {
  wasm_rt_memory_t *memory; /* the module's exported "memory", or NULL */
};

/* tests/e2e/wasm2c-wasi.c */
extern struct Z_wasi_snapshot_preview1_instance_t e2e_wasi;
void e2e_wasi_set_args(int argc, char **argv);
extern jmp_buf e2e_exit_jmp; /* proc_exit stores e2e_exit_code and longjmps here */
extern int e2e_exit_code;

/* traced-run.c: the hook import instance handed to the module. */
extern wo_wasm2c_hooks traced_hooks;

/* The generated glue. */
void traced_init_module(void);
void traced_instantiate(void);          /* runs the start function, if any */
wasm_rt_memory_t *traced_memory(void);  /* the exported "memory", or NULL */
/* a --patchable build's muted-sites table (allocated by traced_instantiate), or NULL */
wasm_rt_externref_table_t *traced_muted_sites(void);
int traced_call_start(void);            /* calls _start; 0 if there is none */
void traced_free(void);

#endif
