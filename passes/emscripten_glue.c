/* Emscripten's glue: which imports and exports are its JS runtime's
 * plumbing (emscripten_glue.h), and the repair wrappers of the trampolines. */
#include "emscripten_glue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instrument.h"

/* A signature letter of emscripten's trampolines: v(oid), i32, j (i64), f,
 * d, p (pointer), e (externref). */
static bool is_signature(const char *s) {
  if (!*s) return false;
  for (; *s; s++)
    if (!strchr("vijfdpe", *s)) return false;
  return true;
}

bool wi_is_invoke_trampoline(const char *module, const char *field) {
  return module && field && strcmp(module, "env") == 0 && strncmp(field, "invoke_", 7) == 0 &&
         is_signature(field + 7);
}

bool wi_is_glue_export(const char *name) {
  static const char *const glue[] = {
      "stackSave", "stackRestore", "stackAlloc", "emscripten_stack_get_current",
      "_emscripten_stack_restore", "_emscripten_stack_alloc", "emscripten_stack_get_base",
      "emscripten_stack_get_end", "emscripten_stack_get_free", "emscripten_stack_init",
      "emscripten_stack_set_limits", "setThrew", "getTempRet0", "setTempRet0",
      "_emscripten_tempret_get", "_emscripten_tempret_set", "__get_temp_ret", "__set_temp_ret",
  };
  if (!name) return false;
  for (size_t i = 0; i < sizeof glue / sizeof glue[0]; i++)
    if (strcmp(name, glue[i]) == 0) return true;
  return strncmp(name, "dynCall_", 8) == 0 && is_signature(name + 8);
}

bool wi_has_invoke_trampolines(const wi_instrument *ctx) {
  for (uint32_t i = 0; i < ctx->func_count; i++)
    if (wi_is_invoke_trampoline(ctx->funcs[i].import_module, ctx->funcs[i].import_field))
      return true;
  return false;
}

int wi_pass_invoke_repairs(wi_instrument *ctx) {
  for (uint32_t i = 0; i < ctx->func_count; i++) {
    const wi_function_info *f = &ctx->funcs[i];
    if (!wi_is_invoke_trampoline(f->import_module, f->import_field)) continue;
    /* by name: moving the hook imports first re-added the other imports */
    BinaryenFunctionRef import = BinaryenGetFunction(ctx->module, f->name);
    if (!import || !wi_can_quiet_wrap(import)) continue; /* not emscripten's: a span, if selected */
    size_t size = strlen(f->import_field) + 16;
    char *base = malloc(size);
    if (!base) return -1;
    snprintf(base, size, "wi$repair$%s", f->import_field);
    ctx->import_wrappers[i] = wi_add_repair_wrapper(ctx, base, f->name);
    free(base);
    if (!ctx->import_wrappers[i]) return -1;
    ctx->stats.invokes_repaired++;
  }
  return 0;
}
