/* libFuzzer harness for wasm-instrument's own binary parsing: the structural
 * scan, the custom-section stripper, the name-section rewriter, the
 * producers-section rewriter and the element-item rewriter (src/module_scan.c,
 * src/name_section.c, src/producers.c, src/element_segments.c and the byte
 * reader/writer under them). No Binaryen.
 *
 * Built and run by tests/fuzz/run.sh:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc tests/fuzz/fuzz_scan.c \
 *     src/module_scan.c src/byte_reader.c src/byte_writer.c src/module_copy.c \
 *     src/name_section.c src/producers.c src/element_segments.c
 *
 * Besides memory errors, undefined behaviour and leaks, it checks properties
 * that the headers promise (a violation aborts, which libFuzzer reports):
 *   - stripping custom sections from a module that scans cleanly gives a
 *     smaller module that also scans cleanly, without the dropped sections;
 *   - wi_producers_add_self always returns a section, and feeding its result
 *     back in is accepted (not malformed) and changes nothing;
 *   - wi_replace_function_names on a module that scans cleanly gives a
 *     module that scans cleanly and whose function names are exactly the
 *     given ones; on anything else it returns NULL or a copy, never crashes;
 *   - wi_redirect_element_items never crashes; on a module that scans cleanly
 *     its result (if any) scans cleanly with the same function counts, and
 *     without redirects it reports no change. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byte_reader.h"
#include "element_segments.h"
#include "module_scan.h"
#include "name_section.h"
#include "producers.h"

#define CHECK(cond, what)                                                          \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      fprintf(stderr, "fuzz_scan: property violated: %s (%s:%d)\n", what, __FILE__, \
              __LINE__);                                                           \
      abort();                                                                     \
    }                                                                              \
  } while (0)

static void check_producers(const uint8_t *old, size_t old_size) {
  size_t size = 0;
  int malformed = -1;
  uint8_t *once = wi_producers_add_self(old, old_size, &size, &malformed);
  CHECK(once != NULL, "wi_producers_add_self returned NULL (not out of memory)");
  CHECK(malformed == 0 || malformed == 1, "was_malformed is not 0 or 1");
  size_t size2 = 0;
  int malformed2 = -1;
  uint8_t *twice = wi_producers_add_self(once, size, &size2, &malformed2);
  CHECK(twice != NULL, "wi_producers_add_self returned NULL on its own output");
  CHECK(malformed2 == 0, "wi_producers_add_self's own output is malformed");
  CHECK(size2 == size && memcmp(once, twice, size) == 0,
        "wi_producers_add_self is not idempotent");
  free(once);
  free(twice);
}

/* Scans a module that must scan cleanly and returns the scan (caller frees). */
static void rescan(const uint8_t *data, size_t size, wi_module_scan *scan, const char *what) {
  char why[256];
  int rc = wi_scan_module(data, size, scan, why, sizeof why);
  if (rc != WI_SCAN_OK) fprintf(stderr, "fuzz_scan: rescan after %s: %s\n", what, why);
  CHECK(rc == WI_SCAN_OK, "a rewritten module no longer scans");
}

static void check_strip(const uint8_t *data, size_t size, const wi_module_scan *scan,
                        bool drop_debug, bool drop_producers) {
  size_t out_size = 0;
  uint8_t *out = wi_strip_custom_sections(data, size, scan, drop_debug, drop_producers, &out_size);
  CHECK(out != NULL, "wi_strip_custom_sections returned NULL");
  CHECK(out_size <= size, "stripping made the module bigger");
  wi_module_scan again;
  rescan(out, out_size, &again, "stripping");
  CHECK(again.imported_funcs == scan->imported_funcs && again.defined_funcs == scan->defined_funcs,
        "stripping changed the function counts");
  if (drop_debug) CHECK(again.debug_section_count == 0, "a debug section survived stripping");
  if (drop_producers) CHECK(again.producers == NULL, "a producers section survived stripping");
  wi_scan_free(&again);
  free(out);
}

/* True if every `name` section comes after the last non-custom section: only
 * then can the scan, which counts functions as it goes, place every name. */
static bool names_after_declarations(const uint8_t *data, size_t size) {
  wi_reader r = wi_reader_make(data, size);
  wi_skip(&r, 8);
  bool name_seen = false;
  while (wi_reader_left(&r) > 0) {
    uint8_t id;
    uint32_t section_size;
    if (!wi_read_u8(&r, &id) || !wi_read_u32(&r, &section_size)) return false;
    wi_reader payload = wi_reader_make(data + r.pos, section_size < wi_reader_left(&r)
                                                         ? section_size : wi_reader_left(&r));
    if (!wi_skip(&r, section_size)) return false;
    const uint8_t *name;
    uint32_t len;
    if (id != 0 && name_seen) return false;
    if (id == 0 && wi_read_name(&payload, &name, &len) && len == 4 && memcmp(name, "name", 4) == 0)
      name_seen = true;
  }
  return true;
}

static void check_names(const uint8_t *data, size_t size, const wi_module_scan *scan,
                        const wi_function_name *names, size_t count) {
  size_t out_size = 0;
  uint8_t *out = wi_replace_function_names(data, size, names, count, &out_size);
  if (!out) return; /* a malformed name section is refused */
  wi_module_scan again;
  rescan(out, out_size, &again, "replacing function names");
  uint32_t total = scan->imported_funcs + scan->defined_funcs;
  CHECK(again.imported_funcs + again.defined_funcs == total,
        "replacing names changed the function count");
  size_t next = 0;
  bool comparable = names_after_declarations(out, out_size);
  for (uint32_t i = 0; comparable && i < total; i++) {
    const char *want = NULL;
    if (next < count && names[next].index == i) want = names[next++].name;
    const char *got = wi_scan_func_name(&again, i);
    CHECK((want == NULL) == (got == NULL) && (!want || strcmp(want, got) == 0),
          "the rewritten name section does not hold exactly the given names");
  }
  wi_scan_free(&again);
  free(out);
}

static void check_elements(const uint8_t *data, size_t size, const wi_module_scan *scan) {
  static const wi_index_redirect redirects[] = {{0, 1}, {1, 0}, {2, 700}};
  for (size_t count = 0; count <= 3; count += 3) {
    size_t out_size = 0;
    bool changed = true;
    uint8_t *out = wi_redirect_element_items(data, size, redirects, count, count > 0, &changed,
                                             &out_size);
    if (!out) continue; /* an element section it cannot read is refused */
    if (count == 0) CHECK(!changed, "no redirects, but an element item changed");
    if (scan) {
      wi_module_scan again;
      rescan(out, out_size, &again, "redirecting element items");
      CHECK(again.imported_funcs == scan->imported_funcs &&
                again.defined_funcs == scan->defined_funcs,
            "redirecting element items changed the function counts");
      wi_scan_free(&again);
    }
    free(out);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* Any bytes as a producers payload. */
  check_producers(data, size);

  /* Any bytes as a module for the name rewriter: NULL or a result, no crash. */
  static const wi_function_name fixed[] = {{0, "zero"}, {2, "two"}, {7, "seven"}};
  size_t junk_size;
  free(wi_replace_function_names(data, size, fixed, 3, &junk_size));

  wi_module_scan scan;
  char why[256];
  int rc = wi_scan_module(data, size, &scan, why, sizeof why);
  CHECK(strlen(why) < sizeof why, "reason not terminated");
  check_elements(data, size, rc == WI_SCAN_OK ? &scan : NULL);
  if (rc == WI_SCAN_OK) {
    check_strip(data, size, &scan, true, true);
    check_strip(data, size, &scan, true, false);
    check_strip(data, size, &scan, false, true);
    if (scan.producers) check_producers(scan.producers, scan.producers_size);

    uint32_t total = scan.imported_funcs + scan.defined_funcs;
    /* The module's own names, as the rewriter passes them (sorted by index).
     * A name with a NUL byte is cut there by the scan (C strings); a name cut
     * to nothing is left out here, because the writer would write it empty and
     * the scan ignores empty names. */
    size_t count = 0;
    wi_function_name *names = calloc(total ? total : 1, sizeof *names);
    CHECK(names != NULL, "out of memory");
    for (uint32_t i = 0; i < total; i++) {
      const char *name = wi_scan_func_name(&scan, i);
      if (name && name[0]) names[count++] = (wi_function_name){i, name};
    }
    check_names(data, size, &scan, names, count);
    /* No names at all, and synthetic names for the first functions. */
    check_names(data, size, &scan, NULL, 0);
    char (*text)[16] = calloc(total < 64 ? (total ? total : 1) : 64, sizeof *text);
    CHECK(text != NULL, "out of memory");
    count = 0;
    for (uint32_t i = 0; i < total && i < 64; i += 1 + (i & 1)) {
      snprintf(text[count], sizeof text[count], "f%u", i);
      names[count] = (wi_function_name){i, text[count]};
      count++;
    }
    check_names(data, size, &scan, names, count);
    free(text);
    free(names);
  }
  wi_scan_free(&scan);
  return 0;
}
