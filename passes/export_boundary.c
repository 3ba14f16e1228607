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
 * costs Binaryen O(n^2): 3 of duckdb-wasm's 16 s for its 65,167 exports.
 *
 * Shared entries. Where at least two export wrappers have the same signature
 * and the same need of an exception guard, they share the span: each wrapper
 * only passes its parameters and its site id on to a shared entry
 *
 *   (func $wi$entry$K (param P... i32) (result R)
 *     (call $enter (local.get $id))
 *     try                                   ;; if the targets can throw
 *       (call_indirect $wi$exports (type P -> R) (local.get 0..)
 *         (i32.sub (local.get $id) (i32.const FIRST)))
 *     catch_all (call $exit (local.get $id)) (rethrow 0)
 *     end
 *     (call $exit (local.get $id)))        ;; the result waits in a local
 *
 * which calls the target through a table of its own, `wi$exports`, with one
 * item per export site in site order (slot = id - FIRST, the first export
 * site's id). A wrapper is then about 11 bytes plus 2 a parameter instead of
 * 31 to 41 (enter, call, exit, and the guard): on duckdb-wasm's 65,167
 * exports, 1.5 MB of code. The cost: an indirect call on every entry from the
 * host, and 3 bytes of element segment an export site. The table is table 0
 * in a module without one; next to the module's own, it needs reference
 * types, so that is done only where the input has them (ctx->may_add_table),
 * and elsewhere each export keeps a wrapper of its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emscripten_glue.h"
#include "instrument.h"

/* Export and function names are interned by Binaryen and outlive the export
 * itself, so the site table can keep pointing at them. */
typedef struct {
  const char *name, *value;
  BinaryenExternalKind kind;
  const char *wrapper; /* the new target (interned by Binaryen), or NULL to keep value */
  int64_t index;  /* input index of the exported function if it gets an export site, else -1 */
  int entry;      /* its shared entry class (shared_entries), or -1 */
} saved_export;

/* A class of export wrappers that can share an entry: same signature, same
 * guard. */
typedef struct {
  BinaryenType params, results;
  bool guard;
  uint32_t uses;
  const char *name; /* the shared entry, once made (interned by Binaryen) */
} entry_class;

typedef struct {
  entry_class *items;
  size_t count, capacity;
} entry_classes;

/* The class of (params, results, guard), added if new; -1 when out of memory. */
static int entry_class_of(entry_classes *c, BinaryenType params, BinaryenType results, bool guard) {
  for (size_t i = 0; i < c->count; i++)
    if (c->items[i].params == params && c->items[i].results == results && c->items[i].guard == guard)
      return (int)i;
  if (c->count == c->capacity) {
    size_t capacity = c->capacity ? c->capacity * 2 : 16;
    entry_class *grown = realloc(c->items, capacity * sizeof *grown);
    if (!grown) return -1;
    c->items = grown;
    c->capacity = capacity;
  }
  c->items[c->count] = (entry_class){params, results, guard, 0, NULL};
  return (int)c->count++;
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
  if (!wi_can_quiet_wrap(BinaryenGetFunction(ctx->module, e->value))) return 0;
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
 * Binaryen holds it, as every wrapper's is here), if the layout above is
 * confirmed. */
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
  for (BinaryenIndex i = 0; i < count && in_place; i++)
    if (saved[i].wrapper)
      in_place = retarget_in_place(BinaryenGetExportByIndex(m, i), saved[i].wrapper);
  if (in_place) return;
  /* (a failed check wrote nothing; earlier exports may point at wrappers already) */
  for (BinaryenIndex i = 0; i < count; i++) BinaryenRemoveExport(m, saved[i].name);
  for (BinaryenIndex i = 0; i < count; i++) add_export(m, &saved[i]);
}

/* Whether a span around a call of the function at `input_index` needs the
 * exception guard; unlike wi_needs_unwind_guard, not counted. */
static bool guard_wanted(const wi_instrument *ctx, uint32_t input_index) {
  return ctx->exceptions && (!ctx->throws.can_throw || ctx->throws.can_throw[input_index]);
}

/* The shared entry of class `k` (see the top of the file); `first_site` is
 * the site whose target is item 0 of `table`. */
static const char *add_shared_entry(wi_instrument *ctx, const entry_class *k, const char *table,
                                    uint32_t first_site) {
  BinaryenModuleRef m = ctx->module;
  uint32_t n;
  BinaryenExpressionRef *operands = wi_param_operands(m, k->params, 0, &n);
  BinaryenType *types = malloc(((size_t)n + 1) * sizeof *types); /* the params, then the site */
  char *name = operands && types ? wi_unique_name(&ctx->names, WI_NAME_FUNCTION, "wi$entry") : NULL;
  if (!name) {
    free(types);
    free(operands);
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) types[i] = BinaryenExpressionGetType(operands[i]);
  types[n] = BinaryenTypeInt32();
  BinaryenExpressionRef slot =
      BinaryenBinary(m, BinaryenSubInt32(), BinaryenLocalGet(m, n, BinaryenTypeInt32()),
                     wi_hook_site_id(&ctx->hooks, first_site));
  BinaryenExpressionRef call =
      BinaryenCallIndirect(m, table, slot, operands, n, k->params, k->results);
  BinaryenExpressionRef id[3];
  for (int i = 0; i < 3; i++) id[i] = BinaryenLocalGet(m, n, BinaryenTypeInt32());
  BinaryenExpressionRef enter = BinaryenCall(m, ctx->hooks.enter_name, &id[0], 1, BinaryenTypeNone());
  BinaryenExpressionRef exit = BinaryenCall(m, ctx->hooks.exit_name, &id[1], 1, BinaryenTypeNone());
  BinaryenExpressionRef inner;
  BinaryenType var = k->results;
  bool has_result = k->results != BinaryenTypeNone();
  if (has_result) {
    BinaryenExpressionRef seq[3] = {BinaryenLocalSet(m, n + 1, call), exit,
                                    BinaryenLocalGet(m, n + 1, k->results)};
    inner = BinaryenBlock(m, NULL, seq, 3, k->results);
  } else {
    BinaryenExpressionRef seq[2] = {call, exit};
    inner = BinaryenBlock(m, NULL, seq, 2, BinaryenTypeNone());
  }
  if (k->guard) {
    BinaryenExpressionRef on_unwind[2] = {
        BinaryenCall(m, ctx->hooks.exit_name, &id[2], 1, BinaryenTypeNone()),
        BinaryenRethrow(m, "wi$unwind"),
    };
    BinaryenExpressionRef catch_all = BinaryenBlock(m, NULL, on_unwind, 2, BinaryenTypeUnreachable());
    inner = BinaryenTry(m, "wi$unwind", inner, NULL, 0, &catch_all, 1, NULL);
  }
  BinaryenExpressionRef body[2] = {enter, inner};
  BinaryenFunctionRef added =
      BinaryenAddFunction(m, name, BinaryenTypeCreate(types, n + 1), k->results, &var,
                          has_result ? 1 : 0, BinaryenBlock(m, NULL, body, 2, k->results));
  free(name);
  free(types);
  free(operands);
  return BinaryenFunctionGetName(added);
}

/* (func $wi$export$NAME (param P...) (result R)
 *   (call $wi$entry$K (local.get 0..) (i32.const site))) */
static const char *add_shared_wrapper(wi_instrument *ctx, const char *base_name,
                                      const entry_class *k, uint32_t site) {
  BinaryenModuleRef m = ctx->module;
  uint32_t n;
  BinaryenExpressionRef *operands = wi_param_operands(m, k->params, 1, &n);
  char *name = operands ? wi_unique_name(&ctx->names, WI_NAME_FUNCTION, base_name) : NULL;
  if (!name) {
    free(operands);
    return NULL;
  }
  operands[n] = wi_hook_site_id(&ctx->hooks, site);
  BinaryenExpressionRef call = BinaryenCall(m, k->name, operands, n + 1, k->results);
  BinaryenFunctionRef added = BinaryenAddFunction(m, name, k->params, k->results, NULL, 0, call);
  free(name);
  free(operands);
  return BinaryenFunctionGetName(added);
}

static char *wrapper_base(const char *export_name) {
  size_t size = strlen(export_name) + 16;
  char *base = malloc(size);
  if (base) snprintf(base, size, "wi$export$%s", export_name);
  return base;
}

int wi_pass_export_wrappers(wi_instrument *ctx) {
  BinaryenModuleRef m = ctx->module;
  BinaryenIndex count = BinaryenGetNumExports(m);
  if (count > ctx->export_count) count = ctx->export_count; /* only the input's exports */
  saved_export *saved = calloc(count ? count : 1, sizeof *saved);
  const char **targets = calloc(count ? count : 1, sizeof *targets); /* by slot */
  entry_classes classes = {0};
  char *table = NULL, *segment = NULL;
  int rc = -1;
  if (!saved || !targets) goto done;
  bool any = false;
  /* First the exports that get a site, and the classes of their wrappers. */
  for (BinaryenIndex i = 0; i < count; i++) {
    BinaryenExportRef e = BinaryenGetExportByIndex(m, i);
    saved_export *s = &saved[i];
    s->name = BinaryenExportGetName(e);
    s->value = BinaryenExportGetValue(e);
    s->kind = BinaryenExportGetKind(e);
    s->index = -1;
    s->entry = -1;
    int64_t index = exported_defined_function(ctx, s);
    if (index >= 0 && ctx->quiet_global && is_quiet_export(ctx, s->name)) {
      if (quiet_export(ctx, s) != 0) goto done;
      any |= s->wrapper != NULL;
      continue;
    }
    if (index < 0 || !ctx->hook_exports || !ctx->exports[i].selected) continue;
    if (wi_is_glue_export(s->name)) { /* emscripten's plumbing, no boundary */
      ctx->stats.exports_glue++;
      continue;
    }
    s->index = index;
    BinaryenFunctionRef f = BinaryenGetFunction(m, s->value);
    if (!wi_can_quiet_wrap(f)) continue; /* a reference result: a wrapper of its own */
    s->entry = entry_class_of(&classes, BinaryenFunctionGetParams(f), BinaryenFunctionGetResults(f),
                              guard_wanted(ctx, (uint32_t)index));
    if (s->entry < 0) goto done;
    classes.items[s->entry].uses++;
  }
  /* Then the sites, in export order: the export sites are consecutive, from
   * first_site on, and slot j of the table holds the target of site
   * first_site + j. */
  bool shared = false;
  if (BinaryenGetNumTables(m) == 0 || ctx->may_add_table) /* else wrappers of their own */
    for (size_t k = 0; k < classes.count && !shared; k++) shared = classes.items[k].uses >= 2;
  if (!shared)
    for (size_t k = 0; k < classes.count; k++) classes.items[k].uses = 0;
  if (shared && (!(table = wi_unique_name(&ctx->names, WI_NAME_TABLE, "wi$exports")) ||
                 !(segment = wi_unique_name(&ctx->names, WI_NAME_ELEMENT_SEGMENT, "wi$exports"))))
    goto done;
  uint32_t first_site = 0, slots = 0, used_slots = 0;
  for (BinaryenIndex i = 0; i < count; i++) {
    saved_export *s = &saved[i];
    if (s->index < 0) continue;
    uint32_t site = wi_add_site(ctx, WI_SITE_EXPORT, (uint32_t)s->index, s->value, s->name, s->name);
    if (site == UINT32_MAX) goto done;
    if (slots == 0) first_site = site;
    targets[slots++] = s->value;
    char *base = wrapper_base(s->name);
    if (!base) goto done;
    entry_class *k = s->entry >= 0 ? &classes.items[s->entry] : NULL;
    if (k && k->uses >= 2) {
      if (!k->name) k->name = add_shared_entry(ctx, k, table, first_site);
      wi_needs_unwind_guard(ctx, (uint32_t)s->index); /* counted, as for a wrapper of its own */
      s->wrapper = k->name ? add_shared_wrapper(ctx, base, k, site) : NULL;
      used_slots = slots;
      ctx->stats.exports_shared++;
    } else {
      s->wrapper = wi_add_span_wrapper(ctx, base, s->value, site);
    }
    free(base);
    if (!s->wrapper) goto done;
    ctx->stats.exports_wrapped++;
    any = true;
  }
  if (used_slots > 0) {
    /* The items after the last shared wrapper's are never called. */
    BinaryenAddTable(m, table, used_slots, used_slots, BinaryenTypeFuncref());
    BinaryenAddActiveElementSegment(m, table, segment, targets, used_slots,
                                    BinaryenConst(m, BinaryenLiteralInt32(0)));
    ctx->added_table = BinaryenGetNumTables(m) > 1;
    for (size_t k = 0; k < classes.count; k++) ctx->stats.shared_entries += classes.items[k].name != NULL;
  }
  if (any) retarget_exports(m, saved, count);
  rc = 0;
done:
  free(saved);
  free(targets);
  free(classes.items);
  free(table);
  free(segment);
  return rc;
}
