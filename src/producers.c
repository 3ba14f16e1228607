#include "producers.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "byte_reader.h"
#include "byte_writer.h"
#include "version.h"

#define SELF_NAME "wasm-instrument"
#define PROCESSED_BY "processed-by"

static bool is(const uint8_t *name, uint32_t len, const char *text) {
  return len == strlen(text) && memcmp(name, text, len) == 0;
}

/* Copies the old fields, adding our value to processed-by (or that field). */
static bool copy_with_self(wi_reader *r, wi_writer *b) {
  uint32_t field_count;
  if (!wi_read_u32(r, &field_count)) return false;
  bool have_processed_by = false;
  /* The field count may grow by one; it is written after the fields. */
  wi_writer fields = {0};
  for (uint32_t i = 0; i < field_count; i++) {
    const uint8_t *field;
    uint32_t field_len, value_count;
    if (!wi_read_name(r, &field, &field_len) || !wi_read_u32(r, &value_count)) break;
    bool processed_by = is(field, field_len, PROCESSED_BY);
    uint32_t self_entries = 0;
    wi_writer values = {0};
    for (uint32_t j = 0; j < value_count; j++) {
      const uint8_t *name, *version;
      uint32_t name_len, version_len;
      if (!wi_read_name(r, &name, &name_len) || !wi_read_name(r, &version, &version_len)) break;
      if (processed_by && is(name, name_len, SELF_NAME)) {
        self_entries++; /* replaced below by one entry with the current version */
        continue;
      }
      wi_put_name(&values, name, name_len);
      wi_put_name(&values, version, version_len);
    }
    uint32_t written = value_count - self_entries;
    if (processed_by) {
      have_processed_by = true;
      wi_put_name(&values, SELF_NAME, strlen(SELF_NAME));
      wi_put_name(&values, WI_VERSION, strlen(WI_VERSION));
      written++;
    }
    wi_put_name(&fields, field, field_len);
    wi_put_u32(&fields, written);
    wi_put_bytes(&fields, values.data, values.size);
    fields.failed |= values.failed;
    free(values.data);
  }
  bool ok = r->ok && wi_reader_left(r) == 0;
  if (ok) {
    if (!have_processed_by) {
      wi_put_name(&fields, PROCESSED_BY, strlen(PROCESSED_BY));
      wi_put_u32(&fields, 1);
      wi_put_name(&fields, SELF_NAME, strlen(SELF_NAME));
      wi_put_name(&fields, WI_VERSION, strlen(WI_VERSION));
    }
    wi_put_u32(b, field_count + (have_processed_by ? 0 : 1));
    wi_put_bytes(b, fields.data, fields.size);
    b->failed |= fields.failed;
  }
  free(fields.data);
  return ok;
}

uint8_t *wi_producers_add_self(const uint8_t *old, size_t old_size, size_t *size,
                               int *was_malformed) {
  wi_writer b = {0};
  *was_malformed = 0;
  if (old) {
    wi_reader r = wi_reader_make(old, old_size);
    if (!copy_with_self(&r, &b)) {
      *was_malformed = 1;
      b.size = 0;
      b.failed = false;
      old = NULL;
    }
  }
  if (!old) {
    wi_put_u32(&b, 1);
    wi_put_name(&b, PROCESSED_BY, strlen(PROCESSED_BY));
    wi_put_u32(&b, 1);
    wi_put_name(&b, SELF_NAME, strlen(SELF_NAME));
    wi_put_name(&b, WI_VERSION, strlen(WI_VERSION));
  }
  return wi_writer_take(&b, true, size);
}
