/* The site table readers of the C library (runtime-shim/src/sites.c): format
 * version 2 written by the rewriter's encoder (passes/site_table.c) and read
 * back with the names it refers to in the module, version 1 still read, and
 * malformed version 2 tables (lying counts, references out of range, bad head
 * bytes, truncations) rejected without reading out of bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "byte_writer.h"
#include "site_table.h"
#include "wasm_observe.h"

/* The module the sites refer to: function imports env.log (0) and env.now
 * (1), defined functions 2, 3 and 4; exports "mem" (a memory), "main" and
 * "work"; the name section names 3 "main" and 4 "_Z4workv". */
static const wi_function_name names[] = {{3, "main"}, {4, "_Z4workv"}};
static const char *const export_names[] = {"mem", "main", "work"};

static const wi_site sites[] = {
    {WI_SITE_EXPORT, WI_FLAG_EXPORTED | WI_FLAG_NAMED, 1, 3, "main", "main", "main", "", "main", 0},
    {WI_SITE_FUNCTION, WI_FLAG_EXPORTED | WI_FLAG_NAMED, 1, 3, "main", "main", "main", "", "", 10},
    /* demangled: the display goes to the string pool */
    {WI_SITE_FUNCTION, WI_FLAG_EXPORTED | WI_FLAG_NAMED, 2, 4, "work", "work()", "_Z4workv", "", "", 10},
    /* unnamed, not exported: func[N] */
    {WI_SITE_FUNCTION, 0, 0, 2, "f", "func[0]", "", "", "", 4},
    {WI_SITE_IMPORT, 0, 7, 1, "now", "env.now", "", "env", "now", 0},
    {WI_SITE_EXPORT, WI_FLAG_EXPORTED | WI_FLAG_NAMED, 2, 4, "work", "work", "_Z4workv", "", "work", 0},
    /* a name no reference reproduces: written inline */
    {WI_SITE_FUNCTION, 0, 0, 2, "g", "odd name", "sym", "m", "f", 4},
    /* unnamed, exported: the display is the export's name */
    {WI_SITE_FUNCTION, WI_FLAG_EXPORTED, 0, 2, "h", "work", "", "", "", 4},
};
enum { SITE_COUNT = sizeof sites / sizeof sites[0] };

static void put_custom(wi_writer *module, const char *name, const uint8_t *bytes, size_t size) {
  wi_writer payload = {0};
  wi_put_cstr(&payload, name);
  wi_put_bytes(&payload, bytes, size);
  wi_put_section(module, 0, &payload);
}

/* The module above with `table` as its site table; names only if `with_names`. */
static uint8_t *module_with(const uint8_t *table, size_t table_size, bool with_names, size_t *size) {
  wi_writer m = {0}, p = {0};
  const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  wi_put_bytes(&m, header, 8);
  /* imports: env.log, env.now (functions of type 0) */
  wi_put_u32(&p, 2);
  const char *fields[2] = {"log", "now"};
  for (int i = 0; i < 2; i++) {
    const uint8_t desc[2] = {0x00, 0x00};
    wi_put_cstr(&p, "env");
    wi_put_cstr(&p, fields[i]);
    wi_put_bytes(&p, desc, 2);
  }
  wi_put_section(&m, 2, &p);
  /* exports */
  wi_put_u32(&p, 3);
  const uint8_t descs[3][2] = {{0x02, 0x00}, {0x00, 0x03}, {0x00, 0x04}};
  for (int i = 0; i < 3; i++) {
    wi_put_cstr(&p, export_names[i]);
    wi_put_bytes(&p, descs[i], 2);
  }
  wi_put_section(&m, 7, &p);
  if (with_names) {
    wi_writer sub = {0};
    wi_put_u32(&sub, 2);
    for (int i = 0; i < 2; i++) {
      wi_put_u32(&sub, names[i].index);
      wi_put_cstr(&sub, names[i].name);
    }
    wi_put_cstr(&p, "name");
    wi_put_section(&p, 1, &sub);
    wi_put_section(&m, 0, &p);
  }
  put_custom(&m, WI_SITE_TABLE_SECTION, table, table_size);
  assert_false(m.failed);
  *size = m.size;
  return m.data;
}

static uint8_t *encoded_table(bool v2, size_t *size) {
  wi_site_table t = {0};
  for (size_t i = 0; i < SITE_COUNT; i++) wi_site_table_add(&t, &sites[i]);
  wi_site_refs refs = {names, 2, export_names, 3};
  uint8_t *table = v2 ? wi_site_table_encode_v2(&t, &refs, size) : wi_site_table_encode(&t, size);
  wi_site_table_free(&t);
  assert_non_null(table);
  return table;
}

static void assert_sites_read_back(const wo_sites *read) {
  assert_int_equal(wo_sites_count(read), SITE_COUNT);
  for (uint32_t i = 0; i < SITE_COUNT; i++) {
    const wo_site *s = wo_sites_get(read, i);
    assert_int_equal(s->kind, sites[i].kind);
    assert_int_equal(s->function_index, sites[i].output_index);
    assert_string_equal(s->name, sites[i].display);
    assert_string_equal(s->symbol, sites[i].symbol);
    assert_string_equal(s->module, sites[i].module);
    assert_string_equal(s->field, sites[i].field);
  }
}

static void reads_back_both_versions(bool v2) {
  size_t table_size, size;
  uint8_t *table = encoded_table(v2, &table_size);
  uint8_t *module = module_with(table, table_size, true, &size);
  wo_sites *read;
  assert_int_equal(wo_sites_from_module(module, size, &read), WO_OK);
  assert_sites_read_back(read);
  wo_sites_free(read);
  free(module);
  free(table);
}

static void reads_version_2(void **state) {
  (void)state;
  reads_back_both_versions(true);
}

static void reads_version_1(void **state) {
  (void)state;
  reads_back_both_versions(false);
}

/* Version 2 is smaller: names the module holds are not repeated. */
static void version_2_refers_to_the_module(void **state) {
  (void)state;
  size_t v1, v2;
  free(encoded_table(false, &v1));
  uint8_t *table = encoded_table(true, &v2);
  assert_true(v2 * 2 < v1);
  /* The pool holds "work()", which no reference reproduces, and the inline
   * site's "odd name", "sym", "m", "f". */
  assert_int_equal(table[0], 2);
  assert_int_equal(table[1], SITE_COUNT);
  assert_int_equal(table[2], 5);
  free(table);
}

/* A name section stripped after instrumentation: named sites lose their
 * symbol and fall back to func[N]; the rest is unchanged. */
static void a_stripped_name_section_gives_index_names(void **state) {
  (void)state;
  size_t table_size, size;
  uint8_t *table = encoded_table(true, &table_size);
  uint8_t *module = module_with(table, table_size, false, &size);
  wo_sites *read;
  assert_int_equal(wo_sites_from_module(module, size, &read), WO_OK);
  assert_string_equal(wo_sites_get(read, 1)->name, "func[1]");
  assert_string_equal(wo_sites_get(read, 1)->symbol, "");
  assert_string_equal(wo_sites_get(read, 2)->name, "work()");
  assert_string_equal(wo_sites_get(read, 0)->name, "main");
  assert_string_equal(wo_sites_get(read, 4)->name, "env.now");
  wo_sites_free(read);
  free(module);
  free(table);
}

static wo_status read_table(const uint8_t *table, size_t table_size) {
  size_t size;
  uint8_t *module = module_with(table, table_size, true, &size);
  wo_sites *read = NULL;
  wo_status rc = wo_sites_from_module(module, size, &read);
  if (rc == WO_OK) {
    for (uint32_t i = 0; i < wo_sites_count(read); i++) {
      const wo_site *s = wo_sites_get(read, i);
      assert_true(s->name && s->symbol && s->module && s->field);
    }
  } else {
    assert_null(read);
  }
  wo_sites_free(read);
  free(module);
  return rc;
}

static void rejects_malformed_version_2_tables(void **state) {
  (void)state;
  /* version, site count, string count, strings, sites (docs/hook-contract.md) */
  static const struct {
    const char *what;
    uint8_t bytes[16];
    size_t size;
    wo_status expected;
  } cases[] = {
      {"a lying site count", {2, 100, 0, 0x00, 0, 0}, 6, WO_ERR_MALFORMED},
      {"a lying string count", {2, 1, 50, 1, 'a'}, 5, WO_ERR_MALFORMED},
      {"a string past the end", {2, 1, 1, 9, 'a', 0x00, 0, 0}, 8, WO_ERR_MALFORMED},
      {"kind 3", {2, 1, 0, 0x03, 0, 0, 0}, 7, WO_ERR_MALFORMED},
      {"next-export on an import site", {2, 1, 0, 0x81, 2, 0}, 6, WO_ERR_MALFORMED},
      {"next-export on an inline site", {2, 1, 1, 0, 0xa2, 0, 0, 0, 0, 0, 0}, 11, WO_ERR_MALFORMED},
      {"an inline string out of range", {2, 1, 1, 0, 0x20, 0, 0, 0, 0, 0, 1}, 11, WO_ERR_MALFORMED},
      {"a pool display out of range", {2, 1, 0, 0x00, 0, 0, 1}, 7, WO_ERR_MALFORMED},
      {"an export display out of range", {2, 1, 0, 0x00, 0, 0, 14}, 7, WO_ERR_MALFORMED},
      {"an export display below zero", {2, 1, 0, 0x00, 0, 0, 4}, 7, WO_ERR_MALFORMED},
      {"an export site out of range", {2, 1, 0, 0x02, 0, 0, 6}, 7, WO_ERR_MALFORMED},
      {"an import site on a defined function", {2, 1, 0, 0x01, 0, 4}, 6, WO_ERR_MALFORMED},
      {"an import site below zero", {2, 1, 0, 0x01, 1, 0}, 6, WO_ERR_MALFORMED},
      {"a truncated site", {2, 1, 0, 0x00, 0}, 5, WO_ERR_MALFORMED},
      {"trailing bytes", {2, 1, 0, 0x00, 0, 0, 0, 7}, 8, WO_ERR_MALFORMED},
      {"an unknown version", {3, 0, 0}, 3, WO_ERR_UNSUPPORTED_VERSION},
      {"an empty table", {2, 0, 0}, 3, WO_OK},
      {"a function site by reference", {2, 1, 0, 0x00, 0, 0, 0}, 7, WO_OK},
      {"an export site named by its step", {2, 1, 0, 0x82, 2, 6}, 6, WO_OK},
      {"a function site named by the next export", {2, 1, 0, 0x80, 0, 0}, 6, WO_OK},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    wo_status rc = read_table(cases[i].bytes, cases[i].size);
    if (rc != cases[i].expected) fail_msg("%s: status %d, want %d", cases[i].what, rc, cases[i].expected);
  }
}

/* Every prefix of a real table, and every byte of it changed: rejected or
 * read, never read out of bounds (the sanitizer build checks). */
static void survives_truncations_and_byte_changes(void **state) {
  (void)state;
  size_t table_size;
  uint8_t *table = encoded_table(true, &table_size);
  for (size_t n = 0; n < table_size; n++) assert_int_not_equal(read_table(table, n), WO_OK);
  uint8_t *changed = malloc(table_size);
  static const uint8_t values[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x20, 0x40};
  for (size_t i = 0; i < table_size; i++) {
    for (size_t v = 0; v < sizeof values; v++) {
      memcpy(changed, table, table_size);
      changed[i] = values[v];
      read_table(changed, table_size);
    }
  }
  free(changed);
  free(table);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(reads_version_2),
      cmocka_unit_test(reads_version_1),
      cmocka_unit_test(version_2_refers_to_the_module),
      cmocka_unit_test(a_stripped_name_section_gives_index_names),
      cmocka_unit_test(rejects_malformed_version_2_tables),
      cmocka_unit_test(survives_truncations_and_byte_changes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
