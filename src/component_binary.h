/* The framing of a WebAssembly component: its preamble and its sections, with
 * nested components parsed recursively (component-model Binary.md).
 *
 * Neither Binaryen nor WABT reads the component layer, so the tool reads it
 * itself. This file checks only the framing (preamble, section bounds, the
 * nesting depth); component_walk.h reads what is inside the sections. */
#ifndef WI_COMPONENT_BINARY_H
#define WI_COMPONENT_BINARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WI_COMPONENT_VERSION 0x0d /* the pre-standard binary version this tool reads */
#define WI_COMPONENT_MAX_DEPTH 32 /* nested components and nested type declarations */

enum {
  WI_CSEC_CUSTOM = 0,
  WI_CSEC_CORE_MODULE = 1,
  WI_CSEC_CORE_INSTANCE = 2,
  WI_CSEC_CORE_TYPE = 3,
  WI_CSEC_COMPONENT = 4,
  WI_CSEC_INSTANCE = 5,
  WI_CSEC_ALIAS = 6,
  WI_CSEC_TYPE = 7,
  WI_CSEC_CANON = 8,
  WI_CSEC_START = 9,
  WI_CSEC_IMPORT = 10,
  WI_CSEC_EXPORT = 11,
  WI_CSEC_VALUE = 12,
};

typedef struct wi_component wi_component;

typedef struct {
  uint8_t id;
  size_t offset;          /* of the section's id byte in the whole input */
  const uint8_t *payload; /* borrowed from the input */
  size_t size;
  wi_component *nested;   /* WI_CSEC_COMPONENT: the parsed component, owned */
} wi_csection;

struct wi_component {
  size_t offset;          /* of the preamble in the whole input */
  const uint8_t *bytes;   /* the whole component, preamble included (borrowed) */
  size_t size;
  wi_csection *sections;  /* owned */
  size_t count, capacity;
};

/* True when `data` starts like a component (the magic, then layer 1),
 * whatever its version. */
bool wi_is_component(const uint8_t *data, size_t size);

/* Parses the framing of the component `data` (which must outlive the
 * result). Returns 0, or -1 with a one-line reason (without the file name) in
 * `why`; -2 when out of memory. On success *out is owned by the caller. */
int wi_component_parse(const uint8_t *data, size_t size, wi_component **out, char *why,
                       size_t why_size);
void wi_component_free(wi_component *component);

/* The name of a custom section's payload (points into it), or NULL with
 * *len 0 when the payload is malformed. */
const uint8_t *wi_custom_section_name(const wi_csection *section, uint32_t *len,
                                      size_t *data_offset);

#endif
