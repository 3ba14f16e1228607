/* The exit codes of wasm-instrument (documented in the README). */
#ifndef WI_EXIT_CODES_H
#define WI_EXIT_CODES_H

enum {
  WI_EXIT_OK = 0,
  WI_EXIT_BAD_INPUT = 1, /* unreadable, malformed, invalid or unsupported input */
  WI_EXIT_USAGE = 2,     /* bad command line (unknown option, bad regex) */
  WI_EXIT_INTERNAL = 3,  /* a bug, out of memory, or an output that failed validation */
};

#endif
