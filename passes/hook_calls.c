#include "hook_calls.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_children.h"
#include "name_section.h" /* WI_LIVE_GLOBAL_PREFIX */

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
  h->frame_live = WI_NO_LOCAL;
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

void wi_hooks_set_frame(wi_hooks *h, BinaryenIndex live, wi_local_maker make_local, void *state) {
  bool patchable = h->muted_table && live != WI_NO_LOCAL;
  h->frame_live = patchable ? live : WI_NO_LOCAL;
  h->frame_local = patchable ? make_local : NULL;
  h->frame_local_state = state;
}

bool wi_hooks_add_muted_table(wi_hooks *h) {
  if (h->muted_table && !h->muted_slots) { /* no function reads it */
    free(h->muted_table);
    h->muted_table = NULL;
  }
  if (!h->muted_table) return true;
  BinaryenModuleRef m = h->module;
  if (BinaryenGetExport(m, WI_MUTED_SITES_EXPORT)) return false;
  BinaryenAddTable(m, h->muted_table, h->muted_slots, h->muted_slots, BinaryenTypeExternref());
  BinaryenAddTableExport(m, h->muted_table, WI_MUTED_SITES_EXPORT);
  return true;
}

static bool patchable_frame(const wi_hooks *h) { return h->frame_live != WI_NO_LOCAL; }

/* (if (local.get $live) (then HOOK_CALL)): a patchable frame's exit, inline,
 * so that a patched-out call of a leaf function calls nothing. */
static BinaryenExpressionRef if_live(wi_hooks *h, BinaryenExpressionRef hook_call) {
  return BinaryenIf(h->module, BinaryenLocalGet(h->module, h->frame_live, BinaryenTypeInt32()),
                    hook_call, NULL);
}

BinaryenExpressionRef wi_hook_enter(wi_hooks *h, uint32_t site) {
  BinaryenExpressionRef call = call_hook(h, enter_hook(h), site);
  if (!patchable_frame(h)) return call;
  /* (if (local.tee $live (global.get $wi$live$id))
   *   (then (call enter id)
   *         (global.set $wi$live$id (ref.is_null (table.get $muted (i32.const id))))))
   * The slot is read into the site's global only on a call that makes its
   * hooks: a patched-out call reads a global, which costs far less than a
   * table (bench/shim/patch-check.mjs). A host that sets the slot is heard
   * at the site's next call, which still makes its hooks; the later ones
   * make none. */
  BinaryenModuleRef m = h->module;
  if (site >= h->muted_slots) h->muted_slots = site + 1;
  char base[32];
  snprintf(base, sizeof base, WI_LIVE_GLOBAL_PREFIX "%" PRIu32, site);
  char *global = wi_unique_name(h->names, WI_NAME_GLOBAL, base);
  if (!global) {
    h->out_of_memory = true;
    return call;
  }
  BinaryenAddGlobal(m, global, BinaryenTypeInt32(), true, BinaryenConst(m, BinaryenLiteralInt32(1)));
  BinaryenExpressionRef slot =
      BinaryenTableGet(m, h->muted_table, site_id(h, site), BinaryenTypeExternref());
  BinaryenExpressionRef then[2] = {
      call,
      BinaryenGlobalSet(m, global, BinaryenRefIs(m, BinaryenRefIsNull(), slot)),
  };
  BinaryenExpressionRef live =
      BinaryenLocalTee(m, h->frame_live, BinaryenGlobalGet(m, global, BinaryenTypeInt32()),
                       BinaryenTypeInt32());
  BinaryenExpressionRef made = BinaryenIf(m, live, BinaryenBlock(m, NULL, then, 2, BinaryenTypeNone()), NULL);
  free(global); /* Binaryen interned the name */
  return made;
}

BinaryenExpressionRef wi_hook_exit(wi_hooks *h, uint32_t site) {
  BinaryenExpressionRef call = call_hook(h, exit_hook(h), site);
  return patchable_frame(h) ? if_live(h, call) : call;
}

/* (func $wi$exit$N (param $value T) (param $id i32) (result T)
 *   (call $exit (local.get $id)) (local.get $value)), or for a patchable
 * frame (param $value T) (param $live i32) (param $id i32), the call made
 * only when $live. */
static const char *exit_helper(wi_hooks *h, BinaryenType type) {
  const char *exit = exit_hook(h);
  bool patchable = patchable_frame(h);
  for (size_t i = 0; i < h->helper_count; i++)
    if (h->helpers[i].type == type && h->helpers[i].calls == exit && h->helpers[i].patchable == patchable)
      return h->helpers[i].name;
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
  BinaryenModuleRef m = h->module;
  BinaryenIndex id_param = patchable ? 2 : 1;
  BinaryenType params[3] = {type, BinaryenTypeInt32(), BinaryenTypeInt32()};
  BinaryenExpressionRef id = BinaryenLocalGet(m, id_param, BinaryenTypeInt32());
  BinaryenExpressionRef call = BinaryenCall(m, exit, &id, 1, BinaryenTypeNone());
  BinaryenExpressionRef body[2] = {
      patchable ? BinaryenIf(m, BinaryenLocalGet(m, 1, BinaryenTypeInt32()), call, NULL) : call,
      BinaryenLocalGet(m, 0, type),
  };
  BinaryenAddFunction(m, name, BinaryenTypeCreate(params, id_param + 1), type, NULL, 0,
                      BinaryenBlock(m, NULL, body, 2, type));
  h->helpers[h->helper_count].type = type;
  h->helpers[h->helper_count].calls = exit;
  h->helpers[h->helper_count].patchable = patchable;
  h->helpers[h->helper_count++].name = name;
  return name;
}

BinaryenExpressionRef wi_hook_exit_after(wi_hooks *h, uint32_t site, BinaryenExpressionRef value,
                                         BinaryenType type) {
  BinaryenModuleRef m = h->module;
  BinaryenType value_type = BinaryenExpressionGetType(value);
  if (value_type == BinaryenTypeUnreachable()) return value;
  if (value_type == BinaryenTypeNone() || type == BinaryenTypeNone()) {
    BinaryenExpressionRef seq[2] = {value, wi_hook_exit(h, site)};
    return BinaryenBlock(m, NULL, seq, 2, BinaryenTypeNone());
  }
  /* A patchable frame's value waits in a local while the exit is decided:
   * no call on a patched-out call's way out. */
  if (patchable_frame(h) && wi_type_is_defaultable(type) && !wi_starts_with_pop(value)) {
    BinaryenIndex local = h->frame_local(h->frame_local_state, type);
    BinaryenExpressionRef seq[3] = {
        BinaryenLocalSet(m, local, value),
        wi_hook_exit(h, site),
        BinaryenLocalGet(m, local, type),
    };
    return BinaryenBlock(m, NULL, seq, 3, type);
  }
  const char *helper = exit_helper(h, type);
  if (!helper) return value;
  if (!patchable_frame(h)) {
    BinaryenExpressionRef args[2] = {value, site_id(h, site)};
    return BinaryenCall(m, helper, args, 2, type);
  }
  BinaryenExpressionRef args[3] = {value, BinaryenLocalGet(m, h->frame_live, BinaryenTypeInt32()),
                                   site_id(h, site)};
  return BinaryenCall(m, helper, args, 3, type);
}

bool wi_starts_with_pop(BinaryenExpressionRef e) {
  while (e) {
    BinaryenExpressionId id = BinaryenExpressionGetId(e);
    if (id == wi_ids.pop) return true;
    if (id == wi_ids.block) return false; /* no pop can be inside one */
    int count = wi_child_count_id(e, id);
    BinaryenExpressionRef first = NULL;
    for (int i = 0; i < count && !first; i++) first = wi_child_get_id(e, id, i);
    e = first;
  }
  return false;
}

bool wi_type_is_defaultable(BinaryenType t) {
  return t == BinaryenTypeInt32() || t == BinaryenTypeInt64() || t == BinaryenTypeFloat32() ||
         t == BinaryenTypeFloat64() || t == BinaryenTypeVec128() || t == BinaryenTypeFuncref() ||
         t == BinaryenTypeExternref() || t == BinaryenTypeAnyref() || t == BinaryenTypeEqref();
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
