/* The open-span stack behind the exported hooks `enter(id)` and `exit(id)`,
 * and its rules (the same for every link):
 *
 * - The first hook call checks the blob; a bad blob makes the shim inert: it
 *   does nothing, ever (it never traps the application).
 * - An id >= site_count is counted (unknown_ids) and ignored, enter and exit.
 * - enter of an entry site (an export its component lifts, WI_GUEST_FLAG_ENTRY)
 *   while an open frame belongs to the same component: the frames from the
 *   lowest such frame up are stale (a trap or a host exception cut through
 *   them: the component model forbids entering an instance that is on the
 *   stack). They are ended with error("unwound") and popped (with the pending
 *   deep enters) before the new span opens. An entry of another component (a
 *   component calling a nested one), and an export that is not an entry (one
 *   core module of the instance calling another's export), nest as any call.
 * - enter of a no-return import (WI_GUEST_FLAG_NO_RETURN: proc_exit,
 *   wasi:cli/exit): its span opens as usual, then every open span ends,
 *   innermost first, with status unset, and the stack is empty (the program
 *   ends inside the call; should it return, its exit is an unmatched exit).
 * - exit(id): the top frame with this id is ended normally, after the frames
 *   above it, which end with error("unwound"). No frame with this id: counted
 *   (unmatched_exits) and ignored.
 * - Past WI_GUEST_MAX_DEPTH open frames, enters open no span: they are counted
 *   (deep_enters), and as many exits as are pending are matched by a counter.
 * - Muting (guest_abi.h, wi_guest_site_stat): the enter of a muted site pushes
 *   a frame that opens no span (its span id zeroed, so that no host reading the
 *   frames takes it for one); its exit, or an unwinding, pops it with no call.
 */
#include "guest.h"

enum { STATE_NEW, STATE_READY, STATE_INERT };

static uint32_t state = STATE_NEW;
static uint32_t depth; /* open frames */
static uint32_t deep;  /* pending enters past WI_GUEST_MAX_DEPTH */
static guest_frame *const frames = (guest_frame *)(uintptr_t)GUEST_FRAMES_BASE;
static uint64_t muted_frames[WI_GUEST_MAX_DEPTH / 64]; /* bit i: frames[i] opened no span */
static wi_guest_site_stat *stats;                       /* NULL: no muting */
/* The rule, read once with the blob: the header lies in memory a host can
 * write, and mute_after must stay at least 1 (the mean divides by spans). */
static uint32_t mute_after, mute_below_ns;
extern char __heap_base; /* wasm-ld: the end of B's stack and static data */

static int ready(void) {
  if (state == STATE_READY) return 1;
  if (state == STATE_INERT) return 0;
  if ((uintptr_t)&__heap_base > GUEST_FRAMES_BASE || !guest_blob_check(guest_link_kind)) {
    state = STATE_INERT;
    return 0;
  }
  state = STATE_READY;
  if (guest_link_times_spans && guest_blob->mute_after) {
    stats = (wi_guest_site_stat *)(uintptr_t)guest_blob->stats_ptr;
    mute_after = guest_blob->mute_after;
    mute_below_ns = guest_blob->mute_below_ns;
  }
  guest_link_init();
  return 1;
}

static uint32_t component_of(const wi_guest_site_record *site) {
  return site->flags >> WI_GUEST_FLAG_COMPONENT_SHIFT;
}

static int frame_muted(uint32_t i) { return (int)(muted_frames[i / 64] >> (i % 64) & 1); }

static void set_frame_muted(uint32_t i, int muted) {
  uint64_t bit = (uint64_t)1 << (i % 64);
  if (muted) muted_frames[i / 64] |= bit;
  else muted_frames[i / 64] &= ~bit;
}

/* The nearest frame below `depth` that opened a span, or -1 (guest.h). */
int32_t guest_span_parent(uint32_t depth) {
  while (depth > 0 && frame_muted(depth - 1)) depth--;
  return (int32_t)depth - 1;
}

/* Whether the enter of `site` at the current depth opens no span (never
 * the outermost frame: it starts the trace). */
static int mutes(uint32_t id) { return stats && depth > 0 && stats[id].muted; }

/* A span of site `id` ended after `ns`: its site is judged from the
 * mute_after-th span on, every 256th (the rule needs no precision). Entries
 * and no-return imports are never muted, so not judged. */
static void count_span(uint32_t id, uint64_t ns) {
  if (guest_sites[id].flags & (WI_GUEST_FLAG_ENTRY | WI_GUEST_FLAG_NO_RETURN)) return;
  wi_guest_site_stat *s = &stats[id];
  s->spans++;
  s->total_ns += ns;
  if (s->spans < mute_after || (s->spans & 255) != 0 || s->muted) return;
  if (s->total_ns / s->spans >= mute_below_ns) return;
  s->muted = 1;
  guest_blob->muted_sites++;
}

/* Pops frames[depth - 1]: ends its span (as unwound, or with status unset),
 * or, muted, only pops it. */
static void pop(int unwound) {
  depth--;
  if (frame_muted(depth)) return;
  uint32_t id = frames[depth].site;
  if (unwound) guest_blob->unwound_spans++;
  uint64_t ns = guest_link_close(frames, depth, &guest_sites[id], unwound);
  if (stats && !unwound) count_span(id, ns);
}

/* Ends and pops the frames above `keep` (frames[keep ..]), innermost first:
 * as unwound, or with status unset. */
static void end_to(uint32_t keep, int unwound) {
  while (depth > keep) pop(unwound);
}

/* An entry into `component`: its own frames, and all above the lowest of
 * them, are stale. */
static void unwind_component(uint32_t component) {
  for (uint32_t i = 0; i < depth; i++) {
    if (component_of(&guest_sites[frames[i].site]) == component) {
      deep = 0;
      end_to(i, 1);
      return;
    }
  }
}

WI_EXPORT("enter") void wi_enter(uint32_t id) {
  if (!ready()) return;
  if (id >= guest_blob->site_count) {
    guest_blob->unknown_ids++;
    return;
  }
  const wi_guest_site_record *site = &guest_sites[id];
  if (site->flags & WI_GUEST_FLAG_ENTRY) unwind_component(component_of(site));
  if (depth == WI_GUEST_MAX_DEPTH) {
    guest_blob->deep_enters++;
    deep++;
  } else {
    int muted = mutes(id);
    frames[depth].site = id;
    set_frame_muted(depth, muted);
    if (muted) {
      memset(frames[depth].span_id, 0, sizeof frames[depth].span_id);
      guest_blob->muted_calls++;
    } else {
      guest_link_open(frames, depth, site);
    }
    depth++;
  }
  if (site->flags & WI_GUEST_FLAG_NO_RETURN) {
    deep = 0;
    end_to(0, 0);
  }
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
  end_to(i, 1);
  pop(0);
}
