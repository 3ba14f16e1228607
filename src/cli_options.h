/* The command line of wasm-instrument. */
#ifndef WI_CLI_OPTIONS_H
#define WI_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hook_calls.h"

typedef enum { WI_EH_AUTO, WI_EH_ON, WI_EH_OFF } wi_exceptions_mode;

/* How an instrumented component gets its hooks (components only). */
typedef enum {
  WI_LINK_WASI_OTEL,    /* the guest shim, onto wasi:otel/tracing (the default) */
  WI_LINK_WASI_OBSERVE, /* the guest shim, onto wasi:observe/tracer */
  WI_LINK_HOOKS,        /* the component imports wit/hooks.wit's interface */
} wi_link_mode;

/* --production: LLVM XRay's default instruction threshold. */
enum { WI_PRODUCTION_MIN_INSTRUCTIONS = 200 };
/* --from-profile's defaults: the recorders' muting (10,000 calls, mean under 1 µs). */
enum { WI_PROFILE_MIN_CALLS = 10000, WI_PROFILE_BELOW_NS = 1000 };
/* ... and a function with at least 0.25% of the run inclusive stays: a
 * quarter of the share by which the README's coverage counts the functions
 * that matter, as a profile of every function weighs the hooks' cost of every
 * call: brotli-wasm's func[920], 4 instructions called 3.6 million times, had
 * 0.47% of such a run (sampled time, muting off) and 1.44% of one with muting
 * on; on MicroPython two functions with 1.2% and 2.6% had 0.92% and 0.94%. */
#define WI_PROFILE_KEEP_PERCENT 0.25

typedef struct {
  const char *input;        /* a path or "-"; borrowed from argv */
  const char *output;       /* a path, "-" or NULL */
  const char **includes;    /* owned array of borrowed patterns */
  size_t include_count;
  const char **excludes;
  size_t exclude_count;
  bool list;                /* print the sites instead of writing a module */
  bool emit_text;           /* -S: write the text format */
  bool stats;
  bool hook_functions;       /* false: --no-functions (only the boundaries) */
  bool hook_imports;
  bool hook_exports;
  bool validate;
  wi_abi abi;
  wi_exceptions_mode exceptions;
  wi_link_mode link;
  bool link_given;          /* --link was on the command line */
  bool all_modules;         /* components: also the modules component tooling adds */
  uint32_t guest_mute_after;    /* components, --link wasi-otel: the guest shim's muting; 0 = never */
  bool guest_mute_given;        /* --guest-mute-after or --guest-mute-below-ns was given */
  uint32_t guest_mute_below_ns; /* ... a site's spans from the guest_mute_after-th on average under this */
  bool patchable;            /* --patchable (or --production): muted-sites table */
  uint32_t min_instructions; /* --min-instructions: smaller loop-free functions are left out; 0 = none */
  const char *from_profile;  /* --from-profile: the call counts (--folded-calls), or NULL */
  const char *profile_times; /* --profile-times: the self times (--folded) of the same run */
  uint64_t profile_min_calls; /* the rule: left out at this many calls or more ... */
  uint64_t profile_below_ns;  /* ... with a mean inclusive time under this */
  double profile_keep_percent; /* ... but kept at this share of the run or more; 0 = no floor */
} wi_options;

typedef enum { WI_OPTIONS_RUN, WI_OPTIONS_DONE, WI_OPTIONS_ERROR } wi_options_result;

/* Parses argv. DONE means --help or --version was printed; ERROR means a usage
 * error was reported on stderr. Free with wi_options_free in every case. */
wi_options_result wi_parse_options(int argc, char **argv, wi_options *out);
void wi_options_free(wi_options *options);
void wi_print_usage(void);

#endif
