#include "demangle_name.h"

#include <stddef.h>
#include <string.h>

#ifdef WO_HAVE_LIBIBERTY
#include <libiberty/demangle.h>
#endif

char *wo_demangle(const char *symbol) {
#ifdef WO_HAVE_LIBIBERTY
  if (strncmp(symbol, "_Z", 2) == 0 || strncmp(symbol, "_R", 2) == 0)
    return cplus_demangle(symbol, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
#endif
  (void)symbol;
  return NULL;
}
