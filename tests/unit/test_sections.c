/* Unit tests: the site table encoding (passes/site_table.c) and the name
 * section rewrite (src/name_section.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "byte_reader.h"
#include "module_scan.h"
#include "name_section.h"
#include "site_table.h"

static void read_string(wi_reader *r, const char *expected) {
  const uint8_t *p;
  uint32_t len;
  assert_true(wi_read_name(r, &p, &len));
  assert_int_equal(len, strlen(expected));
  assert_memory_equal(p, expected, len);
}

static void site_table_round_trips(void **state) {
  (void)state;
  wi_site_table t = {0};
  wi_site a = {WI_SITE_IMPORT, 0, 3, 3, "f", "env.log", "", "env", "log", 0};
  wi_site b = {WI_SITE_EXPORT, WI_FLAG_EXPORTED | WI_FLAG_NAMED, 200, 203, "g", "run", "_Z3runv",
               "", "run", 10};
  assert_int_equal(wi_site_table_add(&t, &a), 0);
  assert_int_equal(wi_site_table_add(&t, &b), 1);
  size_t size;
  uint8_t *bytes = wi_site_table_encode(&t, &size);
  wi_reader r = wi_reader_make(bytes, size);
  uint32_t v;
  uint8_t kind, flags;
  assert_true(wi_read_u32(&r, &v));
  assert_int_equal(v, WI_SITE_TABLE_VERSION);
  assert_true(wi_read_u32(&r, &v));
  assert_int_equal(v, 2);
  assert_true(wi_read_u8(&r, &kind) && wi_read_u8(&r, &flags));
  assert_int_equal(kind, 1);
  assert_true(wi_read_u32(&r, &v) && v == 3);
  assert_true(wi_read_u32(&r, &v) && v == 3);
  read_string(&r, "env.log");
  read_string(&r, "");
  read_string(&r, "env");
  read_string(&r, "log");
  assert_true(wi_read_u8(&r, &kind) && wi_read_u8(&r, &flags));
  assert_int_equal(kind, 2);
  assert_int_equal(flags, 5);
  assert_true(wi_read_u32(&r, &v) && v == 200);
  assert_true(wi_read_u32(&r, &v) && v == 203);
  read_string(&r, "run");
  read_string(&r, "_Z3runv");
  read_string(&r, "");
  read_string(&r, "run");
  assert_int_equal(wi_reader_left(&r), 0);
  free(bytes);
  wi_site_table_free(&t);
}

#define HEADER 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00

static void name_section_keeps_other_subsections(void **state) {
  (void)state;
  /* name section: module name "m", function names {0: "0"}, local names {} */
  const uint8_t module[] = {HEADER, 0x00, 0x12, 0x04, 'n', 'a', 'm', 'e',
                            0x00, 0x02, 0x01, 'm',
                            0x01, 0x04, 0x01, 0x00, 0x01, '0',
                            0x02, 0x01, 0x00};
  wi_function_name names[] = {{2, "real"}};
  size_t size;
  uint8_t *out = wi_replace_function_names(module, sizeof module, names, 1, &size);
  assert_non_null(out);
  const uint8_t expected[] = {HEADER, 0x00, 0x15, 0x04, 'n', 'a', 'm', 'e',
                              0x00, 0x02, 0x01, 'm',
                              0x01, 0x07, 0x01, 0x02, 0x04, 'r', 'e', 'a', 'l',
                              0x02, 0x01, 0x00};
  assert_int_equal(size, sizeof expected);
  assert_memory_equal(out, expected, size);
  free(out);
  /* No real names: the function subsection goes, the rest stays. */
  out = wi_replace_function_names(module, sizeof module, NULL, 0, &size);
  const uint8_t without[] = {HEADER, 0x00, 0x0c, 0x04, 'n', 'a', 'm', 'e',
                             0x00, 0x02, 0x01, 'm', 0x02, 0x01, 0x00};
  assert_int_equal(size, sizeof without);
  assert_memory_equal(out, without, size);
  free(out);
}

static void name_section_added_when_missing(void **state) {
  (void)state;
  const uint8_t module[] = {HEADER};
  wi_function_name names[] = {{0, "f"}};
  size_t size;
  uint8_t *out = wi_replace_function_names(module, sizeof module, names, 1, &size);
  wi_module_scan scan;
  char why[128];
  assert_int_equal(wi_scan_module(out, size, &scan, why, sizeof why), WI_SCAN_OK);
  assert_int_equal(scan.custom_count, 1);
  wi_scan_free(&scan);
  free(out);
  out = wi_replace_function_names(module, sizeof module, NULL, 0, &size);
  assert_int_equal(size, 8);
  free(out);
}

static void name_section_inserted_where_binaryen_puts_it(void **state) {
  (void)state;
  /* a data count section (id 12), then a custom section "c" written late */
  const uint8_t module[] = {HEADER, 0x0c, 0x01, 0x00, 0x00, 0x03, 0x01, 'c', 0x2a};
  wi_function_name functions[] = {{1, "f"}};
  wi_function_name tables[] = {{1, "t"}};
  wi_name_subsection others[] = {{5, tables, 1}, {7, NULL, 0}};
  size_t size;
  uint8_t *out = wi_insert_name_section(module, sizeof module, functions, 1, others, 2, &size);
  assert_non_null(out);
  const uint8_t expected[] = {HEADER, 0x0c, 0x01, 0x00,
                              0x00, 0x11, 0x04, 'n', 'a', 'm', 'e',
                              0x01, 0x04, 0x01, 0x01, 0x01, 'f',
                              0x05, 0x04, 0x01, 0x01, 0x01, 't',
                              0x00, 0x03, 0x01, 'c', 0x2a};
  assert_int_equal(size, sizeof expected);
  assert_memory_equal(out, expected, size);
  free(out);
  /* No name at all: no name section. */
  out = wi_insert_name_section(module, sizeof module, NULL, 0, others + 1, 1, &size);
  assert_int_equal(size, sizeof module);
  assert_memory_equal(out, module, size);
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(site_table_round_trips),
      cmocka_unit_test(name_section_keeps_other_subsections),
      cmocka_unit_test(name_section_added_when_missing),
      cmocka_unit_test(name_section_inserted_where_binaryen_puts_it),
  };
  return cmocka_run_group_tests_name("sections", tests, NULL, NULL);
}
