#include "function_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "emscripten_glue.h"
#include "name_map.h"

/* Takes ownership of s and keeps it alive as long as `names`; NULL stays NULL. */
static const char *keep(wi_module_names *names, char *s) {
  if (!s) return NULL;
  char **grown = realloc(names->strings, (names->string_count + 1) * sizeof *grown);
  if (!grown) {
    free(s);
    return NULL;
  }
  names->strings = grown;
  names->strings[names->string_count++] = s;
  return s;
}

static char *format_name(const char *fmt, const char *a, const char *b) {
  size_t size = strlen(fmt) + strlen(a) + strlen(b) + 1;
  char *s = malloc(size);
  if (s) snprintf(s, size, fmt, a, b);
  return s;
}

static char *format_index(uint32_t index) {
  char *s = malloc(24);
  if (s) snprintf(s, 24, "func[%u]", index);
  return s;
}

static bool is_imported(BinaryenFunctionRef f) {
  const char *module = BinaryenFunctionImportGetModule(f);
  return module && module[0];
}

/* The first function export of each function, by Binaryen name. */
static int first_exports(BinaryenModuleRef m, wi_name_map *map) {
  BinaryenIndex count = BinaryenGetNumExports(m);
  for (BinaryenIndex i = count; i-- > 0;) {
    BinaryenExportRef e = BinaryenGetExportByIndex(m, i);
    if (BinaryenExportGetKind(e) != BinaryenExternalFunction()) continue;
    if (!wi_name_map_put(map, BinaryenExportGetValue(e), i)) return -1;
  }
  return 0;
}

static int describe(BinaryenModuleRef m, const wi_module_scan *scan, const wi_name_filter *filter,
                    const wi_name_map *exports, uint32_t index, wi_module_names *names) {
  BinaryenFunctionRef f = BinaryenGetFunctionByIndex(m, index);
  wi_function_info *info = &names->funcs[index];
  info->name = BinaryenFunctionGetName(f);
  if (is_imported(f)) {
    info->import_module = BinaryenFunctionImportGetModule(f);
    info->import_field = BinaryenFunctionImportGetBase(f);
  } else {
    info->body_size = scan->body_sizes[index - scan->imported_funcs];
    info->declared_locals = scan->local_counts[index - scan->imported_funcs];
  }
  const char *raw = wi_scan_func_name(scan, index);
  uint32_t export_index;
  const char *export_name = NULL;
  if (wi_name_map_get(exports, info->name, &export_index)) {
    export_name = BinaryenExportGetName(BinaryenGetExportByIndex(m, export_index));
    info->flags |= WI_FLAG_EXPORTED;
  }
  if (raw) {
    info->flags |= WI_FLAG_NAMED;
    info->symbol = raw;
  }
  /* An import is best known by what it imports (the host's name for it);
   * its name-section name, often a libc-internal alias, stays the symbol. */
  if (info->import_module) {
    info->display = keep(names, format_name("%s.%s", info->import_module, info->import_field));
  } else if (raw) {
    info->display = keep(names, wi_demangle(raw));
    if (!info->display) info->display = raw;
  } else if (export_name) {
    info->display = export_name;
  } else {
    info->display = keep(names, format_index(index));
  }
  if (!info->display) return -1;
  if (!info->symbol) info->symbol = "";
  if (scan->has_start && scan->start_index == index) info->flags |= WI_FLAG_START;
  const char *candidates[2] = {info->display, raw};
  info->selected = wi_name_filter_selects(filter, candidates, 2);
  info->named_by_include = info->selected && wi_name_filter_has_includes(filter);
  return 0;
}

int wi_describe_functions(BinaryenModuleRef m, const wi_module_scan *scan,
                          const wi_name_filter *filter, wi_module_names *out) {
  memset(out, 0, sizeof *out);
  uint32_t count = BinaryenGetNumFunctions(m);
  if (count != scan->imported_funcs + scan->defined_funcs) return -2;
  out->func_count = count;
  out->export_count = BinaryenGetNumExports(m);
  out->funcs = calloc(count ? count : 1, sizeof *out->funcs);
  out->exports = calloc(out->export_count ? out->export_count : 1, sizeof *out->exports);
  wi_name_map exports = {0};
  int rc = out->funcs && out->exports ? first_exports(m, &exports) : -1;
  for (uint32_t i = 0; i < count && rc == 0; i++) rc = describe(m, scan, filter, &exports, i, out);
  wi_name_map_free(&exports);
  wi_name_map by_name = {0};
  for (uint32_t i = 0; i < count && rc == 0; i++)
    if (!wi_name_map_put(&by_name, out->funcs[i].name, i)) rc = -1;
  for (uint32_t i = 0; i < out->export_count && rc == 0; i++) {
    BinaryenExportRef e = BinaryenGetExportByIndex(m, i);
    const char *candidates[3] = {BinaryenExportGetName(e), NULL, NULL};
    uint32_t target;
    if (BinaryenExportGetKind(e) == BinaryenExternalFunction() &&
        wi_name_map_get(&by_name, BinaryenExportGetValue(e), &target)) {
      candidates[1] = out->funcs[target].display;
      candidates[2] = out->funcs[target].symbol;
      /* Emscripten's plumbing, which its JS runtime calls (emscripten_glue.h):
       * no span, unless an --include names it. Its JS catches a longjmp and
       * restores the stack through these before the trampoline returns, when
       * the frames the longjmp skipped are not closed yet. */
      wi_function_info *f = &out->funcs[target];
      if (wi_is_glue_export(candidates[0]) && !f->import_module && !f->named_by_include)
        f->selected = false;
    }
    out->exports[i].selected = wi_name_filter_selects(filter, candidates, 3);
  }
  wi_name_map_free(&by_name);
  return rc;
}

void wi_module_names_free(wi_module_names *names) {
  for (size_t i = 0; i < names->string_count; i++) free(names->strings[i]);
  free(names->strings);
  free(names->funcs);
  free(names->exports);
  memset(names, 0, sizeof *names);
}
