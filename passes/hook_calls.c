#include "hook_calls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A unique name `wi$<kind>$<field>` for a function the hooks add; owned. */
static char *hook_function_name(wi_hooks *h, const char *kind, const char *field) {
  char base[64];
  snprintf(base, sizeof base, "wi$%s$%s", kind, field);
  return wi_unique_name(h->names, WI_NAME_FUNCTION, base);
}

static char *add_hook_import(wi_hooks *h, const char *module_name, const char *field) {
  char *name = hook_function_name(h, "hook", field);
  if (!name) return NULL;
  BinaryenAddFunctionImport(h->module, name, module_name, field, BinaryenTypeInt32(),
                            BinaryenTypeNone());
  return name;
}

static bool is_imported(BinaryenFunctionRef f) {
  const char *module = BinaryenFunctionImportGetModule(f);
  return module && module[0];
}

/* Moves the module's other function imports after the hook imports (removed
 * and added again, in order; everything names them, nothing holds them), so
 * that the hooks get the first function indices: a 1-byte LEB in every hook
 * call, where after 126 or more imports it would take 2 (duckdb-wasm has 130). */
static bool hooks_first(wi_hooks *h) {
  BinaryenModuleRef m = h->module;
  BinaryenIndex count = BinaryenGetNumFunctions(m), moved = 0;
  typedef struct {
    const char *name, *module, *base; /* interned by Binaryen: they outlive the function */
    BinaryenType params, results;
  } import;
  import *imports = malloc((count ? count : 1) * sizeof *imports);
  if (!imports) return false;
  for (BinaryenIndex i = 0; i < count; i++) {
    BinaryenFunctionRef f = BinaryenGetFunctionByIndex(m, i);
    const char *name = BinaryenFunctionGetName(f);
    if (!is_imported(f) || strcmp(name, h->enter_name) == 0 || strcmp(name, h->exit_name) == 0 ||
        (h->memory_grow_name && strcmp(name, h->memory_grow_name) == 0) ||
        (h->unwind_name && strcmp(name, h->unwind_name) == 0))
      continue;
    imports[moved++] = (import){name, BinaryenFunctionImportGetModule(f),
                                BinaryenFunctionImportGetBase(f), BinaryenFunctionGetParams(f),
                                BinaryenFunctionGetResults(f)};
  }
  for (BinaryenIndex i = 0; i < moved; i++) BinaryenRemoveFunction(m, imports[i].name);
  for (BinaryenIndex i = 0; i < moved; i++)
    BinaryenAddFunctionImport(m, imports[i].name, imports[i].module, imports[i].base,
                              imports[i].params, imports[i].results);
  free(imports);
  return true;
}

bool wi_hooks_init(wi_hooks *h, BinaryenModuleRef module, wi_unique_names *names, wi_abi abi,
                   bool exceptions, bool unwind_hook) {
  memset(h, 0, sizeof *h);
  h->module = module;
  h->names = names;
  h->abi = abi;
  h->exceptions = exceptions;
  h->frame_token = WI_NO_TOKEN;
  const char *import_module = abi == WI_ABI_OBSERVE_SDK ? WI_OBSERVE_MODULE : WI_HOOK_MODULE;
  h->enter_name = add_hook_import(h, import_module, "enter");
  h->exit_name = add_hook_import(h, import_module, "exit");
  if (abi == WI_ABI_OBSERVE_SDK) h->memory_grow_name = add_hook_import(h, import_module, "memory-grow");
  if (unwind_hook && abi == WI_ABI_DEFAULT) h->unwind_name = add_hook_import(h, WI_UNWIND_MODULE, "unwind");
  return h->enter_name && h->exit_name && (abi != WI_ABI_OBSERVE_SDK || h->memory_grow_name) &&
         (!unwind_hook || abi != WI_ABI_DEFAULT || h->unwind_name) && hooks_first(h);
}

/* (func $guard (param $id i32) (if (i32.eqz (global.get $quiet)) (call $hook (local.get $id)))) */
static char *add_quiet_guard(wi_hooks *h, const char *hook, const char *field,
                             const char *quiet_global) {
  char *name = hook_function_name(h, "quiet", field);
  if (!name) return NULL;
  BinaryenModuleRef m = h->module;
  BinaryenExpressionRef id = BinaryenLocalGet(m, 0, BinaryenTypeInt32());
  BinaryenExpressionRef quiet = BinaryenGlobalGet(m, quiet_global, BinaryenTypeInt32());
  BinaryenExpressionRef body =
      BinaryenIf(m, BinaryenUnary(m, BinaryenEqZInt32(), quiet),
                 BinaryenCall(m, hook, &id, 1, BinaryenTypeNone()), NULL);
  BinaryenAddFunction(m, name, BinaryenTypeInt32(), BinaryenTypeNone(), NULL, 0, body);
  return name;
}

/* Hook calls go through the guards `enter` and `exit` (owned, NULL when out
 * of memory) from now on; the imports are kept aside. */
static bool use_guards(wi_hooks *h, char *enter, char *exit) {
  if (!enter || !exit) {
    free(enter);
    free(exit);
    return false;
  }
  h->enter_import = h->enter_name;
  h->exit_import = h->exit_name;
  h->enter_name = enter;
  h->exit_name = exit;
  return true;
}

bool wi_hooks_add_quiet_guards(wi_hooks *h, const char *quiet_global) {
  BinaryenAddGlobal(h->module, quiet_global, BinaryenTypeInt32(), true,
                    BinaryenConst(h->module, BinaryenLiteralInt32(0)));
  char *enter = add_quiet_guard(h, h->enter_name, "enter", quiet_global); /* enter first */
  return use_guards(h, enter, add_quiet_guard(h, h->exit_name, "exit", quiet_global));
}

static BinaryenExpressionRef add_to_depth(wi_hooks *h, int32_t delta) {
  BinaryenModuleRef m = h->module;
  BinaryenExpressionRef sum = BinaryenBinary(
      m, BinaryenAddInt32(), BinaryenGlobalGet(m, h->depth_global, BinaryenTypeInt32()),
      BinaryenConst(m, BinaryenLiteralInt32(delta)));
  return BinaryenGlobalSet(m, h->depth_global, sum);
}

/* (func $guard (param $id i32) depth += 1; (call $enter (local.get $id))), or
 * for exit the call first, then depth -= 1. */
static char *add_depth_guard(wi_hooks *h, const char *hook, const char *field, int32_t delta) {
  char *name = hook_function_name(h, "depth", field);
  if (!name) return NULL;
  BinaryenModuleRef m = h->module;
  BinaryenExpressionRef id = BinaryenLocalGet(m, 0, BinaryenTypeInt32());
  BinaryenExpressionRef call = BinaryenCall(m, hook, &id, 1, BinaryenTypeNone());
  BinaryenExpressionRef count = add_to_depth(h, delta);
  BinaryenExpressionRef body[2] = {delta > 0 ? count : call, delta > 0 ? call : count};
  BinaryenAddFunction(m, name, BinaryenTypeInt32(), BinaryenTypeNone(), NULL, 0,
                      BinaryenBlock(m, NULL, body, 2, BinaryenTypeNone()));
  return name;
}

bool wi_hooks_track_depth(wi_hooks *h) {
  if (!h->unwind_name || h->enter_import) return false;
  h->depth_global = wi_unique_name(h->names, WI_NAME_GLOBAL, "wi$depth");
  if (!h->depth_global) return false;
  BinaryenAddGlobal(h->module, h->depth_global, BinaryenTypeInt32(), true,
                    BinaryenConst(h->module, BinaryenLiteralInt32(0)));
  char *enter = add_depth_guard(h, h->enter_name, "enter", 1); /* enter first */
  return use_guards(h, enter, add_depth_guard(h, h->exit_name, "exit", -1));
}

void wi_hooks_free(wi_hooks *h) {
  free(h->enter_name);
  free(h->exit_name);
  free(h->enter_import);
  free(h->exit_import);
  free(h->memory_grow_name);
  free(h->unwind_name);
  free(h->depth_global);
  free(h->memory_grow_helper);
  free(h->memory_grow_helper64);
  free(h->muted_table);
  for (size_t i = 0; i < 2; i++) {
    free(h->patch_enters[i].name);
    free(h->patch_exits[i].name);
  }
  for (size_t i = 0; i < h->helper_count; i++) free(h->helpers[i].name);
  free(h->helpers);
  free(h->id_uses);
  memset(h, 0, sizeof *h);
}

static BinaryenExpressionRef site_id(wi_hooks *h, uint32_t site) {
  BinaryenExpressionRef c = BinaryenConst(h->module, BinaryenLiteralInt32((int32_t)site));
  if (h->id_use_count == h->id_use_capacity) {
    size_t capacity = h->id_use_capacity ? h->id_use_capacity * 2 : 1024;
    wi_id_use *grown = realloc(h->id_uses, capacity * sizeof *grown);
    if (!grown) {
      h->out_of_memory = true;
      return c;
    }
    h->id_uses = grown;
    h->id_use_capacity = capacity;
  }
  h->id_uses[h->id_use_count].constant = c;
  h->id_uses[h->id_use_count++].site = site;
  return c;
}

BinaryenExpressionRef wi_hook_site_id(wi_hooks *h, uint32_t site) { return site_id(h, site); }

void wi_hooks_count_frame(wi_hooks *h, bool counted) { h->uncounted = h->depth_global && !counted; }

static BinaryenExpressionRef call_hook(wi_hooks *h, const char *hook, uint32_t site) {
  BinaryenExpressionRef id = site_id(h, site);
  return BinaryenCall(h->module, hook, &id, 1, BinaryenTypeNone());
}

/* What an enter or exit calls now: the guard, or the import itself. */
static const char *enter_hook(const wi_hooks *h) { return h->uncounted ? h->enter_import : h->enter_name; }
static const char *exit_hook(const wi_hooks *h) { return h->uncounted ? h->exit_import : h->exit_name; }

bool wi_hooks_make_patchable(wi_hooks *h) {
  h->muted_table = wi_unique_name(h->names, WI_NAME_TABLE, "wi$muted");
  return h->muted_table != NULL;
}

void wi_hooks_set_frame_token(wi_hooks *h, BinaryenIndex local) {
  h->frame_token = h->muted_table ? local : WI_NO_TOKEN;
}

bool wi_hooks_add_muted_table(wi_hooks *h, uint32_t site_count) {
  if (h->muted_table && !h->patch_enters[0].name) { /* no function reads it */
    free(h->muted_table);
    h->muted_table = NULL;
  }
  if (!h->muted_table) return true;
  BinaryenModuleRef m = h->module;
  if (BinaryenGetExport(m, WI_MUTED_SITES_EXPORT)) return false;
  BinaryenAddTable(m, h->muted_table, site_count, site_count, BinaryenTypeExternref());
  BinaryenAddTableExport(m, h->muted_table, WI_MUTED_SITES_EXPORT);
  return true;
}

/* (func $wi$patch$enter (param $id i32) (result i32)
 *   (if (result i32) (ref.is_null (table.get $muted (local.get $id)))
 *     (then (call $hook (local.get $id)) (local.get $id)) (else (i32.const -1))))
 * (func $wi$patch$exit (param $token i32)
 *   (if (i32.ge_s (local.get $token) (i32.const 0)) (then (call $hook (local.get $token))))) */
static BinaryenExpressionRef patch_guard_body(wi_hooks *h, const char *hook, bool enter) {
  BinaryenModuleRef m = h->module;
  BinaryenExpressionRef id = BinaryenLocalGet(m, 0, BinaryenTypeInt32());
  BinaryenExpressionRef call = BinaryenCall(m, hook, &id, 1, BinaryenTypeNone());
  if (!enter) {
    BinaryenExpressionRef entered =
        BinaryenBinary(m, BinaryenGeSInt32(), BinaryenLocalGet(m, 0, BinaryenTypeInt32()),
                       BinaryenConst(m, BinaryenLiteralInt32(0)));
    return BinaryenIf(m, entered, call, NULL);
  }
  BinaryenExpressionRef slot = BinaryenTableGet(m, h->muted_table,
                                                BinaryenLocalGet(m, 0, BinaryenTypeInt32()),
                                                BinaryenTypeExternref());
  BinaryenExpressionRef then[2] = {call, BinaryenLocalGet(m, 0, BinaryenTypeInt32())};
  return BinaryenIf(m, BinaryenRefIs(m, BinaryenRefIsNull(), slot),
                    BinaryenBlock(m, NULL, then, 2, BinaryenTypeInt32()),
                    BinaryenConst(m, BinaryenLiteralInt32(-1)));
}

/* The patchable frame's guard in front of `hook`, made on first use. */
static const char *patch_guard(wi_hooks *h, const char *hook, bool enter) {
  wi_patch_guard *guards = enter ? h->patch_enters : h->patch_exits;
  size_t i = 0;
  while (i < 2 && guards[i].name && guards[i].calls != hook) i++;
  if (i == 2) return NULL; /* a third hook: cannot happen (import or depth guard) */
  if (guards[i].name) return guards[i].name;
  char *name = hook_function_name(h, "patch", enter ? "enter" : "exit");
  if (!name) {
    h->out_of_memory = true;
    return NULL;
  }
  BinaryenAddFunction(h->module, name, BinaryenTypeInt32(),
                      enter ? BinaryenTypeInt32() : BinaryenTypeNone(), NULL, 0,
                      patch_guard_body(h, hook, enter));
  guards[i] = (wi_patch_guard){hook, name};
  return name;
}

/* What an exit calls: in a patchable frame, the exit's patch guard. */
static const char *frame_exit(wi_hooks *h) {
  if (h->frame_token == WI_NO_TOKEN) return exit_hook(h);
  return patch_guard(h, exit_hook(h), false);
}

/* The id an exit passes: the site's, or in a patchable frame its token. */
static BinaryenExpressionRef exit_id(wi_hooks *h, uint32_t site) {
  if (h->frame_token == WI_NO_TOKEN) return site_id(h, site);
  return BinaryenLocalGet(h->module, h->frame_token, BinaryenTypeInt32());
}

BinaryenExpressionRef wi_hook_enter(wi_hooks *h, uint32_t site) {
  if (h->frame_token == WI_NO_TOKEN) return call_hook(h, enter_hook(h), site);
  const char *guard = patch_guard(h, enter_hook(h), true);
  if (!guard) return BinaryenNop(h->module);
  BinaryenExpressionRef id = site_id(h, site);
  return BinaryenLocalSet(h->module, h->frame_token,
                          BinaryenCall(h->module, guard, &id, 1, BinaryenTypeInt32()));
}

BinaryenExpressionRef wi_hook_exit(wi_hooks *h, uint32_t site) {
  const char *hook = frame_exit(h);
  if (!hook) return BinaryenNop(h->module);
  BinaryenExpressionRef id = exit_id(h, site);
  return BinaryenCall(h->module, hook, &id, 1, BinaryenTypeNone());
}

/* (func $wi$exit$N (param $value T) (param $id i32) (result T)
 *   (call $exit (local.get $id)) (local.get $value)) */
static const char *exit_helper(wi_hooks *h, BinaryenType type) {
  const char *exit = frame_exit(h);
  if (!exit) return NULL;
  for (size_t i = 0; i < h->helper_count; i++)
    if (h->helpers[i].type == type && h->helpers[i].calls == exit) return h->helpers[i].name;
  wi_exit_helper *grown = realloc(h->helpers, (h->helper_count + 1) * sizeof *grown);
  if (!grown) {
    h->out_of_memory = true;
    return NULL;
  }
  h->helpers = grown;
  char base[32];
  snprintf(base, sizeof base, "wi$exit$%zu", h->helper_count);
  char *name = wi_unique_name(h->names, WI_NAME_FUNCTION, base);
  if (!name) {
    h->out_of_memory = true;
    return NULL;
  }
  BinaryenType params[2] = {type, BinaryenTypeInt32()};
  BinaryenExpressionRef id = BinaryenLocalGet(h->module, 1, BinaryenTypeInt32());
  BinaryenExpressionRef body[2] = {
      BinaryenCall(h->module, exit, &id, 1, BinaryenTypeNone()),
      BinaryenLocalGet(h->module, 0, type),
  };
  BinaryenAddFunction(h->module, name, BinaryenTypeCreate(params, 2), type, NULL, 0,
                      BinaryenBlock(h->module, NULL, body, 2, type));
  h->helpers[h->helper_count].type = type;
  h->helpers[h->helper_count].calls = exit;
  h->helpers[h->helper_count++].name = name;
  return name;
}

BinaryenExpressionRef wi_hook_exit_after(wi_hooks *h, uint32_t site, BinaryenExpressionRef value,
                                         BinaryenType type) {
  BinaryenType value_type = BinaryenExpressionGetType(value);
  if (value_type == BinaryenTypeUnreachable()) return value;
  if (value_type == BinaryenTypeNone() || type == BinaryenTypeNone()) {
    BinaryenExpressionRef seq[2] = {value, wi_hook_exit(h, site)};
    return BinaryenBlock(h->module, NULL, seq, 2, BinaryenTypeNone());
  }
  const char *helper = exit_helper(h, type);
  if (!helper) return value;
  BinaryenExpressionRef args[2] = {value, exit_id(h, site)};
  return BinaryenCall(h->module, helper, args, 2, type);
}

BinaryenExpressionRef wi_hook_unwind_guard(wi_hooks *h, uint32_t site, BinaryenExpressionRef body,
                                           const char *label) {
  if (!h->exceptions) return body;
  BinaryenExpressionRef on_unwind[2] = {
      wi_hook_exit(h, site),
      BinaryenRethrow(h->module, label),
  };
  BinaryenExpressionRef catch_all = BinaryenBlock(h->module, NULL, on_unwind, 2,
                                                  BinaryenTypeUnreachable());
  return BinaryenTry(h->module, label, body, NULL, 0, &catch_all, 1, NULL);
}

void wi_hooks_renumber(wi_hooks *h, const uint32_t *new_ids) {
  for (size_t i = 0; i < h->id_use_count; i++)
    BinaryenConstSetValueI32(h->id_uses[i].constant, (int32_t)new_ids[h->id_uses[i].site]);
}
