/* Rewrites the function names of the output's `name` section.
 *
 * With debug info on, Binaryen writes a name for every function, inventing
 * "0", "1", "fimport$3" for the unnamed ones. Those are not names a person
 * gave, and debuggers and profilers would show them, so the function-names
 * subsection is replaced by one holding only real names. The other
 * subsections (locals, ...) are kept as Binaryen wrote them. */
#ifndef WI_NAME_SECTION_H
#define WI_NAME_SECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "byte_writer.h"

/* The name section's subsection ids this project writes or filters. */
enum {
  WI_FUNCTION_NAMES = 1,
  WI_TABLE_NAMES = 5,
  WI_GLOBAL_NAMES = 7,
  WI_ELEMENT_SEGMENT_NAMES = 8
};

typedef struct {
  uint32_t index;   /* output function index */
  const char *name; /* borrowed */
} wi_function_name;

/* `names` must be sorted by index. Returns a malloc'd copy of the module
 * `binary` with the new function names (size in *out_size); NULL when out of
 * memory or if `binary` is not a well-formed module. */
uint8_t *wi_replace_function_names(const uint8_t *binary, size_t size,
                                   const wi_function_name *names, size_t count,
                                   size_t *out_size);

/* The names of one kind of element other than functions (a name section
 * subsection: tables 5, globals 7, element segments 8), by output index. */
typedef struct {
  uint8_t id;
  const wi_function_name *names; /* ascending index */
  size_t count;
} wi_name_subsection;

/* The name of each patchable site's global (hook_calls.c) begins so; the
 * name section leaves them out (a name a site, of no use to a person). */
#define WI_LIVE_GLOBAL_PREFIX "wi$live$"

/* Whether a global's name is one of the patchable sites'. */
bool wi_is_site_global_name(const uint8_t *name, size_t len);

/* For a module Binaryen wrote without a name section: returns a malloc'd
 * copy of `binary` with one inserted where Binaryen puts its own (after the
 * last standard section, before the custom sections it writes late), holding
 * the function names `names` and then the subsections `others` (ascending
 * ids); with no name at all, a plain copy. The names must be written as they
 * are (Binaryen would decode `\xx` escapes). NULL when out of memory or if
 * `binary` is not a well-formed module. */
uint8_t *wi_insert_name_section(const uint8_t *binary, size_t size, const wi_function_name *names,
                                size_t count, const wi_name_subsection *others,
                                size_t other_count, size_t *out_size);

/* Writes the name section `section` (id byte and size included) keeping only
 * the subsections Binaryen 108 reads correctly (ids 0 to 9). It reads id 10
 * as GC field names, but other tools write tag names there, and Binaryen
 * then refuses the module. */
void wi_put_name_section_for_binaryen(wi_writer *w, const uint8_t *section, size_t size);

#endif
