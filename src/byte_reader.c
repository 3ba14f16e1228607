#include "byte_reader.h"

wi_reader wi_reader_make(const uint8_t *data, size_t size) {
  wi_reader r = {data, size, 0, true};
  return r;
}

static bool fail(wi_reader *r) {
  r->ok = false;
  return false;
}

size_t wi_reader_left(const wi_reader *r) { return r->size - r->pos; }

bool wi_read_u8(wi_reader *r, uint8_t *out) {
  if (!r->ok || r->pos >= r->size) return fail(r);
  *out = r->data[r->pos++];
  return true;
}

bool wi_read_u32(wi_reader *r, uint32_t *out) {
  uint32_t value = 0;
  for (unsigned i = 0; i < 5; i++) {
    uint8_t byte;
    if (!wi_read_u8(r, &byte)) return false;
    if (i == 4 && (byte & 0xf0) != 0) return fail(r); /* more than 32 bits */
    value |= (uint32_t)(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      *out = value;
      return true;
    }
  }
  return fail(r);
}

bool wi_skip_sleb(wi_reader *r, unsigned bits) {
  unsigned max_bytes = (bits + 6) / 7;
  for (unsigned i = 0; i < max_bytes; i++) {
    uint8_t byte;
    if (!wi_read_u8(r, &byte)) return false;
    if ((byte & 0x80) == 0) return true;
  }
  return fail(r);
}

bool wi_skip(wi_reader *r, size_t n) {
  if (!r->ok || n > wi_reader_left(r)) return fail(r);
  r->pos += n;
  return true;
}

bool wi_read_name(wi_reader *r, const uint8_t **out, uint32_t *len) {
  if (!wi_read_u32(r, len)) return false;
  if (*len > wi_reader_left(r)) return fail(r);
  *out = r->data + r->pos;
  r->pos += *len;
  return true;
}

size_t wi_encode_u32(uint8_t *buf, uint32_t v) {
  size_t n = 0;
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    if (v != 0) byte |= 0x80;
    buf[n++] = byte;
  } while (v != 0);
  return n;
}
