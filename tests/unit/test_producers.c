/* Unit tests: the producers section merge (src/producers.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "producers.h"
#include "version.h"

/* Counts occurrences of a byte string. */
static int count(const uint8_t *data, size_t size, const char *needle) {
  size_t n = strlen(needle);
  int found = 0;
  for (size_t i = 0; i + n <= size; i++) found += memcmp(data + i, needle, n) == 0;
  return found;
}

static void creates_a_section_when_there_was_none(void **state) {
  (void)state;
  size_t size;
  int malformed;
  uint8_t *p = wi_producers_add_self(NULL, 0, &size, &malformed);
  assert_non_null(p);
  assert_int_equal(malformed, 0);
  assert_int_equal(p[0], 1); /* one field */
  assert_int_equal(count(p, size, "processed-by"), 1);
  assert_int_equal(count(p, size, "wasm-instrument"), 1);
  assert_int_equal(count(p, size, WI_VERSION), 1);
  free(p);
}

static void adds_to_existing_fields(void **state) {
  (void)state;
  /* language: C 17; processed-by: clang 14 */
  const uint8_t old[] = {0x02, 0x08, 'l', 'a', 'n', 'g', 'u', 'a', 'g', 'e', 0x01, 0x01, 'C',
                         0x02, '1', '7', 0x0c, 'p', 'r', 'o', 'c', 'e', 's', 's', 'e', 'd',
                         '-', 'b', 'y', 0x01, 0x05, 'c', 'l', 'a', 'n', 'g', 0x02, '1', '4'};
  size_t size;
  int malformed;
  uint8_t *p = wi_producers_add_self(old, sizeof old, &size, &malformed);
  assert_non_null(p);
  assert_int_equal(malformed, 0);
  assert_int_equal(p[0], 2); /* still two fields */
  assert_int_equal(count(p, size, "language"), 1);
  assert_int_equal(count(p, size, "clang"), 1);
  assert_int_equal(count(p, size, "processed-by"), 1);
  assert_int_equal(count(p, size, "wasm-instrument"), 1);
  /* Running it again replaces our entry instead of adding a second. */
  size_t size2;
  uint8_t *p2 = wi_producers_add_self(p, size, &size2, &malformed);
  assert_int_equal(size2, size);
  assert_memory_equal(p, p2, size);
  free(p);
  free(p2);
}

static void keeps_one_entry_of_its_own(void **state) {
  (void)state;
  /* processed-by: wasm-instrument 0.0.1, wasm-instrument 0.0.2 (listed twice) */
  const uint8_t old[] = {0x01, 0x0c, 'p', 'r', 'o', 'c', 'e', 's', 's', 'e', 'd', '-', 'b', 'y',
                         0x02, 0x0f, 'w', 'a', 's', 'm', '-', 'i', 'n', 's', 't', 'r', 'u', 'm',
                         'e', 'n', 't', 0x05, '0', '.', '0', '.', '1', 0x0f, 'w', 'a', 's', 'm',
                         '-', 'i', 'n', 's', 't', 'r', 'u', 'm', 'e', 'n', 't', 0x05, '0', '.',
                         '0', '.', '2'};
  size_t size;
  int malformed;
  uint8_t *p = wi_producers_add_self(old, sizeof old, &size, &malformed);
  assert_int_equal(malformed, 0);
  assert_int_equal(count(p, size, "wasm-instrument"), 1);
  assert_int_equal(p[14], 1); /* the value count of processed-by */
  free(p);
}

static void replaces_a_malformed_section(void **state) {
  (void)state;
  const uint8_t bad[] = {0x03, 0x7f};
  size_t size;
  int malformed;
  uint8_t *p = wi_producers_add_self(bad, sizeof bad, &size, &malformed);
  assert_non_null(p);
  assert_int_equal(malformed, 1);
  assert_int_equal(p[0], 1);
  free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(creates_a_section_when_there_was_none),
      cmocka_unit_test(adds_to_existing_fields),
      cmocka_unit_test(keeps_one_entry_of_its_own),
      cmocka_unit_test(replaces_a_malformed_section),
  };
  return cmocka_run_group_tests_name("producers", tests, NULL, NULL);
}
