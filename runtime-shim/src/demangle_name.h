/* Demangling for names read from a name section (observe-sdk modules, which
 * carry no demangled site table). Without libiberty, names stay as they are. */
#ifndef WO_DEMANGLE_NAME_H
#define WO_DEMANGLE_NAME_H

/* A malloc'd demangled name, or NULL if `symbol` is not mangled. */
char *wo_demangle(const char *symbol);

#endif
