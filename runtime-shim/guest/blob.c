/* The site blob at WI_GUEST_BLOB_BASE (guest_abi.h): checked once, at the
 * first hook call. A blob that is not whole (or not of this version, or has
 * site flags that make no sense) makes the shim inert for good. */
#include "guest.h"

wi_guest_blob_header *guest_blob;
const wi_guest_site_record *guest_sites;

/* 1 when [ptr, ptr + count * size) lies in [lo, hi) without overflow. */
static int inside(uint32_t ptr, uint32_t count, uint32_t size, uint32_t lo, uint32_t hi) {
  if (ptr < lo || ptr > hi) return 0;
  if (count != 0 && (hi - ptr) / count < size) return 0;
  return 1;
}

int guest_blob_check(uint32_t link) {
  uint64_t memory_bytes = (uint64_t)__builtin_wasm_memory_size(0) * WI_GUEST_PAGE_SIZE;
  if (memory_bytes < (uint64_t)WI_GUEST_BLOB_BASE + WI_GUEST_BLOB_HEADER_SIZE) return 0;
  const wi_guest_blob_header *h = (const wi_guest_blob_header *)(uintptr_t)WI_GUEST_BLOB_BASE;
  if (h->magic != WI_GUEST_BLOB_MAGIC || h->version != WI_GUEST_BLOB_VERSION || h->link != link)
    return 0;
  uint32_t lo = WI_GUEST_BLOB_BASE, hi = h->end;
  if (hi < lo + WI_GUEST_BLOB_HEADER_SIZE || hi > memory_bytes) return 0;
  if (h->sites_ptr % 8 != 0 ||
      !inside(h->sites_ptr, h->site_count, WI_GUEST_SITE_RECORD_SIZE, lo, hi))
    return 0;
  if (!inside(h->scope_name_ptr, h->scope_name_len, 1, lo, hi) ||
      !inside(h->scope_version_ptr, h->scope_version_len, 1, lo, hi))
    return 0;
  /* the statistics: after the blob, inside the memory (B writes them) */
  if (h->reserved != 0 || h->stats_ptr % 8 != 0 || h->stats_ptr < hi ||
      h->stats_ptr > memory_bytes ||
      !inside(h->stats_ptr, h->site_count, WI_GUEST_SITE_STAT_SIZE, h->stats_ptr,
              (uint32_t)(memory_bytes > UINT32_MAX ? UINT32_MAX : memory_bytes)))
    return 0;
  uint32_t kv_size = link == WI_GUEST_BLOB_LINK_OTEL ? WI_GUEST_OTEL_KV_SIZE : WI_GUEST_OBSERVE_KV_SIZE;
  uint32_t kv_align = link == WI_GUEST_BLOB_LINK_OTEL ? WI_GUEST_OTEL_KV_ALIGN : WI_GUEST_OBSERVE_KV_ALIGN;
  const wi_guest_site_record *sites = (const wi_guest_site_record *)(uintptr_t)h->sites_ptr;
  for (uint32_t i = 0; i < h->site_count; i++) {
    const wi_guest_site_record *s = &sites[i];
    if (s->kind > WI_GUEST_KIND_EXPORT || !inside(s->name_ptr, s->name_len, 1, lo, hi) ||
        s->attrs_ptr % kv_align != 0 || !inside(s->attrs_ptr, s->attrs_count, kv_size, lo, hi))
      return 0;
    /* flags: no reserved bit; entry only on an export, no-return only on an import */
    if ((s->flags & WI_GUEST_FLAG_RESERVED) ||
        ((s->flags & WI_GUEST_FLAG_ENTRY) && s->kind != WI_GUEST_KIND_EXPORT) ||
        ((s->flags & WI_GUEST_FLAG_NO_RETURN) && s->kind != WI_GUEST_KIND_IMPORT))
      return 0;
  }
  guest_blob = (wi_guest_blob_header *)(uintptr_t)WI_GUEST_BLOB_BASE;
  guest_sites = sites;
  return 1;
}
