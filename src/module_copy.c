#include "module_copy.h"

enum { HEADER_SIZE = 8 }; /* magic and version, copied as they are */

bool wi_copy_module(wi_writer *w, const uint8_t *binary, size_t size, wi_section_fn rewrite,
                    void *ctx) {
  if (size < HEADER_SIZE) return false;
  wi_put_bytes(w, binary, HEADER_SIZE);
  wi_reader r = wi_reader_make(binary, size);
  wi_skip(&r, HEADER_SIZE);
  while (wi_reader_left(&r) > 0) {
    wi_section section;
    if (!wi_next_section(&r, &section)) return false;
    wi_section_action action = rewrite(ctx, &section, w);
    if (action == WI_SECTION_MALFORMED) return false;
    if (action == WI_SECTION_COPY) wi_put_bytes(w, binary + section.start, r.pos - section.start);
  }
  return true;
}
