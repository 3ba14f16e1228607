/* Emscripten's JavaScript glue, as the boundaries see it.
 *
 * A module built by emscripten calls into its own JS runtime for plumbing
 * that is no boundary a user would want as a span: `env.invoke_<sig>`
 * trampolines (setjmp/longjmp and C++ exceptions without wasm exception
 * handling: JS calls the table entry inside a try) and the stack and
 * exception-state exports the JS runtime calls around them. On an
 * interpreter (MicroPython) they are millions of calls a second.
 *
 * The trampolines are still where a longjmp or a C++ throw lands: the frames
 * it cut through never run their exits. So their calls get a repair wrapper
 * (wi_pass_invoke_repairs) instead of a span: it calls the `unwind` hook with
 * the number of skipped exits, counted by the module itself. */
#ifndef WI_EMSCRIPTEN_GLUE_H
#define WI_EMSCRIPTEN_GLUE_H

#include <stdbool.h>

/* `env.invoke_<sig>`: emscripten's trampoline, whatever the signature. */
bool wi_is_invoke_trampoline(const char *module, const char *field);

/* An export that emscripten's JS runtime calls as plumbing: the stack
 * (`stackSave`, `emscripten_stack_get_current`, ...), the longjmp and
 * exception state (`setThrew`, the temp-ret pair) and the old `dynCall_<sig>`
 * trampolines. */
bool wi_is_glue_export(const char *name);

#endif
