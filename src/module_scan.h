/* A structural scan of a WebAssembly binary, done before Binaryen sees it.
 *
 * Binaryen's reader ends the process on many malformed inputs, so the scan
 * checks the framing first (magic, version, section bounds, LEB128s) and
 * gathers the facts the rewriter needs that Binaryen's C API does not expose:
 * the function names of the `name` section by real index, the start function,
 * code body sizes, whether exception handling is in use, and the custom
 * sections that the rewriter drops or replaces. */
#ifndef WI_MODULE_SCAN_H
#define WI_MODULE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
  WI_SCAN_OK = 0,
  WI_SCAN_NOT_WASM,     /* no `\0asm` magic */
  WI_SCAN_COMPONENT,    /* a component, not a core module */
  WI_SCAN_BAD_VERSION,  /* unknown binary version */
  WI_SCAN_MALFORMED,    /* truncated or inconsistent; see the message */
  WI_SCAN_NO_MEMORY,
};

typedef struct {
  bool is_debug;          /* `.debug_*`, `sourceMappingURL`, `external_debug_info` */
  bool is_producers;
  bool is_name;
  size_t start, end;      /* byte range of the whole section, id byte included */
} wi_custom_section;

typedef struct {
  uint32_t imported_funcs;
  uint32_t defined_funcs;
  bool has_start;
  uint32_t start_index;       /* function index, valid if has_start */
  bool uses_exceptions;       /* a tag section, a tag import, or the target feature */
  bool has_target_features;
  bool has_data_count;        /* a DataCount section (bulk memory) */
  bool uses_typed_references; /* typed references or GC types in types or locals */
  bool is_relocatable;        /* has `linking` or `reloc.*`: an object file */
  bool already_instrumented;  /* has our site table, or observe-sdk hook imports */
  uint32_t *body_sizes;       /* [defined_funcs] code body sizes, owned */
  uint32_t *local_counts;     /* [defined_funcs] declared locals (params excluded), owned */
  size_t code_section_size;   /* payload bytes of the code section */
  char **func_names;          /* [func_name_count] name-section names or NULL, owned */
  uint32_t func_name_count;   /* entries of func_names; see wi_scan_func_name */
  const uint8_t *producers;   /* payload of the producers section, borrowed, or NULL */
  size_t producers_size;
  wi_custom_section *customs; /* owned */
  size_t custom_count;
  size_t debug_section_count;
} wi_module_scan;

/* Scans `data`. On failure returns a WI_SCAN_* code and writes a one-line reason
 * (without the file name) to `why`. `out` must be released with wi_scan_free in
 * every case. `data` must outlive `out` (producers points into it). */
int wi_scan_module(const uint8_t *data, size_t size, wi_module_scan *out, char *why,
                   size_t why_size);
void wi_scan_free(wi_module_scan *scan);

/* The name-section name of function `index`, or NULL. */
const char *wi_scan_func_name(const wi_module_scan *scan, uint32_t index);

/* Whether wi_strip_custom_sections would change `data` (else its copy is
 * `data` byte for byte). */
bool wi_strip_changes(const wi_module_scan *scan, bool drop_debug, bool drop_producers);

/* Returns a malloc'd copy of `data` without the custom sections for which
 * drop_debug / drop_producers apply, and with the name section cut down to what
 * Binaryen 108 reads (see wi_put_name_section_for_binaryen); its size in
 * *out_size; NULL on OOM. */
uint8_t *wi_strip_custom_sections(const uint8_t *data, size_t size, const wi_module_scan *scan,
                                  bool drop_debug, bool drop_producers, size_t *out_size);

#endif
