/* Whether the output's name section can be written without Binaryen's, and
 * what it then holds.
 *
 * With debug info on, Binaryen's writer keeps a map of every function's
 * locals (for the local names) and names every function, names that
 * wi_replace_function_names then replaces: about 3% of the run on a module of
 * 125,000 functions. A module read without a name section has no name
 * Binaryen would write but the function names (ours replace them) and the
 * ones its C API gives what the passes add (explicitly named): tables, globals
 * and element segments, appended after the input's. Those are collected here
 * and written by wi_insert_name_section, in the same bytes. */
#ifndef WI_OUTPUT_NAMES_H
#define WI_OUTPUT_NAMES_H

#include <binaryen-c.h>
#include <stdbool.h>

#include "module_scan.h"
#include "name_section.h"

/* How many tables, globals and element segments the module read had. */
typedef struct {
  BinaryenIndex tables, globals, segments;
} wi_input_counts;

wi_input_counts wi_count_input_elements(BinaryenModuleRef module);

typedef struct {
  wi_function_name *items;           /* owned: the tables', the globals', the segments' */
  wi_name_subsection subsections[3]; /* tables (5), globals (7), element segments (8) */
} wi_added_names;

/* Fills `out` and returns true if the output's name section can be written
 * without Binaryen's: the input (`scan`) has no name section, and no added
 * name holds a `\` (Binaryen would decode escapes). False also when out of
 * memory. */
bool wi_collect_added_names(BinaryenModuleRef module, const wi_module_scan *scan,
                            const wi_input_counts *input, wi_added_names *out);
void wi_added_names_free(wi_added_names *names);

#endif
