/* Unit tests: the guest shim's site blob, module A and B's bytes
 * (src/guest_shims.c). Run in Node by tests/guest-shim/run.sh too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "guest_shims.h"
#include "version.h"

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The blob's bytes at absolute address `addr`. */
static const uint8_t *at(const uint8_t *blob, uint32_t addr) { return blob + (addr - WI_GUEST_BLOB_BASE); }

static int count(const uint8_t *data, size_t size, const char *needle) {
  size_t n = strlen(needle);
  int found = 0;
  for (size_t i = 0; i + n <= size; i++) found += memcmp(data + i, needle, n) == 0;
  return found;
}

/* Key and string value of attribute `i` of site record `rec` (otel layout). */
static void otel_attr(const uint8_t *blob, const uint8_t *rec, uint32_t i, char *key, char *value) {
  const uint8_t *kv = at(blob, le32(rec + 12) + 16 * i);
  memcpy(key, at(blob, le32(kv)), le32(kv + 4));
  key[le32(kv + 4)] = 0;
  memcpy(value, at(blob, le32(kv + 8)), le32(kv + 12));
  value[le32(kv + 12)] = 0;
}

static const wi_guest_site sites[] = {
    {.kind = WI_GUEST_SITE_EXPORT, .name = "main", .function_index = 3, .export_name = "main",
     .module_name = "app", .entry = true},
    {.kind = WI_GUEST_SITE_FUNCTION, .name = "say \"hi\"\\\n", .function_index = 12, .component = 2},
    {.kind = WI_GUEST_SITE_IMPORT, .name = "env.log", .function_index = 0, .import_module = "env",
     .import_field = "log", .module_name = "", .component = WI_GUEST_MAX_COMPONENT, .no_return = true},
    {.kind = WI_GUEST_SITE_FUNCTION, .name = "bad \xff\xc0\xed\xa0\x80 utf8 caf\xc3\xa9",
     .function_index = 4294967295u, .module_name = "app", .component = 1, .entry = true,
     .no_return = true},
};
/* The flags word of each: entry on the export, no-return on the import (not
 * on the function that claims both), the component in bits 8..31. */
static const uint32_t want_flags[] = {WI_GUEST_FLAG_ENTRY, 2u << 8,
                                      WI_GUEST_MAX_COMPONENT << 8 | WI_GUEST_FLAG_NO_RETURN, 1u << 8};
#define SITE_COUNT (sizeof sites / sizeof sites[0])

static void otel_blob_header_and_records(void **state) {
  (void)state;
  size_t size;
  uint8_t *blob = wi_guest_site_blob(WI_GUEST_LINK_OTEL, sites, SITE_COUNT, WI_GUEST_MUTING_DEFAULT, &size);
  assert_non_null(blob);
  assert_int_equal(le32(blob), WI_GUEST_BLOB_MAGIC);
  assert_memory_equal(blob, "WIGB", 4);
  assert_int_equal(le32(blob + 4), WI_GUEST_BLOB_VERSION);
  assert_int_equal(le32(blob + 8), WI_GUEST_BLOB_LINK_OTEL);
  assert_int_equal(le32(blob + 12), SITE_COUNT);
  assert_int_equal(le32(blob + 16) % 8, 0);
  assert_memory_equal(at(blob, le32(blob + 20)), "wasm-instrument", le32(blob + 24));
  assert_int_equal(le32(blob + 24), strlen("wasm-instrument"));
  assert_int_equal(le32(blob + 32), strlen(WI_VERSION));
  assert_memory_equal(at(blob, le32(blob + 28)), WI_VERSION, strlen(WI_VERSION));
  assert_int_equal(le32(blob + 36), WI_GUEST_BLOB_BASE + size);
  for (int off = 40; off < 60; off += 4) assert_int_equal(le32(blob + off), 0); /* counters */
  /* muting: the statistics right after the blob, 8-aligned; the rule's values */
  assert_int_equal(le32(blob + 60), (WI_GUEST_BLOB_BASE + size + 7) & ~7u);
  assert_int_equal(le32(blob + 64), WI_GUEST_MUTE_AFTER);
  assert_int_equal(le32(blob + 68), WI_GUEST_MUTE_BELOW_NS);
  for (int off = 72; off < (int)WI_GUEST_BLOB_HEADER_SIZE; off += 4) assert_int_equal(le32(blob + off), 0);
  assert_int_equal(le32(blob + 16), WI_GUEST_BLOB_BASE + ((WI_GUEST_BLOB_HEADER_SIZE + 7) & ~7u)); /* 8-aligned */
  const uint32_t want_attrs[] = {6, 4, 6, 5}; /* export+module, function, import, function+module */
  for (size_t i = 0; i < SITE_COUNT; i++) {
    const uint8_t *rec = at(blob, le32(blob + 16) + 24 * (uint32_t)i);
    assert_int_equal(le32(rec), sites[i].kind);
    assert_int_equal(le32(rec + 12) % 4, 0);
    assert_int_equal(le32(rec + 16), want_attrs[i]);
    assert_int_equal(le32(rec + 20), want_flags[i]);
    assert_true(le32(rec + 12) + 16 * le32(rec + 16) <= WI_GUEST_BLOB_BASE + size);
  }
  free(blob);
}

static void otel_attributes_are_json(void **state) {
  (void)state;
  size_t size;
  uint8_t *blob = wi_guest_site_blob(WI_GUEST_LINK_OTEL, sites, SITE_COUNT, WI_GUEST_MUTING_DEFAULT, &size);
  assert_non_null(blob);
  char key[64], value[128];
  const uint8_t *rec0 = at(blob, le32(blob + 16));
  static const char *const want0[][2] = {{"code.function.name", "\"main\""},
                                         {"wasm.site.kind", "\"export\""},
                                         {"wasm.site.id", "0"},
                                         {"wasm.function.index", "3"},
                                         {"wasm.export.name", "\"main\""},
                                         {"wasm.module", "\"app\""}};
  for (uint32_t i = 0; i < 6; i++) {
    otel_attr(blob, rec0, i, key, value);
    assert_string_equal(key, want0[i][0]);
    assert_string_equal(value, want0[i][1]);
  }
  const uint8_t *rec1 = rec0 + 24;
  assert_memory_equal(at(blob, le32(rec1 + 4)), "say \"hi\"\\\n", le32(rec1 + 8));
  otel_attr(blob, rec1, 0, key, value);
  assert_string_equal(value, "\"say \\\"hi\\\"\\\\\\n\"");
  otel_attr(blob, rec1, 2, key, value);
  assert_string_equal(key, "wasm.site.id");
  assert_string_equal(value, "1");
  otel_attr(blob, rec1, 3, key, value);
  assert_string_equal(value, "12");
  const uint8_t *rec2 = rec0 + 48;
  otel_attr(blob, rec2, 2, key, value);
  assert_string_equal(key, "wasm.site.id");
  assert_string_equal(value, "2");
  otel_attr(blob, rec2, 4, key, value);
  assert_string_equal(key, "wasm.import.module");
  assert_string_equal(value, "\"env\"");
  otel_attr(blob, rec2, 5, key, value);
  assert_string_equal(key, "wasm.import.name");
  assert_string_equal(value, "\"log\"");
  const uint8_t *rec3 = rec0 + 72;
  /* invalid bytes: one U+FFFD each; valid sequences kept */
  const char *clean = "bad \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd utf8 caf\xc3\xa9";
  assert_int_equal(le32(rec3 + 8), strlen(clean));
  assert_memory_equal(at(blob, le32(rec3 + 4)), clean, strlen(clean));
  otel_attr(blob, rec3, 2, key, value);
  assert_string_equal(value, "3");
  otel_attr(blob, rec3, 3, key, value);
  assert_string_equal(value, "4294967295");
  /* strings are stored once */
  assert_int_equal(count(blob, size, "code.function.name"), 1);
  assert_int_equal(count(blob, size, "\"main\""), 1);
  free(blob);
}

static void observe_attributes_are_variants(void **state) {
  (void)state;
  size_t size;
  uint8_t *blob = wi_guest_site_blob(WI_GUEST_LINK_OBSERVE, sites, SITE_COUNT, WI_GUEST_MUTING_DEFAULT, &size);
  assert_non_null(blob);
  assert_int_equal(le32(blob + 8), WI_GUEST_BLOB_LINK_OBSERVE);
  assert_int_equal(le32(blob + 64), 0); /* wasi-observe's host times spans: B mutes nothing */
  const uint8_t *rec3 = at(blob, le32(blob + 16) + 72);
  assert_int_equal(le32(rec3 + 12) % 8, 0);
  assert_int_equal(le32(rec3 + 16), 5);
  const uint8_t *kv = at(blob, le32(rec3 + 12));
  /* code.function.name: string (0) at 16, same bytes as the site's name */
  assert_int_equal(kv[8], WI_GUEST_OBSERVE_VALUE_STRING);
  assert_int_equal(le32(kv + 16), le32(rec3 + 4));
  assert_int_equal(le32(kv + 20), le32(rec3 + 8));
  /* wasm.site.id: s64 (3), the site's index */
  kv += 2 * 24;
  assert_int_equal(le32(kv + 4), strlen("wasm.site.id"));
  assert_memory_equal(at(blob, le32(kv)), "wasm.site.id", le32(kv + 4));
  assert_int_equal(kv[8], WI_GUEST_OBSERVE_VALUE_S64);
  assert_int_equal(le32(kv + 16), 3);
  assert_int_equal(le32(kv + 20), 0);
  /* wasm.function.index: s64 (3), the i64 at 16 */
  kv += 24;
  assert_memory_equal(at(blob, le32(kv)), "wasm.function.index", le32(kv + 4));
  assert_int_equal(kv[8], WI_GUEST_OBSERVE_VALUE_S64);
  assert_int_equal(le32(kv + 16), 4294967295u);
  assert_int_equal(le32(kv + 20), 0);
  free(blob);
}

static void guest_muting_rule(void **state) {
  (void)state;
  size_t size;
  uint8_t *blob = wi_guest_site_blob(WI_GUEST_LINK_OTEL, sites, SITE_COUNT, (wi_guest_muting){0, 1000}, &size);
  assert_non_null(blob);
  assert_int_equal(le32(blob + 64), 0);                                  /* mute_after: never */
  assert_int_equal(le32(blob + 60), (WI_GUEST_BLOB_BASE + size + 7) & ~7u); /* still in bounds */
  free(blob);
  blob = wi_guest_site_blob(WI_GUEST_LINK_OTEL, sites, SITE_COUNT, (wi_guest_muting){300, 25}, &size);
  assert_non_null(blob);
  assert_int_equal(le32(blob + 64), 300);
  assert_int_equal(le32(blob + 68), 25);
  free(blob);
  /* wasi-observe's B does not time spans: never, whatever the rule */
  blob = wi_guest_site_blob(WI_GUEST_LINK_OBSERVE, sites, SITE_COUNT, (wi_guest_muting){300, 25}, &size);
  assert_non_null(blob);
  assert_int_equal(le32(blob + 64), 0);
  free(blob);
}

static void empty_and_invalid_input(void **state) {
  (void)state;
  size_t size = 0;
  uint8_t *blob = wi_guest_site_blob(WI_GUEST_LINK_OTEL, NULL, 0, WI_GUEST_MUTING_DEFAULT, &size);
  assert_non_null(blob);
  assert_int_equal(le32(blob + 12), 0);
  assert_int_equal(le32(blob + 36), WI_GUEST_BLOB_BASE + size);
  free(blob);
  assert_null(wi_guest_site_blob((wi_guest_link)7, sites, SITE_COUNT, WI_GUEST_MUTING_DEFAULT, &size));
  assert_null(wi_guest_site_blob(WI_GUEST_LINK_OTEL, NULL, 1, WI_GUEST_MUTING_DEFAULT, &size));
  wi_guest_site bad = sites[0];
  bad.kind = (wi_guest_site_kind)3;
  assert_null(wi_guest_site_blob(WI_GUEST_LINK_OTEL, &bad, 1, WI_GUEST_MUTING_DEFAULT, &size));
  assert_null(wi_guest_memory_module(WI_GUEST_LINK_OBSERVE, &bad, 1, WI_GUEST_MUTING_DEFAULT, &size));
  /* a component that does not fit the flags word */
  bad = sites[0];
  bad.component = WI_GUEST_MAX_COMPONENT + 1;
  assert_null(wi_guest_site_blob(WI_GUEST_LINK_OTEL, &bad, 1, WI_GUEST_MUTING_DEFAULT, &size));
  /* NULL strings are "" */
  wi_guest_site nulls = {.kind = WI_GUEST_SITE_IMPORT, .function_index = 1};
  blob = wi_guest_site_blob(WI_GUEST_LINK_OTEL, &nulls, 1, WI_GUEST_MUTING_DEFAULT, &size);
  assert_non_null(blob);
  const uint8_t *rec = at(blob, le32(blob + 16));
  assert_int_equal(le32(rec + 8), 0);
  assert_int_equal(le32(rec + 16), 6);
  free(blob);
}

static void memory_module_holds_the_blob(void **state) {
  (void)state;
  size_t blob_size, size;
  uint8_t *blob = wi_guest_site_blob(WI_GUEST_LINK_OTEL, sites, SITE_COUNT, WI_GUEST_MUTING_DEFAULT, &blob_size);
  uint8_t *a = wi_guest_memory_module(WI_GUEST_LINK_OTEL, sites, SITE_COUNT, WI_GUEST_MUTING_DEFAULT, &size);
  assert_non_null(blob);
  assert_non_null(a);
  assert_memory_equal(a, "\0asm\1\0\0\0", 8);
  assert_true(size > blob_size);
  assert_memory_equal(a + size - blob_size, blob, blob_size); /* the data segment ends the module */
  assert_int_equal(count(a, size, WI_GUEST_A_REALLOC), 1);
  assert_int_equal(count(a, size, WI_GUEST_A_SCRATCH_RESET), 1);
  free(blob);
  free(a);
}

static void shim_bytes(void **state) {
  (void)state;
  size_t size = 1;
  const uint8_t *otel = wi_guest_shim_bytes(WI_GUEST_LINK_OTEL, &size);
  assert_non_null(otel);
  assert_true(size > 8);
  assert_memory_equal(otel, "\0asm\1\0\0\0", 8);
  assert_int_equal(count(otel, size, WI_GUEST_IMPORT_OTEL_TRACING), 3);
  const uint8_t *observe = wi_guest_shim_bytes(WI_GUEST_LINK_OBSERVE, &size);
  assert_non_null(observe);
  assert_memory_equal(observe, "\0asm\1\0\0\0", 8);
  assert_int_equal(count(observe, size, WI_GUEST_IMPORT_OBSERVE_TRACER), 4);
  assert_null(wi_guest_shim_bytes((wi_guest_link)0, &size));
  assert_int_equal(size, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(otel_blob_header_and_records),
      cmocka_unit_test(otel_attributes_are_json),
      cmocka_unit_test(observe_attributes_are_variants),
      cmocka_unit_test(guest_muting_rule),
      cmocka_unit_test(empty_and_invalid_input),
      cmocka_unit_test(memory_module_holds_the_blob),
      cmocka_unit_test(shim_bytes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
