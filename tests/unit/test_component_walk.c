/* Unit tests of the component layer's section walker and name rewriter:
 * what moves and what does not, s33 value types that need a byte more, the
 * hook argument added to instantiations, and the errors on bad indices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "byte_writer.h"
#include "component_binary.h"
#include "component_names.h"
#include "component_walk.h"
#include "hook_calls.h"

static wi_csection section(uint8_t id, const uint8_t *payload, size_t size) {
  wi_csection s = {.id = id, .payload = payload, .size = size};
  return s;
}

/* Walks `s` in `scope` (writing when out != NULL); returns wi_walk_section's code. */
static int walk(wi_scope *scope, const wi_csection *s, wi_writer *out, const wi_walk_plan *plan,
                char *why) {
  wi_walk w = {.scope = scope, .out = out, .plan = plan, .input = s->payload};
  int rc = wi_walk_section(&w, s, 0);
  if (why) strcpy(why, w.why);
  return rc;
}

static void test_shift_index(void **state) {
  (void)state;
  wi_index_shift shift = {0};
  shift.from[WI_SPACE_TYPE] = 3;
  shift.add[WI_SPACE_TYPE] = 2;
  assert_int_equal(wi_shift_index(&shift, WI_SPACE_TYPE, 2), 2);
  assert_int_equal(wi_shift_index(&shift, WI_SPACE_TYPE, 3), 5);
  assert_int_equal(wi_shift_index(&shift, WI_SPACE_FUNC, 9), 9);
  assert_int_equal(wi_shift_index(NULL, WI_SPACE_TYPE, 7), 7);
}

/* A type section: 64 u32 types, then (func (param "x" 63)). */
static size_t types_with_func(uint8_t *buf) {
  size_t n = 0;
  buf[n++] = 65; /* entries */
  for (int i = 0; i < 64; i++) buf[n++] = 0x79;
  buf[n++] = 0x40;
  buf[n++] = 1;
  buf[n++] = 1;
  buf[n++] = 'x';
  buf[n++] = 63; /* s33 63: one byte */
  buf[n++] = 0x01;
  buf[n++] = 0x00;
  return n;
}

static void test_s33_value_type_widens(void **state) {
  (void)state;
  uint8_t payload[128];
  size_t size = types_with_func(payload);
  wi_csection s = section(WI_CSEC_TYPE, payload, size);
  wi_index_shift shift = {0};
  shift.add[WI_SPACE_TYPE] = 1; /* one type inserted before all of them */
  wi_scope scope = {.shift = &shift};
  wi_writer out = {0};
  assert_int_equal(walk(&scope, &s, &out, NULL, NULL), 0);
  assert_int_equal(scope.count[WI_SPACE_TYPE], 65);
  /* id, size (one byte: 71), then the payload, one byte longer */
  assert_int_equal(out.size, 2 + size + 1);
  assert_int_equal(out.data[0], WI_CSEC_TYPE);
  assert_int_equal(out.data[1], size + 1);
  const uint8_t *param = out.data + 2 + 1 + 64 + 4;
  assert_int_equal(param[0], 0xc0); /* s33 64: two bytes */
  assert_int_equal(param[1], 0x00);
  assert_int_equal(param[2], 0x01);
  free(out.data);
}

static void test_index_out_of_range(void **state) {
  (void)state;
  uint8_t payload[128];
  size_t size = types_with_func(payload);
  size_t param = 1 + 64 + 4;
  char why[256];
  /* one byte 0x46 is a negative s33: no type index, no known primitive */
  payload[param] = 0x46;
  wi_csection s = section(WI_CSEC_TYPE, payload, size);
  wi_scope scope = {0};
  assert_int_equal(walk(&scope, &s, NULL, NULL, why), -1);
  assert_non_null(strstr(why, "unknown value type"));
  /* 70 as s33 takes two bytes; only 64 types are defined */
  uint8_t wide[130];
  memcpy(wide, payload, param);
  wide[param] = 0xc6;
  wide[param + 1] = 0x00;
  memcpy(wide + param + 2, payload + param + 1, size - (param + 1));
  s = section(WI_CSEC_TYPE, wide, size + 1);
  wi_scope fresh = {0};
  assert_int_equal(walk(&fresh, &s, NULL, NULL, why), -1);
  assert_non_null(strstr(why, "type index 70 out of range (64 defined)"));
}

static void test_instantiation_gets_the_hooks(void **state) {
  (void)state;
  /* core instance section: (instantiate 0 (with "env" (instance 0))) after
   * one core instance of no exports. */
  const uint8_t payload[] = {2, 0x01, 0, 0x00, 0, 1, 3, 'e', 'n', 'v', 0x12, 0};
  wi_csection s = section(WI_CSEC_CORE_INSTANCE, payload, sizeof payload);
  wi_index_shift shift = {0};
  shift.add[WI_SPACE_CORE_INSTANCE] = 1; /* the hooks' core instance, inserted first */
  wi_scope scope = {.shift = &shift};
  scope.count[WI_SPACE_CORE_MODULE] = 1;
  bool hooked[1] = {true};
  wi_walk_plan plan = {.hooked_modules = hooked, .hooks_core_instance = 0};
  wi_writer out = {0};
  assert_int_equal(walk(&scope, &s, &out, &plan, NULL), 0);
  wi_writer want = {0};
  const uint8_t head[] = {2, 0x01, 0, 0x00, 0, 2, 3, 'e', 'n', 'v', 0x12, 1};
  wi_put_bytes(&want, head, sizeof head);
  wi_put_cstr(&want, WI_HOOK_MODULE);
  const uint8_t tail[] = {0x12, 0};
  wi_put_bytes(&want, tail, sizeof tail);
  assert_int_equal(out.size, 2 + want.size);
  assert_memory_equal(out.data + 2, want.data, want.size);
  free(want.data);
  free(out.data);
}

static void test_outer_alias_uses_the_outer_shift(void **state) {
  (void)state;
  /* alias section: (alias outer 1 2 (type)) */
  const uint8_t payload[] = {1, 0x03, 0x02, 1, 2};
  wi_csection s = section(WI_CSEC_ALIAS, payload, sizeof payload);
  wi_index_shift outer_shift = {0};
  outer_shift.from[WI_SPACE_TYPE] = 1;
  outer_shift.add[WI_SPACE_TYPE] = 3;
  wi_scope outer = {.shift = &outer_shift};
  outer.count[WI_SPACE_TYPE] = 3;
  wi_scope inner = {.outer = &outer};
  wi_writer out = {0};
  assert_int_equal(walk(&inner, &s, &out, NULL, NULL), 0);
  const uint8_t want[] = {WI_CSEC_ALIAS, 5, 1, 0x03, 0x02, 1, 5};
  assert_int_equal(out.size, sizeof want);
  assert_memory_equal(out.data, want, sizeof want);
  assert_int_equal(inner.count[WI_SPACE_TYPE], 1);
  free(out.data);
  /* two levels out is beyond the outermost component */
  const uint8_t far[] = {1, 0x03, 0x02, 2, 0};
  s = section(WI_CSEC_ALIAS, far, sizeof far);
  char why[256];
  assert_int_equal(walk(&inner, &s, NULL, NULL, why), -1);
  assert_non_null(strstr(why, "outer alias beyond the outermost component"));
}

static void test_unknown_canonical_builtin(void **state) {
  (void)state;
  const uint8_t payload[] = {1, 0x5a};
  wi_csection s = section(WI_CSEC_CANON, payload, sizeof payload);
  wi_scope scope = {0};
  char why[256];
  assert_int_equal(walk(&scope, &s, NULL, NULL, why), -1);
  assert_non_null(strstr(why, "unknown canonical built-in 0x5a"));
}

/* component-name: core module names 0 "a", 2 "b"; modules from 1 move by 2. */
static void test_names_rewrite(void **state) {
  (void)state;
  wi_writer payload = {0};
  wi_put_cstr(&payload, WI_COMPONENT_NAME_SECTION);
  wi_writer sub = {0};
  const uint8_t sort[] = {0x00, 0x11, 2, 0, 1, 'a', 2, 1, 'b'};
  wi_put_bytes(&sub, sort, sizeof sort);
  wi_put_section(&payload, 1, &sub);
  wi_csection s = section(WI_CSEC_CUSTOM, payload.data, payload.size);
  char *names[3] = {NULL, NULL, NULL};
  assert_true(wi_component_core_module_names(&s, names, 3));
  assert_string_equal(names[0], "a");
  assert_null(names[1]);
  assert_string_equal(names[2], "b");
  for (int i = 0; i < 3; i++) free(names[i]);

  wi_index_shift shift = {0};
  shift.from[WI_SPACE_CORE_MODULE] = 1;
  shift.add[WI_SPACE_CORE_MODULE] = 2;
  wi_fragment f;
  uint32_t start[WI_SPACE_COUNT] = {0};
  start[WI_SPACE_CORE_MODULE] = 1;
  wi_fragment_init(&f, start);
  wi_fragment_name_item(&f, WI_SPACE_CORE_MODULE, 1, "new");
  size_t size;
  bool malformed;
  uint8_t *out = wi_component_names_rewrite(&s, &shift, &f, &size, &malformed);
  assert_non_null(out);
  wi_csection rewritten = section(WI_CSEC_CUSTOM, out, size);
  char *moved[5] = {NULL};
  assert_true(wi_component_core_module_names(&rewritten, moved, 5));
  assert_string_equal(moved[0], "a");
  assert_string_equal(moved[1], "new");
  assert_null(moved[2]);
  assert_string_equal(moved[4], "b");
  for (int i = 0; i < 5; i++) free(moved[i]);
  free(out);
  wi_fragment_free(&f);
  free(payload.data);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shift_index),
      cmocka_unit_test(test_s33_value_type_widens),
      cmocka_unit_test(test_index_out_of_range),
      cmocka_unit_test(test_instantiation_gets_the_hooks),
      cmocka_unit_test(test_outer_alias_uses_the_outer_shift),
      cmocka_unit_test(test_unknown_canonical_builtin),
      cmocka_unit_test(test_names_rewrite),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
