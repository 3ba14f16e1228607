/* The export boundary: an entry from the host through a function export
 * becomes a span of its own (kind "server" for the host), enclosing the
 * function's own span.
 *
 * The export is pointed at a span wrapper. Binaryen 108's C API cannot
 * retarget an export, and hosts can see export order (JavaScript's
 * `instance.exports` keys). Its wasm::Export is { Name name; Name value; kind }
 * with a Name one interned pointer: where that layout is confirmed (both
 * fields read back as the getters return them), the value is set in place.
 * Else all exports are removed and added again in their original order, which
 * costs Binaryen O(n^2): 3 of duckdb-wasm's 16 s for its 65,167 exports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instrument.h"

/* Export and function names are interned by Binaryen and outlive the export
 * itself, so the site table can keep pointing at them. */
typedef struct {
  const char *name, *value;
  BinaryenExternalKind kind;
  char *wrapper; /* the new target (owned), or NULL to keep value */
} saved_export;

static void free_saved(saved_export *saved, BinaryenIndex count) {
  for (BinaryenIndex i = 0; i < count; i++) free(saved[i].wrapper);
  free(saved);
}

static void add_export(BinaryenModuleRef m, const saved_export *e) {
  const char *target = e->wrapper ? e->wrapper : e->value;
  if (e->kind == BinaryenExternalFunction()) BinaryenAddFunctionExport(m, target, e->name);
  else if (e->kind == BinaryenExternalTable()) BinaryenAddTableExport(m, target, e->name);
  else if (e->kind == BinaryenExternalMemory()) BinaryenAddMemoryExport(m, target, e->name);
  else if (e->kind == BinaryenExternalGlobal()) BinaryenAddGlobalExport(m, target, e->name);
  else BinaryenAddTagExport(m, target, e->name);
}

/* The input index of a defined function exported by `e`, or -1. */
static int64_t exported_defined_function(const wi_instrument *ctx, const saved_export *e) {
  uint32_t index;
  if (e->kind != BinaryenExternalFunction()) return -1;
  if (!wi_name_map_get(&ctx->input_index, e->value, &index)) return -1;
  if (ctx->funcs[index].import_module) return -1;
  return index;
}

static bool is_quiet_export(const wi_instrument *ctx, const char *name) {
  for (size_t i = 0; i < ctx->quiet_export_count; i++)
    if (strcmp(ctx->quiet_exports[i], name) == 0) return true;
  return false;
}

/* A realloc or post-return export: its wrapper silences the hooks, and it
 * is no export-entry site (the host runs it inside a crossing that already
 * has one). Returns -1 when out of memory. */
static int quiet_export(wi_instrument *ctx, saved_export *e) {
  if (!wi_can_quiet_wrap(ctx, e->value)) return 0;
  size_t size = strlen(e->name) + 16;
  char *base = malloc(size);
  if (!base) return -1;
  snprintf(base, size, "wi$quiet$%s", e->name);
  e->wrapper = wi_add_quiet_wrapper(ctx, base, e->value, ctx->quiet_global);
  free(base);
  if (!e->wrapper) return -1;
  ctx->stats.exports_quieted++;
  return 0;
}

/* Points export `e` at `target`, an interned name (a function's name as
 * Binaryen holds it), if the layout above is confirmed. */
static bool retarget_in_place(BinaryenExportRef e, const char *target) {
  const char **fields = (const char **)(void *)e;
  if (fields[0] != BinaryenExportGetName(e) || fields[1] != BinaryenExportGetValue(e)) return false;
  fields[1] = target;
  return BinaryenExportGetValue(e) == target;
}

/* Retargets the exports in place, or, if the layout is not the one expected,
 * removes and adds all of them again in order. */
static void retarget_exports(BinaryenModuleRef m, const saved_export *saved, BinaryenIndex count) {
  bool in_place = true;
  for (BinaryenIndex i = 0; i < count && in_place; i++) {
    if (!saved[i].wrapper) continue;
    BinaryenFunctionRef wrapper = BinaryenGetFunction(m, saved[i].wrapper);
    in_place = wrapper &&
               retarget_in_place(BinaryenGetExportByIndex(m, i), BinaryenFunctionGetName(wrapper));
  }
  if (in_place) return;
  /* (a failed check wrote nothing; earlier exports may point at wrappers already) */
  for (BinaryenIndex i = 0; i < count; i++) BinaryenRemoveExport(m, saved[i].name);
  for (BinaryenIndex i = 0; i < count; i++) add_export(m, &saved[i]);
}

int wi_pass_export_wrappers(wi_instrument *ctx) {
  BinaryenModuleRef m = ctx->module;
  BinaryenIndex count = BinaryenGetNumExports(m);
  if (count > ctx->export_count) count = ctx->export_count; /* only the input's exports */
  saved_export *saved = calloc(count ? count : 1, sizeof *saved);
  if (!saved) return -1;
  bool any = false;
  for (BinaryenIndex i = 0; i < count; i++) {
    BinaryenExportRef e = BinaryenGetExportByIndex(m, i);
    saved[i].name = BinaryenExportGetName(e);
    saved[i].value = BinaryenExportGetValue(e);
    saved[i].kind = BinaryenExportGetKind(e);
    int64_t index = exported_defined_function(ctx, &saved[i]);
    if (index >= 0 && ctx->quiet_global && is_quiet_export(ctx, saved[i].name)) {
      if (quiet_export(ctx, &saved[i]) != 0) {
        free_saved(saved, count);
        return -1;
      }
      any |= saved[i].wrapper != NULL;
      continue;
    }
    if (index < 0 || !ctx->hook_exports || !ctx->exports[i].selected) continue;
    uint32_t site = wi_add_site(ctx, WI_SITE_EXPORT, (uint32_t)index, saved[i].value,
                                saved[i].name, saved[i].name);
    size_t size = strlen(saved[i].name) + 16;
    char *base = malloc(size);
    if (site == UINT32_MAX || !base) {
      free(base);
      free_saved(saved, count);
      return -1;
    }
    snprintf(base, size, "wi$export$%s", saved[i].name);
    saved[i].wrapper = wi_add_span_wrapper(ctx, base, saved[i].value, site);
    free(base);
    if (!saved[i].wrapper) {
      free_saved(saved, count);
      return -1;
    }
    ctx->stats.exports_wrapped++;
    any = true;
  }
  if (any) retarget_exports(m, saved, count);
  free_saved(saved, count);
  return 0;
}
