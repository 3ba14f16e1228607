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

bool wi_read_s33_index(wi_reader *r, uint32_t *out) {
  uint64_t value = 0;
  unsigned shift = 0;
  for (unsigned i = 0; i < 5; i++) {
    uint8_t byte;
    if (!wi_read_u8(r, &byte)) return false;
    value |= (uint64_t)(byte & 0x7f) << shift;
    shift += 7;
    if ((byte & 0x80) == 0) {
      bool negative = (byte & 0x40) != 0;
      if (negative || value > UINT32_MAX) return fail(r);
      *out = (uint32_t)value;
      return true;
    }
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

bool wi_next_section(wi_reader *r, wi_section *out) {
  uint32_t size;
  out->start = r->pos;
  if (!wi_read_u8(r, &out->id) || !wi_read_u32(r, &size)) return false;
  if (size > wi_reader_left(r)) return fail(r);
  out->payload = wi_reader_make(r->data, r->pos + size);
  out->payload.pos = r->pos;
  r->pos += size;
  return true;
}

bool wi_skip_ref_type(wi_reader *r) {
  uint8_t code;
  if (!wi_read_u8(r, &code)) return false;
  if (code == 0x63 || code == 0x64) return wi_skip_sleb(r, 33);
  return true;
}

bool wi_skip_limits(wi_reader *r) {
  uint8_t flags;
  if (!wi_read_u8(r, &flags)) return false;
  unsigned bits = (flags & 0x04) ? 64 : 32;
  if (!wi_skip_sleb(r, bits)) return false;
  if ((flags & 0x01) && !wi_skip_sleb(r, bits)) return false;
  if (flags & 0x08) return wi_skip_sleb(r, 32); /* custom-page-sizes: the page size's log2 */
  return true;
}

bool wi_read_import(wi_reader *r, wi_import *out) {
  uint8_t byte;
  out->type_index = 0;
  if (!wi_read_name(r, &out->module, &out->module_len) ||
      !wi_read_name(r, &out->field, &out->field_len) || !wi_read_u8(r, &out->kind))
    return false;
  switch (out->kind) {
    case WI_IMPORT_FUNC: return wi_read_u32(r, &out->type_index);
    case WI_IMPORT_TABLE: return wi_skip_ref_type(r) && wi_skip_limits(r);
    case WI_IMPORT_MEMORY: return wi_skip_limits(r);
    case WI_IMPORT_GLOBAL: return wi_skip_ref_type(r) && wi_read_u8(r, &byte);
    case WI_IMPORT_TAG: return wi_read_u8(r, &byte) && wi_read_u32(r, &out->type_index);
  }
  return fail(r);
}
