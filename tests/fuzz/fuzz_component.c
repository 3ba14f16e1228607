/* libFuzzer harness for the component layer's own parsing: the framing
 * (src/component_binary.c), every section's reader and writer
 * (src/component_walk.c), the component-name rewriter
 * (src/component_names.c) and the instance-type query. No Binaryen.
 *
 * The input is the component's sections: the harness puts the preamble in
 * front, so every input is read as a component. Built and run by
 * tests/fuzz/run.sh with clang -fsanitize=fuzzer,address,undefined.
 *
 * Besides memory errors, undefined behaviour and leaks, it checks that a
 * component the layer accepts is written again (nothing inserted, nothing
 * moved) into a component it accepts too, and that writing that one again
 * changes nothing (LEB128s are written canonically once, then kept). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byte_writer.h"
#include "component_binary.h"
#include "component_names.h"
#include "component_walk.h"

#define CHECK(cond, what)                                                               \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      fprintf(stderr, "fuzz_component: property violated: %s (%s:%d)\n", what, __FILE__, \
              __LINE__);                                                                \
      abort();                                                                          \
    }                                                                                   \
  } while (0)

static const uint8_t preamble[8] = {0x00, 0x61, 0x73, 0x6d, WI_COMPONENT_VERSION, 0x00, 0x01, 0x00};

/* Walks (and with `out`, writes) a component; returns false when the layer
 * refuses it. */
static bool walk(const wi_component *c, const wi_scope *outer, const uint8_t *input,
                 wi_writer *out) {
  wi_scope scope = {.outer = outer};
  wi_component_facts facts = {0};
  wi_walk w = {.scope = &scope, .out = out, .facts = &facts, .input = input};
  if (out) wi_put_bytes(out, preamble, sizeof preamble);
  bool ok = true;
  for (size_t i = 0; ok && i < c->count; i++) {
    const wi_csection *s = &c->sections[i];
    if (s->id == WI_CSEC_CUSTOM && wi_custom_section_is(s, WI_COMPONENT_NAME_SECTION)) {
      size_t size;
      bool malformed;
      uint8_t *names = wi_component_names_rewrite(s, NULL, NULL, &size, &malformed);
      CHECK(names || malformed, "the name rewriter ran out of memory");
      free(names);
    }
    if (s->id == WI_CSEC_COMPONENT) {
      wi_writer nested = {0};
      ok = walk(s->nested, &scope, input, out ? &nested : NULL);
      if (ok && out) wi_put_section(out, WI_CSEC_COMPONENT, &nested);
      else free(nested.data);
    } else if (out && (s->id == WI_CSEC_CUSTOM || s->id == WI_CSEC_CORE_MODULE)) {
      uint8_t id = s->id;
      wi_put_bytes(out, &id, 1);
      wi_put_name(out, s->payload, s->size);
    }
    if (ok) ok = wi_walk_section(&w, s, i) == 0;
  }
  for (uint32_t t = 0; ok && t < facts.type_count; t++)
    if (facts.type_defs[t])
      (void)wi_instance_type_exports_func(facts.type_defs[t],
                                          (size_t)(c->bytes + c->size - facts.type_defs[t]), "now");
  wi_component_facts_free(&facts);
  return ok;
}

/* Parses and walks `data`; with `out`, writes it again. */
static bool accepted(const uint8_t *data, size_t size, wi_writer *out) {
  wi_component *c = NULL;
  char why[256];
  if (wi_component_parse(data, size, &c, why, sizeof why) != 0) return false;
  bool ok = walk(c, NULL, data, out);
  wi_component_free(c);
  return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *input = malloc(size + sizeof preamble);
  if (!input) return 0;
  memcpy(input, preamble, sizeof preamble);
  if (size) memcpy(input + sizeof preamble, data, size);
  wi_writer once = {0};
  if (accepted(input, size + sizeof preamble, &once)) {
    CHECK(!once.failed, "out of memory writing");
    wi_writer twice = {0};
    CHECK(accepted(once.data, once.size, &twice), "the written component is refused");
    CHECK(twice.size == once.size && memcmp(twice.data, once.data, once.size) == 0,
          "writing the written component again changes it");
    free(twice.data);
  }
  free(once.data);
  free(input);
  return 0;
}
