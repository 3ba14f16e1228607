/* Transparent huge pages for the heap (glibc only).
 *
 * Binaryen allocates the IR of a module in many small blocks, and on a large
 * module most of the first touches of that memory are page faults: with 4 KiB
 * pages, about a fifth of the run on a 34 MB module (duckdb-wasm) in a virtual
 * machine. glibc's malloc asks the kernel for transparent huge pages when the
 * tunable glibc.malloc.hugetlb=1 is set, and tunables are read only when a
 * process starts; so the tool starts itself again, once, with it. */
#ifndef WI_HUGE_PAGES_H
#define WI_HUGE_PAGES_H

#include <stdbool.h>

/* Re-executes the program (/proc/self/exe, the same `argv` and environment)
 * with glibc.malloc.hugetlb=1 added to GLIBC_TUNABLES, when `input` is a file
 * of at least WI_HUGE_PAGES_MIN_INPUT bytes (below, the second start of the
 * process, about 7 ms, costs more than the faults it saves; stdin is not
 * measured and keeps small pages). Not when: GLIBC_TUNABLES already names that
 * tunable (the user's setting wins), WASM_INSTRUMENT_SMALL_PAGES is set (to
 * anything), the process is in secure mode (setuid: glibc ignores tunables),
 * glibc is older than 2.35 (no such tunable), or /proc/self/exe is not this
 * program (under valgrind, or started through ld.so). The second start, which
 * WASM_INSTRUMENT_RESTARTED marks (and this call removes), never restarts
 * again. Call it before anything is read or written. Returns only when it did
 * not re-execute (then the environment is as it was, but for the marker). */
enum { WI_HUGE_PAGES_MIN_INPUT = 256 * 1024 };
void wi_prefer_huge_pages(char **argv, const char *input);

/* Whether GLIBC_TUNABLES asks glibc (2.35 or later) for transparent huge
 * pages: glibc.malloc.hugetlb=1, its last setting (for --stats). */
bool wi_huge_pages_asked(void);

#endif
