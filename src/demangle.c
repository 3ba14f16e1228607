#include "demangle.h"

#include <libiberty/demangle.h>
#include <string.h>

char *wi_demangle(const char *symbol) {
  /* Mangled names start with _Z (C++, Rust legacy) or _R (Rust v0). */
  if (strncmp(symbol, "_Z", 2) != 0 && strncmp(symbol, "_R", 2) != 0) return NULL;
  return cplus_demangle(symbol, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
}
