/* Internal declarations shared by the guest shim's sources (core module B,
 * wasm32, no libc). Each B variant links blob.c, span_stack.c, counters.c,
 * guest_libc.c and one link_*.c (plus trace_ids.c for wasi-otel). */
#ifndef WI_GUEST_H
#define WI_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "guest_abi.h"

#define WI_IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#define WI_EXPORT(name) __attribute__((export_name(name)))

/* One open span. The link fills `handle` (wasi-observe) or `span_id` and
 * `start_ns` (wasi-otel) in guest_link_open. */
typedef struct {
  uint32_t site;        /* the site id */
  uint32_t handle;      /* wasi-observe: the span resource's handle */
  uint64_t start_ns;    /* wasi-otel: start time, epoch nanoseconds */
  char span_id[16];     /* wasi-otel: lowercase hex */
} guest_frame;

/* Where B keeps its open-span stack (guest_abi.h: WI_GUEST_FRAMES_BASE, its
 * layout part of the contract) and, above it, its copy of the current trace's
 * trace-state (link_otel.c): the top of B's part of the memory, not in B's data
 * section (wasm-ld writes an imported memory's zero-initialised data out as
 * zeros). B's own stack and static data must end below it: span_stack.c checks
 * __heap_base at the first hook call. */
#define GUEST_FRAMES_BASE WI_GUEST_FRAMES_BASE
#define GUEST_TRACE_STATE_BASE (WI_GUEST_FRAMES_BASE + WI_GUEST_MAX_DEPTH * WI_GUEST_FRAME_SIZE)
_Static_assert(GUEST_TRACE_STATE_BASE + WI_GUEST_TRACE_STATE_SIZE == WI_GUEST_BLOB_BASE,
               "the trace-state copy ends where the blob starts");
_Static_assert(sizeof(guest_frame) == WI_GUEST_FRAME_SIZE, "frame size");
_Static_assert(offsetof(guest_frame, site) == WI_GUEST_FRAME_SITE, "frame site");
_Static_assert(offsetof(guest_frame, span_id) == WI_GUEST_FRAME_SPAN_ID, "frame span id");

/* blob.c: the site blob, checked once. */
/* 1 when the blob at WI_GUEST_BLOB_BASE is whole and was made for `link`
 * (magic, version, link, every site record and attribute array inside the
 * blob, the blob inside the memory); 0 otherwise. */
int guest_blob_check(uint32_t link);
/* Valid after guest_blob_check returned 1. */
extern wi_guest_blob_header *guest_blob;
extern const wi_guest_site_record *guest_sites;

/* The link (link_otel.c or link_observe.c). */
/* Which blob this B accepts (WI_GUEST_BLOB_LINK_*). */
extern const uint32_t guest_link_kind;
/* Called once, after the blob was accepted. */
void guest_link_init(void);
/* Opens the span of `frames[depth]` (frames[0 .. depth-1] are its open
 * ancestors; depth 0 is a root). */
void guest_link_open(guest_frame *frames, uint32_t depth, const wi_guest_site_record *site);
/* Ends the span of `frames[depth]`, with status unset, or error("unwound")
 * when `unwound`. Returns its duration in ns (0 if the link does not time
 * spans). The span's parent is frames[guest_span_parent(depth)], none if -1. */
uint64_t guest_link_close(guest_frame *frames, uint32_t depth, const wi_guest_site_record *site,
                          int unwound);
/* Whether the link times its spans (and so whether B may mute sites). */
extern const uint32_t guest_link_times_spans;

/* span_stack.c: the nearest frame below `depth` that opened a span (muted
 * frames open none), or -1. */
int32_t guest_span_parent(uint32_t depth);

/* counters.c: the blob's counters as attributes of a root span. A root gets
 * those that are not 0 after its site's attributes, when the site has at most
 * GUEST_MAX_SITE_ATTRS (the generator writes 7 at most); else only its own. */
#define GUEST_COUNTERS 7
#define GUEST_MAX_SITE_ATTRS 16
typedef struct {
  const char *key; /* "wasm.shim.muted_calls", ...: a static string */
  uint32_t key_len;
  uint32_t value;
} guest_counter;
/* For the span of `site` at `depth`: when it is a root that gets counters,
 * copies the site's attributes (attrs_count records of kv_size bytes) to
 * `copy`, fills `out` with the counters that are not 0, in the header's order,
 * and returns how many; else returns 0 (the span keeps its site's attributes
 * as they are). The link appends the counters in its own layout. */
uint32_t guest_root_counters(uint32_t depth, const wi_guest_site_record *site, void *copy,
                             uint32_t kv_size, guest_counter out[GUEST_COUNTERS]);
/* `value` in decimal digits into out (no NUL); returns how many (1 to 10). */
uint32_t guest_decimal(char out[10], uint32_t value);

/* The status message of a span that a trap, a host exception or an
 * out-of-order exit cut through. */
#define GUEST_UNWOUND_MESSAGE "unwound"

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memset(void *dst, int c, size_t n);

#endif
