/* The open-span stack behind the exported hooks `enter(id)` and `exit(id)`,
 * and its rules (the same for every link):
 *
 * - The first hook call checks the blob; a bad blob makes the shim inert: it
 *   does nothing, ever (it never traps the application).
 * - An id >= site_count is counted (unknown_ids) and ignored, enter and exit.
 * - enter of an export site while frames are open and the top one is not an
 *   import call: those frames are stale (a trap or a host exception cut
 *   through them, or a call never returned). They are ended with
 *   error("unwound") and popped before the new span opens, as a root.
 * - exit(id): the top frame with this id is ended normally, after the frames
 *   above it, which end with error("unwound"). No frame with this id: counted
 *   (unmatched_exits) and ignored.
 * - Past WI_GUEST_MAX_DEPTH open frames, enters open no span: they are counted
 *   (deep_enters), and as many exits as are pending are matched by a counter.
 */
#include "guest.h"

enum { STATE_NEW, STATE_READY, STATE_INERT };

static uint32_t state = STATE_NEW;
static uint32_t depth; /* open frames */
static uint32_t deep;  /* pending enters past WI_GUEST_MAX_DEPTH */
static guest_frame *const frames = (guest_frame *)(uintptr_t)GUEST_FRAMES_BASE;
/* Bit i: the (i+1)-th pending deep enter was an import call. */
static uint8_t *const deep_is_import =
    (uint8_t *)(uintptr_t)(GUEST_FRAMES_BASE + WI_GUEST_MAX_DEPTH * sizeof(guest_frame));
extern char __heap_base; /* wasm-ld: the end of B's stack and static data */

static int ready(void) {
  if (state == STATE_READY) return 1;
  if (state == STATE_INERT) return 0;
  if ((uintptr_t)&__heap_base > GUEST_FRAMES_BASE || !guest_blob_check(guest_link_kind)) {
    state = STATE_INERT;
    return 0;
  }
  state = STATE_READY;
  guest_link_init();
  return 1;
}

static int top_is_import(void) {
  if (deep > 0) {
    uint32_t i = deep - 1;
    return i < WI_GUEST_DEEP_KIND_BITS && (deep_is_import[i / 8] >> (i % 8) & 1);
  }
  return guest_sites[frames[depth - 1].site].kind == WI_GUEST_KIND_IMPORT;
}

/* Ends and pops the frames above `keep` (frames[keep ..]) as unwound. */
static void unwind_to(uint32_t keep) {
  while (depth > keep) {
    depth--;
    guest_blob->unwound_spans++;
    guest_link_close(frames, depth, &guest_sites[frames[depth].site], 1);
  }
}

WI_EXPORT("enter") void wi_enter(uint32_t id) {
  if (!ready()) return;
  if (id >= guest_blob->site_count) {
    guest_blob->unknown_ids++;
    return;
  }
  const wi_guest_site_record *site = &guest_sites[id];
  if (site->kind == WI_GUEST_KIND_EXPORT && (depth > 0 || deep > 0) && !top_is_import()) {
    deep = 0;
    unwind_to(0);
  }
  if (depth == WI_GUEST_MAX_DEPTH) {
    guest_blob->deep_enters++;
    if (deep < WI_GUEST_DEEP_KIND_BITS) {
      uint8_t bit = (uint8_t)(1u << (deep % 8));
      if (site->kind == WI_GUEST_KIND_IMPORT)
        deep_is_import[deep / 8] |= bit;
      else
        deep_is_import[deep / 8] &= (uint8_t)~bit;
    }
    deep++;
    return;
  }
  frames[depth].site = id;
  guest_link_open(frames, depth, site);
  depth++;
}

WI_EXPORT("exit") void wi_exit(uint32_t id) {
  if (!ready()) return;
  if (id >= guest_blob->site_count) {
    guest_blob->unknown_ids++;
    return;
  }
  if (deep > 0) {
    deep--;
    return;
  }
  uint32_t i = depth;
  while (i > 0 && frames[i - 1].site != id) i--;
  if (i == 0) {
    guest_blob->unmatched_exits++;
    return;
  }
  unwind_to(i);
  depth--;
  guest_link_close(frames, depth, &guest_sites[id], 0);
}
