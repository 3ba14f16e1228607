/* The contract between the guest shim (core module "B", the C files in runtime-shim/guest/,
 * compiled for wasm32 without libc) and the tool that embeds it in a component
 * (src/guest_shims.c, which generates core module "A" and the site blob).
 * Included by both sides; plain C17, no libc.
 *
 * Memory. A defines the one memory that A and B share (and that the component
 * lowers the WASI functions against). B imports it as `env` `memory` with a
 * minimum of WI_GUEST_MEMORY_PAGES pages; B's static data and its stack lie
 * below WI_GUEST_BLOB_BASE (wasm-ld checks it: B is linked with
 * --initial-memory=WI_GUEST_BLOB_BASE), and B never grows the memory.
 *
 *   0 .. WI_GUEST_BLOB_BASE          B: its stack, then its static data (both placed by
 *                                    wasm-ld, --stack-first), then from a fixed address
 *                                    (WI_GUEST_FRAMES_BASE) its open-span stack and its
 *                                    copy of the current trace's trace-state, kept out
 *                                    of B's data section so that B carries no 17 KB of
 *                                    zeros
 *   WI_GUEST_BLOB_BASE .. blob end   the site blob (A's data segment), read-only but for
 *                                    the counters in its header, which B writes
 *   stats_ptr ..                     the site statistics (after the blob, 8-aligned:
 *                                    site_count wi_guest_site_stat, zero at start, in
 *                                    no data segment), which B writes
 *   align8(stats end) ..             A's scratch area: cabi_realloc bumps through it
 *                                    (at most WI_GUEST_SCRATCH_CAP bytes, growing the
 *                                    memory when needed); B calls scratch-reset when it
 *                                    has copied what the host returned
 *
 * The site blob. Every pointer in it is absolute (an address in the shared
 * memory), every integer is a little-endian u32, every string is UTF-8 (the
 * generator replaces invalid bytes with U+FFFD: the host traps on invalid UTF-8
 * when it lifts a string). Layout:
 *
 *   wi_guest_blob_header   at WI_GUEST_BLOB_BASE
 *   wi_guest_site_record   site_count of them at sites_ptr (8-aligned)
 *   attribute arrays       one per site, each in the canonical-ABI layout of
 *                          list<key-value> of the blob's link (8-aligned)
 *   strings                keys, values, names (deduplicated)
 *
 * Attributes of a site, in this order: code.function.name (display name),
 * wasm.site.kind ("function" | "import" | "export"), wasm.site.id (int: the
 * site's id, its index in the component's wasm-instrument.sites table, so that
 * a host can name the span from the table), wasm.function.index (int), then
 * wasm.import.module and wasm.import.name for an import, or wasm.export.name
 * for an export, then wasm.module (the core module's name) when that name is
 * not empty.
 *
 * key-value of wasi:otel@0.2.0-rc.2 (record { key: string, value: string }):
 *   16 bytes, align 4: key ptr @0, len @4; value ptr @8, len @12. The value is
 *   the JSON encoding of an OpenTelemetry AnyValue: a string is a JSON string
 *   ("\"text\"", escaped), an int its decimal digits.
 * key-value of wasi:observe/tracer (record { key: string, value: variant value }):
 *   24 bytes, align 8: key ptr @0, len @4; discriminant u8 @8 (string 0, bool 1,
 *   float64 2, s64 3, ...); payload @16: a string's ptr, len; an s64 as i64.
 */
#ifndef WI_GUEST_ABI_H
#define WI_GUEST_ABI_H

#include <stdint.h>

#define WI_GUEST_PAGE_SIZE 65536u
/* B's imported memory minimum, in pages. */
#define WI_GUEST_MEMORY_PAGES 1u
/* Where the site blob starts (A's data segment). */
#define WI_GUEST_BLOB_BASE (WI_GUEST_MEMORY_PAGES * WI_GUEST_PAGE_SIZE)

#define WI_GUEST_BLOB_MAGIC 0x42474957u /* "WIGB" in memory order */
#define WI_GUEST_BLOB_VERSION 3u

/* wi_guest_blob_header.link: which interface B talks to, and so the layout of
 * the attribute arrays. B refuses (stays inert) a blob made for the other. */
#define WI_GUEST_BLOB_LINK_OTEL 1u    /* wasi:otel/tracing@0.2.0-rc.2 */
#define WI_GUEST_BLOB_LINK_OBSERVE 2u /* wasi:observe/tracer */

/* wi_guest_site_record.kind */
#define WI_GUEST_KIND_FUNCTION 0u
#define WI_GUEST_KIND_IMPORT 1u
#define WI_GUEST_KIND_EXPORT 2u

/* wi_guest_site_record.flags: what B's rules need to know of a site.
 *   bit 0      WI_GUEST_FLAG_ENTRY: an export that its component lifts (canon lift):
 *              the host or another component enters the component through it. Only
 *              on export sites. An export that is not an entry (a core module of the
 *              instance calling another's export, e.g. the WASI adapter calling the
 *              main module's _start) is a function like any other to B.
 *   bit 1      WI_GUEST_FLAG_NO_RETURN: an import that ends the program and never
 *              returns (wasi_snapshot_preview1 proc_exit, wasi:cli/exit). Only on
 *              import sites.
 *   bits 2..7  0
 *   bits 8..31 the component (definition) that holds the site's core module: 0 the
 *              outermost, then depth first in section order (at most
 *              WI_GUEST_MAX_COMPONENT). Sites of one component share one instance of
 *              it as far as B can tell. */
#define WI_GUEST_FLAG_ENTRY 1u
#define WI_GUEST_FLAG_NO_RETURN 2u
#define WI_GUEST_FLAG_RESERVED 0xfcu
#define WI_GUEST_FLAG_COMPONENT_SHIFT 8u
#define WI_GUEST_MAX_COMPONENT 0xffffffu

/* Open spans B keeps at once. Deeper enters open no span: they are counted
 * (deep_enters) and their exits are matched by a counter. */
#define WI_GUEST_MAX_DEPTH 512u

/* wasi-otel: the outer span context's trace-state that B passes on to the spans
 * of a trace it joins (W3C Trace Context's limits: 32 list members, 512
 * characters in the header form "k1=v1,k2=v2"). A longer one is dropped whole
 * (counted in dropped_trace_states). B keeps its copy above the frames, in
 * WI_GUEST_TRACE_STATE_SIZE bytes: the list<tuple<string, string>> (16 bytes an
 * entry), then the strings' bytes. */
#define WI_GUEST_TRACE_STATE_MAX_ENTRIES 32u
#define WI_GUEST_TRACE_STATE_MAX_CHARS 512u
#define WI_GUEST_TRACE_STATE_SIZE 1024u

/* B's open-span stack, part of this contract so that a host or a debugger can
 * read it (the Node host does, to name the spans that a trap cut through: no
 * on-end ever comes for them): at WI_GUEST_FRAMES_BASE,
 * frame i (0 the outermost) of the open spans, WI_GUEST_FRAME_SIZE bytes each,
 * holds the span's site id (u32) at WI_GUEST_FRAME_SITE and, with wasi-otel,
 * its span id (16 lowercase hex digits, as on-start gave it) at
 * WI_GUEST_FRAME_SPAN_ID. A muted site's frame (no span) takes a slot too,
 * its span id zeroed, so the i-th span a host saw start may lie higher up;
 * frames at and past the current depth hold what earlier spans left there:
 * match the span id. Above the frames: B's copy of
 * the trace-state (WI_GUEST_TRACE_STATE_SIZE bytes), then the blob. */
#define WI_GUEST_FRAME_SIZE 32u
#define WI_GUEST_FRAME_SITE 0u
#define WI_GUEST_FRAME_SPAN_ID 16u
#define WI_GUEST_FRAMES_BASE \
  (WI_GUEST_BLOB_BASE - WI_GUEST_MAX_DEPTH * WI_GUEST_FRAME_SIZE - WI_GUEST_TRACE_STATE_SIZE)

/* A's scratch area: cabi_realloc hands out at most this many bytes between two
 * scratch-resets (it traps past it: a host that returns megabytes of span
 * context is broken). Allocations are bump-allocated from align8(end of the
 * site statistics). */
#define WI_GUEST_SCRATCH_CAP (1u << 20)
/* Largest alignment cabi_realloc accepts (it traps on a larger one, on 0 and
 * on one that is not a power of two). */
#define WI_GUEST_MAX_ALIGN 4096u

/* Sizes and alignments of the key-value records (see above). */
#define WI_GUEST_OTEL_KV_SIZE 16u
#define WI_GUEST_OTEL_KV_ALIGN 4u
#define WI_GUEST_OBSERVE_KV_SIZE 24u
#define WI_GUEST_OBSERVE_KV_ALIGN 8u
/* wasi:observe/tracer `value` discriminants used by the blob. */
#define WI_GUEST_OBSERVE_VALUE_STRING 0u
#define WI_GUEST_OBSERVE_VALUE_S64 3u

/* At WI_GUEST_BLOB_BASE. The generator writes the counters as 0; B counts in
 * them (wrapping), so a host or a debugger can read them at fixed addresses. */
typedef struct {
  uint32_t magic;             /* WI_GUEST_BLOB_MAGIC */
  uint32_t version;           /* WI_GUEST_BLOB_VERSION */
  uint32_t link;              /* WI_GUEST_BLOB_LINK_* */
  uint32_t site_count;        /* ids 0 .. site_count-1 */
  uint32_t sites_ptr;         /* site_count wi_guest_site_record */
  uint32_t scope_name_ptr;    /* instrumentation scope name: "wasm-instrument" */
  uint32_t scope_name_len;
  uint32_t scope_version_ptr; /* instrumentation scope version: the tool's version */
  uint32_t scope_version_len;
  uint32_t end;               /* first byte after the blob */
  /* Counters, written by B. */
  uint32_t unknown_ids;     /* enters and exits with id >= site_count */
  uint32_t unmatched_exits; /* exits whose id no open frame has */
  uint32_t deep_enters;     /* enters past WI_GUEST_MAX_DEPTH (no span) */
  uint32_t unwound_spans;   /* spans ended with status error("unwound") */
  uint32_t dropped_trace_states; /* wasi-otel: outer trace-states not passed on (past
                                    the bound, or not inside the memory) */
  /* Muting (version 3; see wi_guest_site_stat), written by the generator. */
  uint32_t stats_ptr;       /* site_count wi_guest_site_stat, 8-aligned, at or after end */
  uint32_t mute_after;      /* a site is judged from this many spans on; 0: never muted */
  uint32_t mute_below_ns;   /* ... and muted when its mean span is shorter */
  /* Counters, written by B. */
  uint32_t muted_sites;     /* sites muted */
  uint32_t muted_calls;     /* enters of muted sites: no span, no host call */
  uint32_t reserved;        /* 0 */
} wi_guest_blob_header;

#define WI_GUEST_BLOB_HEADER_SIZE 84u
/* Offsets of the counters, for readers that do not use the struct. */
#define WI_GUEST_BLOB_UNKNOWN_IDS 40u
#define WI_GUEST_BLOB_UNMATCHED_EXITS 44u
#define WI_GUEST_BLOB_DEEP_ENTERS 48u
#define WI_GUEST_BLOB_UNWOUND_SPANS 52u
#define WI_GUEST_BLOB_DROPPED_TRACE_STATES 56u
#define WI_GUEST_BLOB_MUTED_SITES 72u
#define WI_GUEST_BLOB_MUTED_CALLS 76u

/* Muting, as the host recorders do it (WO_DEFAULT_MUTE_AFTER and _BELOW_NS in
 * wasm_observe.h): a site whose spans, from the mute_after-th on (checked every
 * 256th), average under mute_below_ns is muted for good: its enters and exits
 * still keep B's stack right, but open no span and call no host function (no
 * clock read either). Entries, no-return imports and the outermost frame are
 * never muted; a muted frame's children get the nearest open span as their
 * parent. Only links that time their spans mute (wasi-otel); the generator
 * writes mute_after 0 for the others. B keeps one record a site: */
typedef struct {
  uint32_t spans;    /* spans ended (wrapping: judged once mute_after is reached) */
  uint32_t muted;    /* 1 once muted */
  uint64_t total_ns; /* their summed durations */
} wi_guest_site_stat;

#define WI_GUEST_SITE_STAT_SIZE 16u
#define WI_GUEST_MUTE_AFTER 1000u
#define WI_GUEST_MUTE_BELOW_NS 1000u

typedef struct {
  uint32_t kind;        /* WI_GUEST_KIND_* */
  uint32_t name_ptr;    /* display name: the span's name */
  uint32_t name_len;
  uint32_t attrs_ptr;   /* the site's list<key-value>, in the link's layout */
  uint32_t attrs_count;
  uint32_t flags;       /* WI_GUEST_FLAG_*, and the component in bits 8..31 */
} wi_guest_site_record;

#define WI_GUEST_SITE_RECORD_SIZE 24u

_Static_assert(sizeof(wi_guest_blob_header) == WI_GUEST_BLOB_HEADER_SIZE, "blob header layout");
_Static_assert(sizeof(wi_guest_site_record) == WI_GUEST_SITE_RECORD_SIZE, "site record layout");
_Static_assert(sizeof(wi_guest_site_stat) == WI_GUEST_SITE_STAT_SIZE, "site stat layout");

#endif
