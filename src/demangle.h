/* Demangling of C++ (Itanium) and Rust (legacy and v0) symbol names. */
#ifndef WI_DEMANGLE_H
#define WI_DEMANGLE_H

/* Returns a malloc'd demangled form of `symbol`, or NULL if it is not a
 * mangled name (or out of memory). */
char *wi_demangle(const char *symbol);

#endif
