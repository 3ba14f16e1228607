#include "unique_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wi_unique_names_init(wi_unique_names *names, BinaryenModuleRef module) {
  memset(names, 0, sizeof *names);
  names->module = module;
}

/* The module's names of `kind`: interned by Binaryen, they outlive the map. */
static bool gather(wi_unique_names *names, wi_name_kind kind) {
  BinaryenModuleRef m = names->module;
  wi_name_map *used = &names->used[kind];
  BinaryenIndex count = kind == WI_NAME_FUNCTION          ? BinaryenGetNumFunctions(m)
                        : kind == WI_NAME_TABLE           ? BinaryenGetNumTables(m)
                        : kind == WI_NAME_ELEMENT_SEGMENT ? BinaryenGetNumElementSegments(m)
                                                          : BinaryenGetNumGlobals(m);
  for (BinaryenIndex i = 0; i < count; i++) {
    const char *name =
        kind == WI_NAME_FUNCTION ? BinaryenFunctionGetName(BinaryenGetFunctionByIndex(m, i))
        : kind == WI_NAME_TABLE  ? BinaryenTableGetName(BinaryenGetTableByIndex(m, i))
        : kind == WI_NAME_ELEMENT_SEGMENT
            ? BinaryenElementSegmentGetName(BinaryenGetElementSegmentByIndex(m, i))
            : BinaryenGlobalGetName(BinaryenGetGlobalByIndex(m, i));
    if (!wi_name_map_put(used, name, 0)) return false;
  }
  names->gathered[kind] = true;
  return true;
}

static bool keep(wi_unique_names *names, wi_name_kind kind, const char *name) {
  if (names->kept_count == names->kept_capacity) {
    size_t capacity = names->kept_capacity ? names->kept_capacity * 2 : 64;
    char **grown = realloc(names->kept, capacity * sizeof *grown);
    if (!grown) return false;
    names->kept = grown;
    names->kept_capacity = capacity;
  }
  char *copy = strdup(name);
  if (!copy) return false;
  names->kept[names->kept_count++] = copy;
  return wi_name_map_put(&names->used[kind], copy, 0);
}

char *wi_unique_name(wi_unique_names *names, wi_name_kind kind, const char *base) {
  if (!names->gathered[kind] && !gather(names, kind)) return NULL;
  size_t size = strlen(base) + 16;
  char *name = malloc(size);
  if (!name) return NULL;
  snprintf(name, size, "%s", base);
  uint32_t unused;
  for (unsigned n = 1; wi_name_map_get(&names->used[kind], name, &unused); n++)
    snprintf(name, size, "%s$%u", base, n);
  if (!keep(names, kind, name)) {
    free(name);
    return NULL;
  }
  return name;
}

void wi_unique_names_free(wi_unique_names *names) {
  for (int k = 0; k < WI_NAME_KINDS; k++) wi_name_map_free(&names->used[k]);
  for (size_t i = 0; i < names->kept_count; i++) free(names->kept[i]);
  free(names->kept);
  memset(names, 0, sizeof *names);
}
