/* Unit tests: the structural scan of module binaries (src/module_scan.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "module_scan.h"

#define HEADER 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00

/* (import "m" "f" (func)) (func) (func) (start 1), a name section naming
 * func 2 "two", a producers section and a .debug_info section. */
static const uint8_t module_bytes[] = {
    HEADER,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,                   /* type: () -> () */
    0x02, 0x07, 0x01, 0x01, 'm', 0x01, 'f', 0x00, 0x00,   /* import func m.f */
    0x03, 0x03, 0x02, 0x00, 0x00,                         /* two functions */
    0x08, 0x01, 0x01,                                     /* start = 1 */
    0x0a, 0x07, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b, /* code */
    0x00, 0x0d, 0x04, 'n', 'a', 'm', 'e',                 /* name section */
    0x01, 0x06, 0x01, 0x02, 0x03, 't', 'w', 'o',
    0x00, 0x0b, 0x09, 'p', 'r', 'o', 'd', 'u', 'c', 'e', 'r', 's', 0x00,
    0x00, 0x0d, 0x0b, '.', 'd', 'e', 'b', 'u', 'g', '_', 'i', 'n', 'f', 'o', 0x2a,
};

static void scans_a_module(void **state) {
  (void)state;
  wi_module_scan scan;
  char why[256];
  assert_int_equal(wi_scan_module(module_bytes, sizeof module_bytes, &scan, why, sizeof why),
                   WI_SCAN_OK);
  assert_int_equal(scan.imported_funcs, 1);
  assert_int_equal(scan.defined_funcs, 2);
  assert_true(scan.has_start);
  assert_int_equal(scan.start_index, 1);
  assert_int_equal(scan.body_sizes[0], 2);
  assert_null(scan.func_names[0]);
  assert_null(scan.func_names[1]);
  assert_string_equal(scan.func_names[2], "two");
  assert_non_null(scan.producers);
  assert_int_equal(scan.producers_size, 1);
  assert_int_equal(scan.debug_section_count, 1);
  assert_false(scan.uses_exceptions);
  assert_false(scan.already_instrumented);
  wi_scan_free(&scan);
}

static void strips_debug_and_producers(void **state) {
  (void)state;
  wi_module_scan scan;
  char why[256];
  assert_int_equal(wi_scan_module(module_bytes, sizeof module_bytes, &scan, why, sizeof why),
                   WI_SCAN_OK);
  size_t size;
  uint8_t *stripped =
      wi_strip_custom_sections(module_bytes, sizeof module_bytes, &scan, true, true, &size);
  assert_non_null(stripped);
  assert_int_equal(size, sizeof module_bytes - 13 - 15);
  wi_module_scan again;
  assert_int_equal(wi_scan_module(stripped, size, &again, why, sizeof why), WI_SCAN_OK);
  assert_int_equal(again.debug_section_count, 0);
  assert_null(again.producers);
  assert_string_equal(again.func_names[2], "two");
  wi_scan_free(&again);
  wi_scan_free(&scan);
  free(stripped);
}

static void tells_when_stripping_changes_nothing(void **state) {
  (void)state;
  wi_module_scan scan;
  char why[256];
  assert_int_equal(wi_scan_module(module_bytes, sizeof module_bytes, &scan, why, sizeof why),
                   WI_SCAN_OK);
  assert_true(wi_strip_changes(&scan, true, true));
  assert_true(wi_strip_changes(&scan, false, false)); /* the name section is cut down */
  wi_scan_free(&scan);
  enum { WITHOUT_CUSTOM_SECTIONS = 40 }; /* the header and sections 1 to 10 */
  assert_int_equal(wi_scan_module(module_bytes, WITHOUT_CUSTOM_SECTIONS, &scan, why, sizeof why),
                   WI_SCAN_OK);
  assert_false(wi_strip_changes(&scan, true, true));
  wi_scan_free(&scan);
}

static int scan_code(const uint8_t *bytes, size_t size, char *why) {
  wi_module_scan scan;
  int rc = wi_scan_module(bytes, size, &scan, why, 256);
  wi_scan_free(&scan);
  return rc;
}

static void recognises_what_is_not_a_module(void **state) {
  (void)state;
  char why[256];
  const uint8_t text[] = {'(', 'm', 'o', 'd'};
  assert_int_equal(scan_code(text, sizeof text, why), WI_SCAN_NOT_WASM);
  const uint8_t component[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  assert_int_equal(scan_code(component, sizeof component, why), WI_SCAN_COMPONENT);
  assert_non_null(strstr(why, "component"));
  const uint8_t version2[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};
  assert_int_equal(scan_code(version2, sizeof version2, why), WI_SCAN_BAD_VERSION);
}

static void rejects_every_truncation(void **state) {
  (void)state;
  char why[256];
  /* Every proper prefix that cuts a section is malformed, never a crash. */
  for (size_t n = 8; n < sizeof module_bytes; n++) {
    int rc = scan_code(module_bytes, n, why);
    assert_true(rc == WI_SCAN_OK || rc == WI_SCAN_MALFORMED);
  }
  const uint8_t unknown[] = {HEADER, 0x20, 0x00};
  assert_int_equal(scan_code(unknown, sizeof unknown, why), WI_SCAN_MALFORMED);
  assert_non_null(strstr(why, "unknown section id 32"));
  const uint8_t mismatch[] = {HEADER, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x01, 0x00};
  assert_int_equal(scan_code(mismatch, sizeof mismatch, why), WI_SCAN_MALFORMED);
}

static void rejects_sections_out_of_order_or_repeated(void **state) {
  (void)state;
  char why[256];
  /* A function section after the code section once made the name table too short. */
  const uint8_t late[] = {HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x0a, 0x01, 0x00,
                          0x03, 0x02, 0x01, 0x00};
  assert_int_equal(scan_code(late, sizeof late, why), WI_SCAN_MALFORMED);
  assert_non_null(strstr(why, "out of order"));
  const uint8_t twice[] = {HEADER, 0x01, 0x01, 0x00, 0x01, 0x01, 0x00};
  assert_int_equal(scan_code(twice, sizeof twice, why), WI_SCAN_MALFORMED);
  /* DataCount (12) goes before code (10); a tag section (13) before globals (6). */
  const uint8_t ordered[] = {HEADER, 0x0d, 0x01, 0x00, 0x06, 0x01, 0x00, 0x0c, 0x01, 0x00,
                             0x0a, 0x01, 0x00};
  assert_int_equal(scan_code(ordered, sizeof ordered, why), WI_SCAN_OK);
}

static void notices_exceptions_and_earlier_instrumentation(void **state) {
  (void)state;
  char why[256];
  wi_module_scan scan;
  const uint8_t tag[] = {HEADER, 0x0d, 0x03, 0x01, 0x00, 0x00};
  assert_int_equal(wi_scan_module(tag, sizeof tag, &scan, why, sizeof why), WI_SCAN_OK);
  assert_true(scan.uses_exceptions);
  wi_scan_free(&scan);
  const uint8_t sites[] = {HEADER, 0x00, 0x16, 0x15, 'w', 'a', 's', 'm', '-', 'i', 'n', 's', 't',
                           'r', 'u', 'm', 'e', 'n', 't', '.', 's', 'i', 't', 'e', 's'};
  assert_int_equal(wi_scan_module(sites, sizeof sites, &scan, why, sizeof why), WI_SCAN_OK);
  assert_true(scan.already_instrumented);
  wi_scan_free(&scan);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(scans_a_module),
      cmocka_unit_test(strips_debug_and_producers),
      cmocka_unit_test(tells_when_stripping_changes_nothing),
      cmocka_unit_test(recognises_what_is_not_a_module),
      cmocka_unit_test(rejects_every_truncation),
      cmocka_unit_test(rejects_sections_out_of_order_or_repeated),
      cmocka_unit_test(notices_exceptions_and_earlier_instrumentation),
  };
  return cmocka_run_group_tests_name("module_scan", tests, NULL, NULL);
}
