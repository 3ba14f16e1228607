/* Unit tests: --include/--exclude semantics and demangling (src/name_filter.c,
 * src/demangle.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "name_filter.h"

static bool selects(wi_name_filter *f, const char *a, const char *b) {
  const char *names[2] = {a, b};
  return wi_name_filter_selects(f, names, 2);
}

static void no_patterns_select_everything(void **state) {
  (void)state;
  char why[128];
  wi_name_filter *f = wi_name_filter_new(NULL, 0, NULL, 0, why, sizeof why);
  assert_non_null(f);
  assert_true(selects(f, "anything", NULL));
  wi_name_filter_free(f);
}

static void exclude_wins_over_include(void **state) {
  (void)state;
  char why[128];
  const char *inc[] = {"^sqlite3_", "^main$"};
  const char *exc[] = {"_free$"};
  wi_name_filter *f = wi_name_filter_new(inc, 2, exc, 1, why, sizeof why);
  assert_non_null(f);
  assert_true(selects(f, "sqlite3_open", NULL));
  assert_true(selects(f, "main", NULL));
  assert_false(selects(f, "sqlite3_free", NULL));
  assert_false(selects(f, "malloc", NULL));
  /* Any of a function's names can match: display or raw symbol. */
  assert_true(selects(f, "demangled()", "sqlite3_x"));
  assert_false(selects(f, "sqlite3_x", "raw_free"));
  wi_name_filter_free(f);
}

static void bad_pattern_is_reported(void **state) {
  (void)state;
  char why[128] = "";
  const char *exc[] = {"a[b"};
  assert_null(wi_name_filter_new(NULL, 0, exc, 1, why, sizeof why));
  assert_non_null(strstr(why, "--exclude"));
  assert_non_null(strstr(why, "a[b"));
}

static void invalid_utf8_names_are_matched_not_rejected(void **state) {
  (void)state;
  char why[128];
  const char *inc[] = {"^bad"};
  wi_name_filter *f = wi_name_filter_new(inc, 1, NULL, 0, why, sizeof why);
  assert_true(selects(f, "bad\xff\xfename", NULL));
  assert_false(selects(f, "\xff""bad", NULL));
  wi_name_filter_free(f);
}

static void demangles_cpp_and_rust(void **state) {
  (void)state;
  char *cpp = wi_demangle("_ZN3foo3barEi");
  assert_string_equal(cpp, "foo::bar(int)");
  free(cpp);
  char *rust_legacy = wi_demangle("_ZN4core3fmt5write17h0123456789abcdefE");
  assert_non_null(rust_legacy);
  assert_non_null(strstr(rust_legacy, "core::fmt::write"));
  free(rust_legacy);
  char *rust_v0 = wi_demangle("_RNvCs1234_7mycrate3foo");
  assert_non_null(rust_v0);
  assert_non_null(strstr(rust_v0, "mycrate::foo"));
  free(rust_v0);
  assert_null(wi_demangle("main"));
  assert_null(wi_demangle("_Znot_really"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(no_patterns_select_everything),
      cmocka_unit_test(exclude_wins_over_include),
      cmocka_unit_test(bad_pattern_is_reported),
      cmocka_unit_test(invalid_utf8_names_are_matched_not_rejected),
      cmocka_unit_test(demangles_cpp_and_rust),
  };
  return cmocka_run_group_tests_name("name_filter", tests, NULL, NULL);
}
