/* Unit tests: LEB128 reading and writing (src/byte_reader.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "byte_reader.h"

static void reads_u32_up_to_five_bytes(void **state) {
  (void)state;
  const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
  wi_reader r = wi_reader_make(max, sizeof max);
  uint32_t v = 0;
  assert_true(wi_read_u32(&r, &v));
  assert_int_equal(v, UINT32_MAX);
  assert_int_equal(wi_reader_left(&r), 0);
}

static void rejects_overlong_and_oversized_u32(void **state) {
  (void)state;
  const uint8_t too_big[] = {0xff, 0xff, 0xff, 0xff, 0x1f}; /* 33 bits */
  wi_reader r = wi_reader_make(too_big, sizeof too_big);
  uint32_t v;
  assert_false(wi_read_u32(&r, &v));
  const uint8_t six[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  r = wi_reader_make(six, sizeof six);
  assert_false(wi_read_u32(&r, &v));
}

static void failure_is_sticky_and_never_reads_past_the_end(void **state) {
  (void)state;
  const uint8_t truncated[] = {0x80};
  wi_reader r = wi_reader_make(truncated, sizeof truncated);
  uint32_t v;
  assert_false(wi_read_u32(&r, &v));
  uint8_t b;
  assert_false(wi_read_u8(&r, &b));
  const uint8_t name[] = {0x05, 'a', 'b'};
  wi_reader n = wi_reader_make(name, sizeof name);
  const uint8_t *p;
  uint32_t len;
  assert_false(wi_read_name(&n, &p, &len));
  assert_false(n.ok);
}

static void encodes_what_it_reads(void **state) {
  (void)state;
  const uint32_t values[] = {0, 1, 127, 128, 16383, 16384, 0x0fffffff, UINT32_MAX};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
    uint8_t buf[5];
    size_t n = wi_encode_u32(buf, values[i]);
    wi_reader r = wi_reader_make(buf, n);
    uint32_t v;
    assert_true(wi_read_u32(&r, &v));
    assert_int_equal(v, values[i]);
    assert_int_equal(wi_reader_left(&r), 0);
  }
}

static void skips_signed_lebs(void **state) {
  (void)state;
  const uint8_t s33[] = {0xff, 0xff, 0xff, 0xff, 0x7f, 0x01};
  wi_reader r = wi_reader_make(s33, sizeof s33);
  assert_true(wi_skip_sleb(&r, 33));
  assert_int_equal(r.pos, 5);
  const uint8_t endless[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80};
  r = wi_reader_make(endless, sizeof endless);
  assert_false(wi_skip_sleb(&r, 33));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(reads_u32_up_to_five_bytes),
      cmocka_unit_test(rejects_overlong_and_oversized_u32),
      cmocka_unit_test(failure_is_sticky_and_never_reads_past_the_end),
      cmocka_unit_test(encodes_what_it_reads),
      cmocka_unit_test(skips_signed_lebs),
  };
  return cmocka_run_group_tests_name("byte_reader", tests, NULL, NULL);
}
