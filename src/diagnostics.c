#include "diagnostics.h"

#include <stdarg.h>

static void vprint(FILE *out, const char *severity, const char *file, const char *fmt,
                   va_list args) {
  fprintf(out, "wasm-instrument: %s: ", severity);
  if (file) fprintf(out, "%s: ", file);
  if (fmt) vfprintf(out, fmt, args); /* never NULL; the check quiets GCC under UBSan */
  fputc('\n', out);
  fflush(out);
}

void wi_error(const char *file, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vprint(stderr, "error", file, fmt, args);
  va_end(args);
}

void wi_warning(const char *file, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vprint(stderr, "warning", file, fmt, args);
  va_end(args);
}

void wi_format_diagnostic(FILE *out, const char *severity, const char *file, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vprint(out, severity, file, fmt, args);
  va_end(args);
}
