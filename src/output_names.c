#include "output_names.h"

#include <stdlib.h>
#include <string.h>

wi_input_counts wi_count_input_elements(BinaryenModuleRef m) {
  return (wi_input_counts){BinaryenGetNumTables(m), BinaryenGetNumGlobals(m),
                           BinaryenGetNumElementSegments(m)};
}

static bool has_name_section(const wi_module_scan *scan) {
  for (size_t i = 0; i < scan->custom_count; i++)
    if (scan->customs[i].is_name) return true;
  return false;
}

/* The name of element `i` of the subsection's kind. */
static const char *name_of(BinaryenModuleRef m, uint8_t id, BinaryenIndex i) {
  if (id == WI_TABLE_NAMES) return BinaryenTableGetName(BinaryenGetTableByIndex(m, i));
  if (id == WI_GLOBAL_NAMES) return BinaryenGlobalGetName(BinaryenGetGlobalByIndex(m, i));
  return BinaryenElementSegmentGetName(BinaryenGetElementSegmentByIndex(m, i));
}

bool wi_collect_added_names(BinaryenModuleRef m, const wi_module_scan *scan,
                            const wi_input_counts *input, wi_added_names *out) {
  memset(out, 0, sizeof *out);
  if (has_name_section(scan)) return false;
  /* Binaryen numbers imported tables and globals first; the added ones are
   * defined, and last, so their index is their position in the module. */
  const uint8_t ids[3] = {WI_TABLE_NAMES, WI_GLOBAL_NAMES, WI_ELEMENT_SEGMENT_NAMES};
  const BinaryenIndex first[3] = {input->tables, input->globals, input->segments};
  const BinaryenIndex now[3] = {BinaryenGetNumTables(m), BinaryenGetNumGlobals(m),
                                BinaryenGetNumElementSegments(m)};
  size_t total = 0;
  for (int k = 0; k < 3; k++) total += now[k] > first[k] ? now[k] - first[k] : 0;
  out->items = malloc((total ? total : 1) * sizeof *out->items);
  if (!out->items) return false;
  size_t n = 0;
  for (int k = 0; k < 3; k++) {
    out->subsections[k] = (wi_name_subsection){ids[k], out->items + n, 0};
    for (BinaryenIndex i = first[k]; i < now[k]; i++) {
      const char *name = name_of(m, ids[k], i);
      if (ids[k] == WI_GLOBAL_NAMES && wi_is_site_global_name((const uint8_t *)name, strlen(name)))
        continue;
      if (strchr(name, '\\')) {
        wi_added_names_free(out);
        return false;
      }
      out->items[n++] = (wi_function_name){i, name};
      out->subsections[k].count++;
    }
  }
  return true;
}

void wi_added_names_free(wi_added_names *names) {
  free(names->items);
  memset(names, 0, sizeof *names);
}
