/* The guest shim that `--link wasi-otel` / `--link wasi-observe` embed in an
 * instrumented component (runtime-shim/guest/guest_abi.h has the memory
 * layout and the site blob's format):
 *
 * - core module "B", the shim: C from runtime-shim/guest/, compiled for wasm32
 *   at build time and carried here as bytes. It exports `enter` and `exit`
 *   (param i32) for the instrumented core modules' hook imports, and imports
 *   `env` `memory` (min WI_GUEST_MEMORY_PAGES pages), `env` `scratch-reset`
 *   (wasi-otel only) and the WASI functions (WI_GUEST_IMPORT_* below);
 * - core module "A", generated per component: it defines and exports the
 *   memory that B and the lowered WASI functions use, with the site blob in
 *   it, and the `cabi_realloc` and `scratch-reset` that the lowering and B use.
 *   A has no imports: instantiate it first, lower the WASI functions against
 *   its memory and realloc, then instantiate B with them.
 *
 * Canon options B's imports need (memory and realloc are A's exports):
 *   on-start, on-end                         (memory A) string-encoding=utf8
 *   outer-span-context                       (memory A) (realloc A) string-encoding=utf8
 *   wall-clock now                           (memory A)  (a return pointer)
 *   monotonic-clock now, get-random-u64      none
 *   tracer start, [method]span.set-status    (memory A) string-encoding=utf8
 *   [method]span.end, [resource-drop]span    none ([resource-drop] is canon resource.drop)
 * B's `env` instance: memory = A's memory; scratch-reset = A's (wasi-otel).
 *
 * Strings given to these functions are borrowed; NULL means "". */
#ifndef WI_GUEST_SHIMS_H
#define WI_GUEST_SHIMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../runtime-shim/guest/guest_abi.h"

typedef enum {
  WI_GUEST_LINK_OTEL = WI_GUEST_BLOB_LINK_OTEL,      /* wasi:otel/tracing@0.2.0-rc.2 */
  WI_GUEST_LINK_OBSERVE = WI_GUEST_BLOB_LINK_OBSERVE /* wasi:observe/tracer */
} wi_guest_link;

typedef enum {
  WI_GUEST_SITE_FUNCTION = WI_GUEST_KIND_FUNCTION, /* span kind internal */
  WI_GUEST_SITE_IMPORT = WI_GUEST_KIND_IMPORT,     /* a call into an import: client */
  WI_GUEST_SITE_EXPORT = WI_GUEST_KIND_EXPORT      /* an entry through an export: server */
} wi_guest_site_kind;

/* One site; its id is its position in the array. */
typedef struct {
  wi_guest_site_kind kind;
  const char *name;           /* display name: the span's name, code.function.name */
  uint32_t function_index;    /* the function's index in its (input) core module */
  const char *import_module;  /* WI_GUEST_SITE_IMPORT: wasm.import.module */
  const char *import_field;   /* WI_GUEST_SITE_IMPORT: wasm.import.name */
  const char *export_name;    /* WI_GUEST_SITE_EXPORT: wasm.export.name */
  const char *module_name;    /* the core module's name (wasm.module); "" or NULL: none */
  uint32_t component;         /* which component (definition) holds the module: 0 the
                                 outermost, then depth first in section order */
  bool entry;                 /* an export the component lifts: an entry from outside
                                 the component instance (the host, another component) */
  bool no_return;             /* an import that ends the program (proc_exit, wasi:cli/exit) */
} wi_guest_site;

/* Module A's exports. */
#define WI_GUEST_A_MEMORY "memory"
#define WI_GUEST_A_REALLOC "cabi_realloc"      /* (i32 i32 i32 i32) -> i32 */
#define WI_GUEST_A_SCRATCH_RESET "scratch-reset" /* () -> () */

/* Module B's exports, and its imports by core module name. */
#define WI_GUEST_B_ENTER "enter" /* (param i32) */
#define WI_GUEST_B_EXIT "exit"   /* (param i32) */
#define WI_GUEST_IMPORT_ENV "env" /* memory; scratch-reset (wasi-otel) */
#define WI_GUEST_IMPORT_OTEL_TRACING "wasi:otel/tracing@0.2.0-rc.2" /* on-start, on-end, outer-span-context */
#define WI_GUEST_IMPORT_WALL_CLOCK "wasi:clocks/wall-clock@0.2.0"        /* now */
#define WI_GUEST_IMPORT_MONOTONIC_CLOCK "wasi:clocks/monotonic-clock@0.2.0" /* now */
#define WI_GUEST_IMPORT_RANDOM "wasi:random/random@0.2.0"                /* get-random-u64 */
#define WI_GUEST_IMPORT_OBSERVE_TRACER "wasi:observe/tracer" /* start, [method]span.end,
                                         [method]span.set-status, [resource-drop]span */

/* B's bytes for `link`: static, never freed, *size set. NULL (and *size 0)
 * for a value that is not a wi_guest_link. */
const uint8_t *wi_guest_shim_bytes(wi_guest_link link, size_t *size);

/* The muting rule written into a wasi-otel blob (guest_abi.h): a site is
 * judged from its `after`-th span on (0: never muted) and muted when its
 * spans' mean is under `below_ns`. */
typedef struct {
  uint32_t after;
  uint32_t below_ns;
} wi_guest_muting;

#define WI_GUEST_MUTING_DEFAULT ((wi_guest_muting){WI_GUEST_MUTE_AFTER, WI_GUEST_MUTE_BELOW_NS})

/* The site blob for `sites` (count of them), as it lies at
 * WI_GUEST_BLOB_BASE, in the layout of `link`; each record's flags word holds
 * `component`, `entry` (written for an export only) and `no_return` (for an
 * import only). A wasi-otel blob carries `muting`'s rule for B (the other
 * link's B does not time spans: its blob says 0, never); the statistics it
 * points at lie after the blob (8-aligned), outside it. Returns a malloc'd
 * buffer (free() it) and its size in *size;
 * NULL on allocation failure or an invalid argument (unknown link or site
 * kind, a component past WI_GUEST_MAX_COMPONENT, sites NULL with count > 0, a
 * blob larger than 1 GiB). */
uint8_t *wi_guest_site_blob(wi_guest_link link, const wi_guest_site *sites, size_t count,
                            wi_guest_muting muting, size_t *size);

/* Module A's bytes: exports "memory" (min: the pages up to the scratch area,
 * + 1, no max) holding the site blob at WI_GUEST_BLOB_BASE (one active data
 * segment), then room for the site statistics; "cabi_realloc" (old_ptr,
 * old_size, align, new_size) -> ptr, a bump allocator over the scratch area
 * that starts at the 8-aligned end of the statistics, growing the memory when
 * needed; it copies min(old_size, new_size) bytes when old_ptr != 0 (the
 * canonical ABI does so when it transcodes a string),
 * and traps (unreachable) when the scratch in use would pass
 * WI_GUEST_SCRATCH_CAP bytes, on an alignment that is 0, not a power of two or
 * above WI_GUEST_MAX_ALIGN, or when memory.grow fails; "scratch-reset" () ->
 * () empties the scratch area. Returns a malloc'd buffer (free() it) and its
 * size in *size; NULL as for wi_guest_site_blob. */
uint8_t *wi_guest_memory_module(wi_guest_link link, const wi_guest_site *sites, size_t count,
                                wi_guest_muting muting, size_t *size);

#endif
