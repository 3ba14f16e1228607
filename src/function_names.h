/* Names and selection of the functions and exports of a module read by
 * Binaryen: what a person sees (display names) and what --include/--exclude
 * decide. See docs/hook-contract.md for the display-name rule. */
#ifndef WI_FUNCTION_NAMES_H
#define WI_FUNCTION_NAMES_H

#include <binaryen-c.h>

#include "instrument.h"
#include "module_scan.h"
#include "name_filter.h"

typedef struct {
  wi_function_info *funcs; /* [func_count], owned */
  uint32_t func_count;
  wi_export_info *exports; /* [export_count], owned */
  uint32_t export_count;
  char **strings;          /* owned strings the infos point to */
  size_t string_count;
} wi_module_names;

/* Describes every function of `module` (just read, nothing added yet) using the
 * facts of `scan`. Returns 0, -1 when out of memory, or -2 when Binaryen's
 * function count disagrees with the scan. */
int wi_describe_functions(BinaryenModuleRef module, const wi_module_scan *scan,
                          const wi_name_filter *filter, wi_module_names *out);
void wi_module_names_free(wi_module_names *names);

#endif
