/* One-line messages on stderr: `wasm-instrument: error: FILE: message`. */
#ifndef WI_DIAGNOSTICS_H
#define WI_DIAGNOSTICS_H

#include <stdio.h>

#if defined(__GNUC__)
#define WI_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define WI_PRINTF(fmt, args)
#endif

/* `file` may be NULL for messages about the command line. */
void wi_error(const char *file, const char *fmt, ...) WI_PRINTF(2, 3);
void wi_warning(const char *file, const char *fmt, ...) WI_PRINTF(2, 3);
/* Formats the same lines into a stream (the sandboxed child's report pipe). */
void wi_format_diagnostic(FILE *out, const char *severity, const char *file, const char *fmt, ...)
    WI_PRINTF(4, 5);

#endif
