/* The last pass: the output's function indices, the site table, and what the
 * items of element segments that name a wrapped import become.
 *
 * Indices are only known now: the hook imports come first (hook_calls.c moves
 * the input's function imports after them), and rebuilt functions moved to
 * the end. Binaryen writes imported functions
 * first, then defined ones, each in module order. */
#include <stdlib.h>
#include <string.h>

#include "instrument.h"

static bool is_imported(BinaryenFunctionRef f) {
  const char *module = BinaryenFunctionImportGetModule(f);
  return module && module[0];
}

/* The name the output's name section gives a function: a real name from the
 * input, and under the observe-sdk ABI (whose hosts name spans from the name
 * section) the display name; otherwise none. Our own functions (wrappers,
 * hooks) are named where the input names functions: in a module without
 * names, theirs would be the only ones (7.1 MB of wrapper names on a module
 * with 65,000 exports) and no host needs them, hosts name spans from the site
 * table. */
static const char *output_name(const wi_instrument *ctx, const char *name, bool input_named) {
  uint32_t input;
  if (!wi_name_map_get(&ctx->input_index, name, &input))
    return input_named || ctx->abi == WI_ABI_OBSERVE_SDK ? name : NULL;
  const wi_function_info *f = &ctx->funcs[input];
  if (f->flags & WI_FLAG_NAMED) return f->symbol;
  return ctx->abi == WI_ABI_OBSERVE_SDK ? f->display : NULL;
}

static int output_indices(wi_instrument *ctx, wi_name_map *out) {
  BinaryenModuleRef m = ctx->module;
  BinaryenIndex count = BinaryenGetNumFunctions(m);
  ctx->output_names = calloc(count ? count : 1, sizeof *ctx->output_names);
  if (!ctx->output_names) return -1;
  bool input_named = false;
  for (uint32_t i = 0; i < ctx->func_count && !input_named; i++)
    input_named = (ctx->funcs[i].flags & WI_FLAG_NAMED) != 0;
  uint32_t next = 0;
  for (int pass = 0; pass < 2; pass++) {
    for (BinaryenIndex i = 0; i < count; i++) {
      BinaryenFunctionRef f = BinaryenGetFunctionByIndex(m, i);
      if (is_imported(f) != (pass == 0)) continue;
      const char *name = BinaryenFunctionGetName(f);
      const char *shown = output_name(ctx, name, input_named);
      if (shown) ctx->output_names[ctx->output_name_count++] = (wi_function_name){next, shown};
      if (!wi_name_map_put(out, name, next++)) return -1;
    }
  }
  return 0;
}

/* In the output's index space, each wrapped import -> its wrapper, for the
 * element segments (rewritten after writing: src/element_segments.h). A
 * `ref.func` of an import is left as it is where the scan could not look (in
 * GC and typed-function-reference code, and in such global initialisers);
 * if a segment named that import, Binaryen did not declare it, so the
 * redirected imports are declared then (a declarative segment: such a module
 * has reference types). */
static int element_redirects(wi_instrument *ctx, const wi_name_map *indices) {
  if (BinaryenGetNumElementSegments(ctx->module) == 0) return 0;
  ctx->declare_redirected = ctx->partial_scans || !ctx->untyped_references;
  size_t count = 0;
  for (uint32_t i = 0; i < ctx->func_count; i++) count += ctx->import_wrappers[i] != NULL;
  if (count == 0) return 0;
  ctx->element_redirects = calloc(count, sizeof *ctx->element_redirects);
  if (!ctx->element_redirects) return -1;
  for (uint32_t i = 0; i < ctx->func_count; i++) {
    if (!ctx->import_wrappers[i]) continue;
    wi_index_redirect *r = &ctx->element_redirects[ctx->element_redirect_count];
    if (wi_name_map_get(indices, ctx->funcs[i].name, &r->from) &&
        wi_name_map_get(indices, ctx->import_wrappers[i], &r->to))
      ctx->element_redirect_count++;
  }
  return 0;
}

int wi_pass_site_table(wi_instrument *ctx) {
  BinaryenModuleRef m = ctx->module;
  wi_name_map indices = {0};
  uint32_t *ids = calloc(ctx->sites.count ? ctx->sites.count : 1, sizeof *ids);
  if (!ids || output_indices(ctx, &indices) != 0 || element_redirects(ctx, &indices) != 0) {
    free(ids);
    wi_name_map_free(&indices);
    return -1;
  }
  for (size_t i = 0; i < ctx->sites.count; i++) {
    wi_site *site = &ctx->sites.items[i];
    wi_name_map_get(&indices, site->func_name, &site->output_index);
    ids[i] = site->output_index;
  }
  if (ctx->abi == WI_ABI_OBSERVE_SDK) {
    wi_hooks_renumber(&ctx->hooks, ids);
  } else if (ctx->first_site_id != 0) {
    for (size_t i = 0; i < ctx->sites.count; i++) ids[i] = ctx->first_site_id + (uint32_t)i;
    wi_hooks_renumber(&ctx->hooks, ids);
  }
  free(ids);
  wi_name_map_free(&indices);
  if (!ctx->site_table_section) return 0;

  BinaryenIndex export_count = BinaryenGetNumExports(m);
  const char **export_names = calloc(export_count ? export_count : 1, sizeof *export_names);
  if (!export_names) return -1;
  for (BinaryenIndex i = 0; i < export_count; i++)
    export_names[i] = BinaryenExportGetName(BinaryenGetExportByIndex(m, i));
  wi_site_refs refs = {ctx->output_names, ctx->output_name_count, export_names, export_count};
  size_t size;
  uint8_t *payload = wi_site_table_encode_v2(&ctx->sites, &refs, &size);
  free(export_names);
  if (!payload) return -1;
  BinaryenAddCustomSection(m, WI_SITE_TABLE_SECTION, (const char *)payload, (BinaryenIndex)size);
  free(payload);
  return 0;
}
