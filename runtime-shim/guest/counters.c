/* The shim's counters (guest_abi.h, wi_guest_blob_header) as attributes of
 * root spans: the one way they reach a host's telemetry (no host reads them
 * in B's memory). Each root carries those that are not 0, as counted so far by
 * this instance (wasi-otel: when the root ends; wasi-observe, whose
 * attributes go with start: when it starts). */
#include "guest.h"

#define COUNTER(name, field) {"wasm.shim." name, sizeof "wasm.shim." name - 1, offsetof(wi_guest_blob_header, field)}

static const struct {
  const char *key;
  uint32_t key_len;
  uint32_t offset; /* in the blob header */
} counters[GUEST_COUNTERS] = {
    COUNTER("unknown_ids", unknown_ids),
    COUNTER("unmatched_exits", unmatched_exits),
    COUNTER("deep_enters", deep_enters),
    COUNTER("unwound_spans", unwound_spans),
    COUNTER("dropped_trace_states", dropped_trace_states),
    COUNTER("muted_sites", muted_sites),
    COUNTER("muted_calls", muted_calls),
};

/* The counters that are not 0, in the header's order; returns how many. */
static uint32_t counters_nonzero(guest_counter out[GUEST_COUNTERS]) {
  const char *header = (const char *)guest_blob;
  uint32_t n = 0;
  for (uint32_t i = 0; i < GUEST_COUNTERS; i++) {
    uint32_t value;
    memcpy(&value, header + counters[i].offset, sizeof value);
    if (value == 0) continue;
    out[n++] = (guest_counter){counters[i].key, counters[i].key_len, value};
  }
  return n;
}

uint32_t guest_root_counters(uint32_t depth, const wi_guest_site_record *site, void *copy,
                             uint32_t kv_size, guest_counter out[GUEST_COUNTERS]) {
  if (depth != 0 || site->attrs_count > GUEST_MAX_SITE_ATTRS) return 0;
  uint32_t n = counters_nonzero(out);
  if (n != 0) memcpy(copy, (const void *)(uintptr_t)site->attrs_ptr, site->attrs_count * kv_size);
  return n;
}

uint32_t guest_decimal(char out[10], uint32_t value) {
  char digits[10];
  uint32_t n = 0;
  do digits[n++] = (char)('0' + value % 10);
  while ((value /= 10) != 0);
  for (uint32_t i = 0; i < n; i++) out[i] = digits[n - 1 - i];
  return n;
}
