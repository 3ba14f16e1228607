/* The guest shim's link to wasi:observe/tracer (the unversioned package, core
 * module `wasi:observe/tracer`): each span is start(name, options) -> span
 * when it opens, and [method]span.end(none) then [resource-drop]span when it
 * ends; an unwound one gets [method]span.set-status(error("unwound")) first.
 * Ids, times and nesting are the host's (its current-span context). */
#include "guest.h"

#define TRACER "wasi:observe/tracer"

/* start(name: string, options: option<start-options>) -> span, flattened:
 * name ptr, len; option present; new-root; span-kind present, enum;
 * attributes present, ptr, len; links present, ptr, len; timestamp present,
 * seconds, nanoseconds. */
WI_IMPORT(TRACER, "start")
uint32_t tracer_start(uint32_t name_ptr, uint32_t name_len, uint32_t options_present,
                      uint32_t new_root, uint32_t kind_present, uint32_t kind,
                      uint32_t attributes_present, uint32_t attributes_ptr,
                      uint32_t attributes_len, uint32_t links_present, uint32_t links_ptr,
                      uint32_t links_len, uint32_t timestamp_present, uint64_t seconds,
                      uint32_t nanoseconds);
/* end(self, timestamp: option<datetime>) */
WI_IMPORT(TRACER, "[method]span.end")
void span_end(uint32_t span, uint32_t timestamp_present, uint64_t seconds, uint32_t nanoseconds);
/* set-status(self, status: variant { unset, ok, error(string) }) */
WI_IMPORT(TRACER, "[method]span.set-status")
void span_set_status(uint32_t span, uint32_t discriminant, const char *message, uint32_t len);
WI_IMPORT(TRACER, "[resource-drop]span") void span_drop(uint32_t span);

const uint32_t guest_link_kind = WI_GUEST_BLOB_LINK_OBSERVE;
/* the host times the spans: B has no clock, and mutes nothing */
const uint32_t guest_link_times_spans = 0;

static const char unwound_message[] = GUEST_UNWOUND_MESSAGE;

/* key-value: key (string), value (variant: tag, then an s64 at 8) */
typedef struct {
  uint32_t key_ptr, key_len;
  uint8_t tag;
  int64_t s64;
} observe_key_value;
_Static_assert(sizeof(observe_key_value) == WI_GUEST_OBSERVE_KV_SIZE &&
                   _Alignof(observe_key_value) == WI_GUEST_OBSERVE_KV_ALIGN,
               "key-value");
/* A root's attributes: its site's, then the counters (counters.c). */
static observe_key_value root_attributes[GUEST_MAX_SITE_ATTRS + GUEST_COUNTERS];

/* The attributes of the span of `site` at `depth`: the site's, and for a
 * root the counters that are not 0 so far. Sets *ptr and *len. */
static void attributes_of(uint32_t depth, const wi_guest_site_record *site, uint32_t *ptr,
                          uint32_t *len) {
  guest_counter counters[GUEST_COUNTERS];
  uint32_t n = guest_root_counters(depth, site, root_attributes, sizeof *root_attributes, counters);
  *ptr = site->attrs_ptr;
  *len = site->attrs_count;
  if (n == 0) return;
  for (uint32_t i = 0; i < n; i++)
    root_attributes[site->attrs_count + i] =
        (observe_key_value){(uint32_t)(uintptr_t)counters[i].key, counters[i].key_len,
                            WI_GUEST_OBSERVE_VALUE_S64, counters[i].value};
  *ptr = (uint32_t)(uintptr_t)root_attributes;
  *len = site->attrs_count + n;
}

void guest_link_init(void) {}

static uint32_t span_kind_of(uint32_t site_kind) {
  switch (site_kind) {
  case WI_GUEST_KIND_IMPORT: return 0; /* client */
  case WI_GUEST_KIND_EXPORT: return 1; /* server */
  default: return 4;                   /* internal */
  }
}

void guest_link_open(guest_frame *frames, uint32_t depth, const wi_guest_site_record *site) {
  uint32_t attrs_ptr, attrs_len;
  attributes_of(depth, site, &attrs_ptr, &attrs_len);
  frames[depth].handle = tracer_start(site->name_ptr, site->name_len, 1, 0, 1,
                                      span_kind_of(site->kind), 1, attrs_ptr, attrs_len, 0, 0,
                                      0, 0, 0, 0);
}

uint64_t guest_link_close(guest_frame *frames, uint32_t depth, const wi_guest_site_record *site,
                          int unwound) {
  (void)site;
  uint32_t span = frames[depth].handle;
  if (unwound) span_set_status(span, 2, unwound_message, sizeof unwound_message - 1);
  span_end(span, 0, 0, 0);
  span_drop(span);
  return 0;
}
