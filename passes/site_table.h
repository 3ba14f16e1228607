/* The table of instrumented sites, and its encoding as the custom section
 * `wasm-instrument.sites` (format: docs/hook-contract.md). Site i is the one
 * whose hooks are called with id i. */
#ifndef WI_SITE_TABLE_H
#define WI_SITE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "name_section.h"

#define WI_SITE_TABLE_SECTION "wasm-instrument.sites"
#define WI_SITE_TABLE_VERSION 1u    /* every string inline (components) */
#define WI_SITE_TABLE_VERSION_2 2u  /* compact, names by reference to the module */

typedef enum { WI_SITE_FUNCTION = 0, WI_SITE_IMPORT = 1, WI_SITE_EXPORT = 2 } wi_site_kind;

enum { WI_FLAG_EXPORTED = 1, WI_FLAG_START = 2, WI_FLAG_NAMED = 4 };

typedef struct {
  wi_site_kind kind;
  uint8_t flags;
  uint32_t input_index;
  uint32_t output_index;   /* filled in once the output's layout is final */
  const char *func_name;   /* Binaryen name of the covered function, borrowed */
  const char *display;     /* borrowed from the function info */
  const char *symbol;      /* borrowed; "" when none */
  const char *module;      /* borrowed; "" when none */
  const char *field;       /* borrowed; "" when none */
  uint32_t body_size;      /* code bytes of the function in the input, 0 for imports */
} wi_site;

typedef struct {
  wi_site *items; /* owned array */
  size_t count, capacity;
} wi_site_table;

/* Appends a copy of *site; returns its id, or UINT32_MAX when out of memory. */
uint32_t wi_site_table_add(wi_site_table *table, const wi_site *site);
void wi_site_table_free(wi_site_table *table);

/* Encodes the section payload in format version 1. Returns a malloc'd buffer
 * (size in *size) or NULL when out of memory. */
uint8_t *wi_site_table_encode(const wi_site_table *table, size_t *size);

/* What a version 2 table may name by reference: the output module's function
 * names (its name section, sorted by index) and its exports' names in export
 * section order. All borrowed. A site whose strings the references would not
 * reproduce exactly is written with its strings inline. */
typedef struct {
  const wi_function_name *names; /* ascending output index */
  size_t name_count;
  const char *const *export_names;
  size_t export_count;
} wi_site_refs;

/* Encodes the section payload in format version 2 (docs/hook-contract.md).
 * Returns a malloc'd buffer (size in *size) or NULL when out of memory. */
uint8_t *wi_site_table_encode_v2(const wi_site_table *table, const wi_site_refs *refs,
                                 size_t *size);

const char *wi_site_kind_name(wi_site_kind kind);

#endif
