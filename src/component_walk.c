#include "component_walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byte_reader.h"
#include "hook_calls.h"

const char *wi_space_name(wi_space space) {
  static const char *const names[WI_SPACE_COUNT] = {
      "core func", "core table", "core memory", "core global", "core tag",
      "core type", "core module", "core instance", "func", "value",
      "type",      "component", "instance"};
  return space < WI_SPACE_COUNT ? names[space] : "?";
}

uint32_t wi_shift_index(const wi_index_shift *shift, wi_space space, uint32_t index) {
  if (!shift || index < shift->from[space]) return index;
  return index + shift->add[space];
}

void wi_component_facts_free(wi_component_facts *f) {
  free(f->module_defs);
  free(f->component_defs);
  free(f->core_instantiations);
  free(f->instantiations);
  free(f->imports);
  free(f->type_defs);
  free(f->core_funcs);
  free(f->quiet_funcs);
  free(f->lifted_funcs);
  memset(f, 0, sizeof *f);
}

int wi_sort_space(uint8_t sort, uint8_t core_sort) {
  switch (sort) {
    case 0x00:
      switch (core_sort) {
        case 0x00: return WI_SPACE_CORE_FUNC;
        case 0x01: return WI_SPACE_CORE_TABLE;
        case 0x02: return WI_SPACE_CORE_MEMORY;
        case 0x03: return WI_SPACE_CORE_GLOBAL;
        case 0x04: return WI_SPACE_CORE_TAG;
        case 0x10: return WI_SPACE_CORE_TYPE;
        case 0x11: return WI_SPACE_CORE_MODULE;
        case 0x12: return WI_SPACE_CORE_INSTANCE;
        default: return -1;
      }
    case 0x01: return WI_SPACE_FUNC;
    case 0x02: return WI_SPACE_VALUE;
    case 0x03: return WI_SPACE_TYPE;
    case 0x04: return WI_SPACE_COMPONENT;
    case 0x05: return WI_SPACE_INSTANCE;
    default: return -1;
  }
}

/* The transcoder: reads one production and writes it again (to `out`, when
 * writing) with its indices shifted. Every function returns false on error,
 * with the reason already in walk->why. */
typedef struct {
  wi_walk *walk;
  wi_reader r;
  wi_writer *out;    /* NULL when only checking */
  wi_scope *scope;   /* the innermost scope */
  unsigned depth;    /* nesting of type declarations */
  bool out_of_memory;
  const char *wanted_func; /* wi_instance_type_exports_func: a function export to find */
  bool found;
} tc;

static size_t offset_here(const tc *t) {
  return (size_t)(t->r.data + t->r.pos - t->walk->input);
}

static bool failf(tc *t, const char *what) {
  if (!t->walk->why[0])
    snprintf(t->walk->why, sizeof t->walk->why, "malformed component: %s (at byte offset %zu)",
             what, offset_here(t));
  return false;
}

static bool truncated(tc *t) { return failf(t, "truncated or overlong encoding"); }

static void put_byte(tc *t, uint8_t b) {
  if (t->out) wi_put_bytes(t->out, &b, 1);
}

static bool copy_byte(tc *t, uint8_t *b) {
  if (!wi_read_u8(&t->r, b)) return truncated(t);
  put_byte(t, *b);
  return true;
}

static bool copy_u32(tc *t, uint32_t *v) {
  if (!wi_read_u32(&t->r, v)) return truncated(t);
  if (t->out) wi_put_u32(t->out, *v);
  return true;
}

static bool copy_name(tc *t) {
  const uint8_t *name;
  uint32_t len;
  if (!wi_read_name(&t->r, &name, &len)) return truncated(t);
  if (t->out) wi_put_name(t->out, name, len);
  return true;
}

/* Copies `n` raw bytes starting at `from` in the reader's data. */
static void copy_span(tc *t, size_t from) {
  if (t->out) wi_put_bytes(t->out, t->r.data + from, t->r.pos - from);
}

static bool note(tc *t, void **array, size_t *count, size_t item_size, const void *item);

static void define(tc *t, wi_space space) { t->scope->count[space]++; }

/* Defines a core function of the component itself and records its origin. */
static bool define_core_func(tc *t, uint32_t core_instance, const uint8_t *name, uint32_t len) {
  wi_component_facts *f = t->walk->facts;
  wi_core_func_fact item = {core_instance, name, len};
  if (f && t->scope == t->walk->scope &&
      !note(t, (void **)&f->core_funcs, &f->core_func_count, sizeof item, &item))
    return false;
  define(t, WI_SPACE_CORE_FUNC);
  return true;
}

/* Checks `index` against the definitions of `space` in `scope`. */
static bool check_index(tc *t, const wi_scope *scope, wi_space space, uint32_t index) {
  if (index < scope->count[space]) return true;
  char what[96];
  snprintf(what, sizeof what, "%s index %u out of range (%u defined)", wi_space_name(space),
           index, scope->count[space]);
  return failf(t, what);
}

/* A u32 index into `space` of the current scope. */
static bool copy_index(tc *t, wi_space space) {
  uint32_t index;
  if (!wi_read_u32(&t->r, &index)) return truncated(t);
  if (!check_index(t, t->scope, space, index)) return false;
  if (t->out) wi_put_u32(t->out, wi_shift_index(t->scope->shift, space, index));
  return true;
}

/* core:sortidx or sortidx: a sort, then an index in its space. */
static bool copy_sortidx(tc *t, bool core, wi_space *space_out) {
  uint8_t sort, core_sort = 0;
  if (!copy_byte(t, &sort)) return false;
  if (core) {
    core_sort = sort;
    sort = 0x00;
  } else if (sort == 0x00 && !copy_byte(t, &core_sort)) {
    return false;
  }
  int space = wi_sort_space(sort, core_sort);
  if (space < 0) return failf(t, "unknown sort");
  if (space_out) *space_out = (wi_space)space;
  return copy_index(t, (wi_space)space);
}

/* nameattributes: the extern name, and for 0x02 its attributes. */
static bool copy_extern_name(tc *t, const uint8_t **name, uint32_t *len) {
  uint8_t kind;
  if (!copy_byte(t, &kind)) return false;
  if (kind > 0x02) return failf(t, "unknown import or export name encoding");
  if (!wi_read_name(&t->r, name, len)) return truncated(t);
  if (t->out) wi_put_name(t->out, *name, *len);
  if (kind != 0x02) return true;
  uint32_t count;
  if (!copy_u32(t, &count)) return false;
  for (uint32_t i = 0; i < count; i++) {
    uint8_t attribute;
    if (!copy_byte(t, &attribute)) return false;
    if (attribute > 0x02) return failf(t, "unknown name attribute");
    if (!copy_name(t)) return false;
  }
  return true;
}

/* ---- core types: never shifted (the tool adds no core type), so they are
 * copied byte for byte once their extent is known. ---- */

static bool skip_core_valtype(tc *t) {
  uint8_t code;
  if (!wi_read_u8(&t->r, &code)) return truncated(t);
  if (code == 0x63 || code == 0x64) {
    uint32_t heap;
    uint8_t peek;
    if (!wi_read_u8(&t->r, &peek)) return truncated(t);
    if (peek == 0x65 && !wi_read_u8(&t->r, &peek)) return truncated(t); /* shared */
    t->r.pos--;
    if (peek >= 0x40 && peek < 0x80) return wi_skip(&t->r, 1) || truncated(t); /* abstract */
    return wi_read_s33_index(&t->r, &heap) || truncated(t);
  }
  if (code == 0x65) { /* a shared abstract reference type */
    uint8_t abstract;
    return wi_read_u8(&t->r, &abstract) || truncated(t);
  }
  if (code < 0x40 || code >= 0x80) return failf(t, "unknown core value type");
  return true;
}

static bool skip_core_comptype(tc *t) {
  uint8_t form;
  uint32_t count;
  if (!wi_read_u8(&t->r, &form)) return truncated(t);
  switch (form) {
    case 0x60: /* func */
      for (int part = 0; part < 2; part++) {
        if (!wi_read_u32(&t->r, &count)) return truncated(t);
        for (uint32_t i = 0; i < count; i++)
          if (!skip_core_valtype(t)) return false;
      }
      return true;
    case 0x5f: /* struct: fields of storage type and mutability */
      if (!wi_read_u32(&t->r, &count)) return truncated(t);
      for (uint32_t i = 0; i < count; i++) {
        uint8_t mut;
        if (!skip_core_valtype(t) || !wi_read_u8(&t->r, &mut)) return truncated(t);
      }
      return true;
    case 0x5e: { /* array */
      uint8_t mut;
      return skip_core_valtype(t) && (wi_read_u8(&t->r, &mut) || truncated(t));
    }
    default: return failf(t, "unknown core type form");
  }
}

static bool skip_core_subtype_after(tc *t) {
  uint32_t count, super;
  if (!wi_read_u32(&t->r, &count)) return truncated(t);
  for (uint32_t i = 0; i < count; i++)
    if (!wi_read_u32(&t->r, &super)) return truncated(t);
  return skip_core_comptype(t);
}

static bool skip_core_externtype(tc *t) {
  uint8_t kind;
  uint32_t index;
  if (!wi_read_u8(&t->r, &kind)) return truncated(t);
  switch (kind) {
    case 0x00: return wi_read_u32(&t->r, &index) || truncated(t);
    case 0x01: return (skip_core_valtype(t) && (wi_skip_limits(&t->r) || truncated(t)));
    case 0x02: return wi_skip_limits(&t->r) || truncated(t);
    case 0x03: {
      uint8_t mut;
      return skip_core_valtype(t) && (wi_read_u8(&t->r, &mut) || truncated(t));
    }
    case 0x04: {
      uint8_t attribute;
      return (wi_read_u8(&t->r, &attribute) && wi_read_u32(&t->r, &index)) || truncated(t);
    }
    default: return failf(t, "unknown core import kind");
  }
}

static bool skip_core_type(tc *t, unsigned depth, uint32_t *defined);

static bool skip_core_moduletype(tc *t, unsigned depth) {
  uint32_t count;
  if (!wi_read_u32(&t->r, &count)) return truncated(t);
  for (uint32_t i = 0; i < count; i++) {
    uint8_t decl;
    uint32_t unused;
    if (!wi_read_u8(&t->r, &decl)) return truncated(t);
    switch (decl) {
      case 0x00: { /* import: module name, field name, type */
        const uint8_t *n;
        uint32_t len;
        if (!wi_read_name(&t->r, &n, &len) || !wi_read_name(&t->r, &n, &len)) return truncated(t);
        if (!skip_core_externtype(t)) return false;
        break;
      }
      case 0x01:
        if (!skip_core_type(t, depth + 1, &unused)) return false;
        break;
      case 0x02: { /* alias outer (type) */
        uint8_t sort, target;
        uint32_t ct, index;
        if (!wi_read_u8(&t->r, &sort) || !wi_read_u8(&t->r, &target) ||
            !wi_read_u32(&t->r, &ct) || !wi_read_u32(&t->r, &index))
          return truncated(t);
        break;
      }
      case 0x03: { /* export */
        const uint8_t *n;
        uint32_t len;
        if (!wi_read_name(&t->r, &n, &len)) return truncated(t);
        if (!skip_core_externtype(t)) return false;
        break;
      }
      default: return failf(t, "unknown core module type declaration");
    }
  }
  return true;
}

/* One core:type; *defined is how many core type indices it defines. */
static bool skip_core_type(tc *t, unsigned depth, uint32_t *defined) {
  if (depth > WI_COMPONENT_MAX_DEPTH) return failf(t, "types nested too deeply");
  uint8_t form;
  *defined = 1;
  if (!wi_read_u8(&t->r, &form)) return truncated(t);
  switch (form) {
    case 0x50: return skip_core_moduletype(t, depth);
    case 0x00: /* 0x00 0x50: a non-final sub type */
      if (!wi_read_u8(&t->r, &form) || form != 0x50) return failf(t, "unknown core type form");
      return skip_core_subtype_after(t);
    case 0x4f: return skip_core_subtype_after(t);
    case 0x4e: { /* a recursion group */
      uint32_t count;
      if (!wi_read_u32(&t->r, &count)) return truncated(t);
      for (uint32_t i = 0; i < count; i++) {
        uint8_t sub;
        if (!wi_read_u8(&t->r, &sub)) return truncated(t);
        if (sub == 0x50 || sub == 0x4f) {
          if (!skip_core_subtype_after(t)) return false;
        } else {
          t->r.pos--;
          if (!skip_core_comptype(t)) return false;
        }
      }
      *defined = count;
      return true;
    }
    default:
      t->r.pos--;
      return skip_core_comptype(t);
  }
}

/* Copies one core:type as it is, counting what it defines in `scope`. */
static bool copy_core_type(tc *t) {
  size_t from = t->r.pos;
  uint32_t defined;
  if (!skip_core_type(t, t->depth, &defined)) return false;
  copy_span(t, from);
  t->scope->count[WI_SPACE_CORE_TYPE] += defined;
  return true;
}

/* ---- component types ---- */

static bool is_primitive_valtype(uint8_t b) { return (b >= 0x73 && b <= 0x7f) || b == 0x64; }

/* valtype: a primitive, or a type index encoded as s33 (so a shifted index
 * may need one byte more). */
static bool copy_valtype(tc *t) {
  uint8_t b;
  if (!wi_read_u8(&t->r, &b)) return truncated(t);
  if (is_primitive_valtype(b)) {
    put_byte(t, b);
    return true;
  }
  t->r.pos--;
  uint32_t index;
  if (!wi_read_s33_index(&t->r, &index)) return failf(t, "unknown value type");
  if (!check_index(t, t->scope, WI_SPACE_TYPE, index)) return false;
  if (t->out) wi_put_s33(t->out, wi_shift_index(t->scope->shift, WI_SPACE_TYPE, index));
  return true;
}

/* <valtype>? : 0x00 | 0x01 valtype */
static bool copy_optional_valtype(tc *t) {
  uint8_t present;
  if (!copy_byte(t, &present)) return false;
  if (present > 1) return failf(t, "bad optional value type");
  return present == 0 || copy_valtype(t);
}

static bool copy_labelled_valtypes(tc *t) {
  uint32_t count;
  if (!copy_u32(t, &count)) return false;
  for (uint32_t i = 0; i < count; i++)
    if (!copy_name(t) || !copy_valtype(t)) return false;
  return true;
}

static bool copy_labels(tc *t) {
  uint32_t count;
  if (!copy_u32(t, &count)) return false;
  for (uint32_t i = 0; i < count; i++)
    if (!copy_name(t)) return false;
  return true;
}

static bool copy_type_scope_decls(tc *t, bool component_type);

/* externtype; *space is the index space of what it describes. */
static bool copy_externtype(tc *t, wi_space *space) {
  uint8_t kind, b;
  if (!copy_byte(t, &kind)) return false;
  switch (kind) {
    case 0x00:
      if (!copy_byte(t, &b)) return false;
      if (b != 0x11) return failf(t, "unknown core extern type");
      *space = WI_SPACE_CORE_MODULE;
      return copy_index(t, WI_SPACE_CORE_TYPE);
    case 0x01: *space = WI_SPACE_FUNC; return copy_index(t, WI_SPACE_TYPE);
    case 0x02:
      *space = WI_SPACE_VALUE;
      if (!copy_byte(t, &b)) return false;
      if (b == 0x00) return copy_index(t, WI_SPACE_VALUE);
      if (b == 0x01) return copy_valtype(t);
      return failf(t, "unknown value bound");
    case 0x03:
      *space = WI_SPACE_TYPE;
      if (!copy_byte(t, &b)) return false;
      if (b == 0x00) return copy_index(t, WI_SPACE_TYPE);
      if (b == 0x01) return true; /* sub resource */
      return failf(t, "unknown type bound");
    case 0x04: *space = WI_SPACE_COMPONENT; return copy_index(t, WI_SPACE_TYPE);
    case 0x05: *space = WI_SPACE_INSTANCE; return copy_index(t, WI_SPACE_TYPE);
    default: return failf(t, "unknown extern type");
  }
}

static bool copy_resultlist(tc *t) {
  uint8_t b;
  if (!copy_byte(t, &b)) return false;
  if (b == 0x00) return copy_valtype(t);
  if (b == 0x01) {
    if (!copy_byte(t, &b)) return false;
    return b == 0x00 || failf(t, "bad function result list");
  }
  return failf(t, "bad function result list");
}

static bool copy_deftype(tc *t) {
  uint8_t form;
  if (!copy_byte(t, &form)) return false;
  if (is_primitive_valtype(form)) return true;
  uint32_t count, index;
  switch (form) {
    case 0x72: return copy_labelled_valtypes(t); /* record */
    case 0x71:                                  /* variant */
      if (!copy_u32(t, &count)) return false;
      for (uint32_t i = 0; i < count; i++) {
        uint8_t tail;
        if (!copy_name(t) || !copy_optional_valtype(t) || !copy_byte(t, &tail)) return false;
        if (tail == 0x01 && !copy_u32(t, &index)) return false; /* refines (old encoding) */
        if (tail > 0x01) return failf(t, "bad variant case");
      }
      return true;
    case 0x70: return copy_valtype(t); /* list */
    case 0x67: return copy_valtype(t) && copy_u32(t, &index); /* fixed-length list */
    case 0x6f:                                                /* tuple */
      if (!copy_u32(t, &count)) return false;
      for (uint32_t i = 0; i < count; i++)
        if (!copy_valtype(t)) return false;
      return true;
    case 0x6e: /* flags */
    case 0x6d: /* enum */
      return copy_labels(t);
    case 0x6b: return copy_valtype(t); /* option */
    case 0x6a: return copy_optional_valtype(t) && copy_optional_valtype(t); /* result */
    case 0x69: /* own */
    case 0x68: /* borrow */
      return copy_index(t, WI_SPACE_TYPE);
    case 0x66: /* stream */
    case 0x65: /* future */
      return copy_optional_valtype(t);
    case 0x63: return copy_valtype(t) && copy_valtype(t); /* map */
    case 0x3f: {                                         /* resource */
      uint8_t rep, has_dtor;
      if (!copy_byte(t, &rep) || !copy_byte(t, &has_dtor)) return false;
      if (has_dtor == 0x01) return copy_index(t, WI_SPACE_CORE_FUNC);
      return has_dtor == 0x00 || failf(t, "bad resource destructor");
    }
    case 0x40: /* func */
    case 0x43: /* async func */
      return copy_labelled_valtypes(t) && copy_resultlist(t);
    case 0x41: /* component type */
    case 0x42: /* instance type */
      return copy_type_scope_decls(t, form == 0x41);
    default: return failf(t, "unknown type form");
  }
}

/* The scope `levels` out from the current one, or NULL. */
static const wi_scope *outer_scope(const tc *t, uint32_t levels) {
  const wi_scope *s = t->scope;
  for (uint32_t i = 0; i < levels && s; i++) s = s->outer;
  return s;
}

/* alias, in a component or in a type declaration. */
static bool copy_alias(tc *t) {
  uint8_t sort, core_sort = 0, target;
  if (!copy_byte(t, &sort)) return false;
  if (sort == 0x00 && !copy_byte(t, &core_sort)) return false;
  int space = wi_sort_space(sort, core_sort);
  if (space < 0) return failf(t, "unknown alias sort");
  if (!copy_byte(t, &target)) return false;
  switch (target) {
    case 0x00: /* export of an instance */
      if (!copy_index(t, WI_SPACE_INSTANCE) || !copy_name(t)) return false;
      break;
    case 0x01: { /* export of a core instance */
      uint32_t instance;
      const uint8_t *name;
      uint32_t len;
      if (!wi_read_u32(&t->r, &instance)) return truncated(t);
      if (!check_index(t, t->scope, WI_SPACE_CORE_INSTANCE, instance)) return false;
      if (t->out)
        wi_put_u32(t->out, wi_shift_index(t->scope->shift, WI_SPACE_CORE_INSTANCE, instance));
      if (!wi_read_name(&t->r, &name, &len)) return truncated(t);
      if (t->out) wi_put_name(t->out, name, len);
      if (space == WI_SPACE_CORE_FUNC) return define_core_func(t, instance, name, len);
      break;
    }
    case 0x02: { /* outer */
      uint32_t levels, index;
      if (!copy_u32(t, &levels)) return false;
      if (!wi_read_u32(&t->r, &index)) return truncated(t);
      const wi_scope *target_scope = outer_scope(t, levels);
      if (!target_scope) return failf(t, "outer alias beyond the outermost component");
      if (!check_index(t, target_scope, (wi_space)space, index)) return false;
      if (t->out) wi_put_u32(t->out, wi_shift_index(target_scope->shift, (wi_space)space, index));
      break;
    }
    default: return failf(t, "unknown alias target");
  }
  define(t, (wi_space)space);
  return true;
}

/* The declarations of a component type (0x41) or instance type (0x42), in a
 * scope of their own whose indices never move. */
static bool copy_type_scope_decls(tc *t, bool component_type) {
  if (t->depth + 1 > WI_COMPONENT_MAX_DEPTH) return failf(t, "types nested too deeply");
  wi_scope inner = {.outer = t->scope};
  wi_scope *saved = t->scope;
  t->scope = &inner;
  t->depth++;
  uint32_t count;
  bool ok = copy_u32(t, &count);
  for (uint32_t i = 0; ok && i < count; i++) {
    uint8_t decl;
    wi_space space;
    if (!(ok = copy_byte(t, &decl))) break;
    switch (decl) {
      case 0x00: ok = copy_core_type(t); break;
      case 0x01:
        ok = copy_deftype(t);
        if (ok) define(t, WI_SPACE_TYPE);
        break;
      case 0x02: ok = copy_alias(t); break;
      case 0x03: /* an import declaration reads like an export one */
      case 0x04: {
        if (decl == 0x03 && !component_type) {
          ok = failf(t, "an import declaration in an instance type");
          break;
        }
        const uint8_t *name;
        uint32_t len;
        ok = copy_extern_name(t, &name, &len) && copy_externtype(t, &space);
        if (ok) define(t, space);
        if (ok && t->wanted_func && t->depth == 1 && decl == 0x04 && space == WI_SPACE_FUNC &&
            len == strlen(t->wanted_func) && memcmp(name, t->wanted_func, len) == 0)
          t->found = true;
        break;
      }
      default: ok = failf(t, "unknown type declaration");
    }
  }
  t->depth--;
  t->scope = saved;
  return ok;
}

/* ---- sections ---- */

static bool note(tc *t, void **array, size_t *count, size_t item_size, const void *item) {
  void *grown = realloc(*array, (*count + 1) * item_size);
  if (!grown) {
    t->out_of_memory = true;
    return false;
  }
  memcpy((uint8_t *)grown + *count * item_size, item, item_size);
  *array = grown;
  (*count)++;
  return true;
}

static bool core_instance_entry(tc *t) {
  uint8_t form;
  uint32_t count;
  if (!copy_byte(t, &form)) return false;
  uint32_t new_instance = t->scope->count[WI_SPACE_CORE_INSTANCE];
  if (form == 0x00) {
    uint32_t module;
    if (!wi_read_u32(&t->r, &module)) return truncated(t);
    if (!check_index(t, t->scope, WI_SPACE_CORE_MODULE, module)) return false;
    if (t->out) wi_put_u32(t->out, wi_shift_index(t->scope->shift, WI_SPACE_CORE_MODULE, module));
    const wi_walk_plan *plan = t->walk->plan;
    bool hooked = t->out && plan && plan->hooked_modules && plan->hooked_modules[module];
    if (!wi_read_u32(&t->r, &count)) return truncated(t);
    if (t->out) wi_put_u32(t->out, count + (hooked ? 1 : 0));
    for (uint32_t i = 0; i < count; i++) {
      uint8_t sort;
      if (!copy_name(t) || !copy_byte(t, &sort)) return false;
      if (sort != 0x12) return failf(t, "a core instantiation argument that is not an instance");
      if (!copy_index(t, WI_SPACE_CORE_INSTANCE)) return false;
    }
    if (hooked) {
      wi_put_cstr(t->out, WI_HOOK_MODULE);
      put_byte(t, 0x12);
      wi_put_u32(t->out, plan->hooks_core_instance);
    }
    if (t->walk->facts) {
      wi_component_facts *f = t->walk->facts;
      wi_core_instantiation item = {new_instance, module};
      if (!note(t, (void **)&f->core_instantiations, &f->core_instantiation_count, sizeof item,
                &item))
        return false;
    }
  } else if (form == 0x01) {
    if (!copy_u32(t, &count)) return false;
    for (uint32_t i = 0; i < count; i++)
      if (!copy_name(t) || !copy_sortidx(t, true, NULL)) return false;
  } else {
    return failf(t, "unknown core instance form");
  }
  define(t, WI_SPACE_CORE_INSTANCE);
  return true;
}

static bool instance_entry(tc *t) {
  uint8_t form;
  uint32_t count;
  if (!copy_byte(t, &form)) return false;
  uint32_t new_instance = t->scope->count[WI_SPACE_INSTANCE];
  if (form == 0x00) {
    uint32_t component;
    if (!wi_read_u32(&t->r, &component)) return truncated(t);
    if (!check_index(t, t->scope, WI_SPACE_COMPONENT, component)) return false;
    if (t->out)
      wi_put_u32(t->out, wi_shift_index(t->scope->shift, WI_SPACE_COMPONENT, component));
    const wi_walk_plan *plan = t->walk->plan;
    bool hooked = t->out && plan && plan->hooked_components && plan->hooked_components[component];
    if (!wi_read_u32(&t->r, &count)) return truncated(t);
    if (t->out) wi_put_u32(t->out, count + (hooked ? 1 : 0));
    for (uint32_t i = 0; i < count; i++)
      if (!copy_name(t) || !copy_sortidx(t, false, NULL)) return false;
    if (hooked) {
      wi_put_cstr(t->out, WI_HOOK_MODULE);
      put_byte(t, 0x05);
      wi_put_u32(t->out, plan->hooks_instance);
    }
    if (t->walk->facts) {
      wi_component_facts *f = t->walk->facts;
      wi_instantiation item = {new_instance, component};
      if (!note(t, (void **)&f->instantiations, &f->instantiation_count, sizeof item, &item))
        return false;
    }
  } else if (form == 0x01) {
    if (!copy_u32(t, &count)) return false;
    for (uint32_t i = 0; i < count; i++) {
      const uint8_t *name;
      uint32_t len;
      if (!copy_extern_name(t, &name, &len) || !copy_sortidx(t, false, NULL)) return false;
    }
  } else {
    return failf(t, "unknown instance form");
  }
  define(t, WI_SPACE_INSTANCE);
  return true;
}

static bool type_entry(tc *t) {
  size_t from = t->r.pos;
  if (!copy_deftype(t)) return false;
  wi_component_facts *f = t->walk->facts;
  if (f) {
    uint32_t index = t->scope->count[WI_SPACE_TYPE];
    if (index >= f->type_count) {
      uint32_t capacity = index + 1 > 2 * f->type_count ? index + 1 : 2 * f->type_count;
      const uint8_t **grown = realloc(f->type_defs, capacity * sizeof *grown);
      if (!grown) {
        t->out_of_memory = true;
        return false;
      }
      for (uint32_t i = f->type_count; i < capacity; i++) grown[i] = NULL;
      f->type_defs = grown;
      f->type_count = capacity;
    }
    f->type_defs[index] = t->r.data + from;
  }
  define(t, WI_SPACE_TYPE);
  return true;
}

typedef enum { NOTE_QUIET, NOTE_LIFTED } noted_funcs;

/* A core function index, recorded when analysing among the quiet or the
 * lifted functions. */
static bool copy_core_func_noted(tc *t, noted_funcs which) {
  size_t at = t->r.pos;
  if (!copy_index(t, WI_SPACE_CORE_FUNC)) return false;
  wi_component_facts *f = t->walk->facts;
  if (!f) return true;
  wi_reader again = wi_reader_make(t->r.data, t->r.size);
  again.pos = at;
  uint32_t func;
  wi_read_u32(&again, &func);
  if (which == NOTE_QUIET)
    return note(t, (void **)&f->quiet_funcs, &f->quiet_func_count, sizeof func, &func);
  return note(t, (void **)&f->lifted_funcs, &f->lifted_func_count, sizeof func, &func);
}

static bool copy_canon_opts(tc *t) {
  uint32_t count;
  if (!copy_u32(t, &count)) return false;
  for (uint32_t i = 0; i < count; i++) {
    uint8_t opt;
    if (!copy_byte(t, &opt)) return false;
    switch (opt) {
      case 0x00: case 0x01: case 0x02: case 0x06: break;
      case 0x03: if (!copy_index(t, WI_SPACE_CORE_MEMORY)) return false; break;
      case 0x04: case 0x05: /* realloc, post-return */
        if (!copy_core_func_noted(t, NOTE_QUIET)) return false;
        break;
      case 0x07:
        if (!copy_index(t, WI_SPACE_CORE_FUNC)) return false;
        break;
      default: return failf(t, "unknown canonical option");
    }
  }
  return true;
}

/* async? / cancel? / shared?: one byte, 0 or 1. */
static bool copy_flag(tc *t) {
  uint8_t b;
  if (!copy_byte(t, &b)) return false;
  return b <= 1 || failf(t, "bad canonical built-in flag");
}

static bool canon_entry(tc *t) {
  uint8_t op, b;
  uint32_t n;
  if (!copy_byte(t, &op)) return false;
  bool ok;
  switch (op) {
    case 0x00: /* lift */
      if (!copy_byte(t, &b)) return false;
      if (b != 0x00) return failf(t, "canon lift of a non-function");
      if (!copy_core_func_noted(t, NOTE_LIFTED) || !copy_canon_opts(t) ||
          !copy_index(t, WI_SPACE_TYPE))
        return false;
      define(t, WI_SPACE_FUNC);
      return true;
    case 0x01: /* lower */
      if (!copy_byte(t, &b)) return false;
      if (b != 0x00) return failf(t, "canon lower of a non-function");
      ok = copy_index(t, WI_SPACE_FUNC) && copy_canon_opts(t);
      break;
    case 0x02: case 0x03: case 0x04: case 0x07: /* resource.new/drop/rep, drop async */
    case 0x0e: case 0x13: case 0x14: case 0x15: case 0x1a: case 0x1b:
      ok = copy_index(t, WI_SPACE_TYPE);
      break;
    case 0x0f: case 0x10: case 0x16: case 0x17: /* stream/future read/write */
      ok = copy_index(t, WI_SPACE_TYPE) && copy_canon_opts(t);
      break;
    case 0x11: case 0x12: case 0x18: case 0x19: /* cancel-read/-write */
      ok = copy_index(t, WI_SPACE_TYPE) && copy_flag(t);
      break;
    case 0x05: case 0x0d: case 0x1e: case 0x1f: case 0x22: case 0x23: case 0x24: case 0x25:
    case 0x26: case 0x28:
      ok = true;
      break;
    case 0x06: case 0x0c: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d:
      ok = copy_flag(t);
      break;
    case 0x09: ok = copy_resultlist(t) && copy_canon_opts(t); break; /* task.return */
    case 0x0a: case 0x0b:                                            /* context.get/set */
      ok = copy_byte(t, &b) && copy_u32(t, &n);
      break;
    case 0x1c: case 0x1d: ok = copy_canon_opts(t); break; /* error-context */
    case 0x20: case 0x21: ok = copy_flag(t) && copy_index(t, WI_SPACE_CORE_MEMORY); break;
    case 0x27: ok = copy_index(t, WI_SPACE_CORE_TYPE) && copy_index(t, WI_SPACE_CORE_TABLE); break;
    case 0x40: ok = copy_flag(t) && copy_index(t, WI_SPACE_CORE_TYPE); break;
    case 0x41:
      ok = copy_flag(t) && copy_index(t, WI_SPACE_CORE_TYPE) &&
           copy_index(t, WI_SPACE_CORE_TABLE);
      break;
    case 0x42: ok = copy_flag(t); break;
    default: {
      char what[64];
      snprintf(what, sizeof what, "unknown canonical built-in 0x%02x", op);
      return failf(t, what);
    }
  }
  return ok && define_core_func(t, UINT32_MAX, NULL, 0);
}

static bool import_entry(tc *t) {
  const uint8_t *name;
  uint32_t len;
  wi_space space;
  if (!copy_extern_name(t, &name, &len)) return false;
  size_t desc = t->r.pos;
  if (!copy_externtype(t, &space)) return false;
  wi_component_facts *f = t->walk->facts;
  if (f) {
    wi_import_fact item = {.name = name, .name_len = len, .kind = t->r.data[desc],
                           .index = t->scope->count[space]};
    wi_reader r = wi_reader_make(t->r.data, t->r.pos);
    r.pos = desc + 1;
    if (item.kind == 0x00) r.pos++;
    if (item.kind != 0x02 && item.kind != 0x03) wi_read_u32(&r, &item.type_index);
    if (!note(t, (void **)&f->imports, &f->import_count, sizeof item, &item)) return false;
  }
  define(t, space);
  return true;
}

static bool export_entry(tc *t) {
  const uint8_t *name;
  uint32_t len;
  wi_space space, described;
  uint8_t has_type;
  if (!copy_extern_name(t, &name, &len) || !copy_sortidx(t, false, &space) ||
      !copy_byte(t, &has_type))
    return false;
  if (has_type == 0x01 && !copy_externtype(t, &described)) return false;
  if (has_type > 0x01) return failf(t, "bad export type ascription");
  define(t, space);
  return true;
}

static bool start_entry(tc *t) {
  uint32_t count, results;
  if (!copy_index(t, WI_SPACE_FUNC) || !copy_u32(t, &count)) return false;
  for (uint32_t i = 0; i < count; i++)
    if (!copy_index(t, WI_SPACE_VALUE)) return false;
  if (!copy_u32(t, &results)) return false;
  t->scope->count[WI_SPACE_VALUE] += results;
  return true;
}

typedef bool (*entry_fn)(tc *t);

static bool vector_of(tc *t, entry_fn entry) {
  uint32_t count;
  if (!copy_u32(t, &count)) return false;
  for (uint32_t i = 0; i < count; i++)
    if (!entry(t)) return false;
  return true;
}

static bool core_type_entry(tc *t) { return copy_core_type(t); }

static bool alias_entry(tc *t) { return copy_alias(t); }

int wi_walk_section(wi_walk *w, const wi_csection *s, size_t section_index) {
  w->why[0] = '\0';
  wi_component_facts *f = w->facts;
  tc t = {.walk = w, .r = wi_reader_make(s->payload, s->size), .scope = w->scope};
  switch (s->id) {
    case WI_CSEC_CUSTOM: return 0;
    case WI_CSEC_CORE_MODULE: {
      wi_defined def = {section_index, w->scope->count[WI_SPACE_CORE_MODULE]++};
      if (f && !note(&t, (void **)&f->module_defs, &f->module_def_count, sizeof def, &def))
        return -2;
      return 0;
    }
    case WI_CSEC_COMPONENT: {
      wi_defined def = {section_index, w->scope->count[WI_SPACE_COMPONENT]++};
      if (f && !note(&t, (void **)&f->component_defs, &f->component_def_count, sizeof def, &def))
        return -2;
      return 0;
    }
    case WI_CSEC_VALUE:
      snprintf(w->why, sizeof w->why,
               "a value section (section 12, a gated feature of the component model) at byte "
               "offset %zu: not supported",
               s->offset);
      return -1;
    default: break;
  }
  wi_writer payload = {0};
  t.out = w->out ? &payload : NULL;
  bool ok;
  switch (s->id) {
    case WI_CSEC_CORE_INSTANCE: ok = vector_of(&t, core_instance_entry); break;
    case WI_CSEC_CORE_TYPE: ok = vector_of(&t, core_type_entry); break;
    case WI_CSEC_INSTANCE: ok = vector_of(&t, instance_entry); break;
    case WI_CSEC_ALIAS: ok = vector_of(&t, alias_entry); break;
    case WI_CSEC_TYPE: ok = vector_of(&t, type_entry); break;
    case WI_CSEC_CANON: ok = vector_of(&t, canon_entry); break;
    case WI_CSEC_START: ok = start_entry(&t); break;
    case WI_CSEC_IMPORT: ok = vector_of(&t, import_entry); break;
    case WI_CSEC_EXPORT: ok = vector_of(&t, export_entry); break;
    default: ok = false;
  }
  if (ok && wi_reader_left(&t.r) != 0) ok = failf(&t, "section payload longer than its contents");
  if (!ok || t.out_of_memory || payload.failed) {
    free(payload.data);
    if (t.out_of_memory || payload.failed) {
      snprintf(w->why, sizeof w->why, "out of memory");
      return -2;
    }
    return -1;
  }
  if (w->out) wi_put_section(w->out, s->id, &payload);
  return 0;
}

bool wi_instance_type_exports_func(const uint8_t *deftype, size_t size, const char *name) {
  if (size == 0 || deftype[0] != 0x42) return false;
  /* The type was checked when the component was read; its outer aliases
   * only need a scope that takes any index. */
  wi_scope anything = {0};
  for (int s = 0; s < WI_SPACE_COUNT; s++) anything.count[s] = UINT32_MAX;
  wi_walk walk = {.scope = &anything, .input = deftype};
  tc t = {.walk = &walk, .r = wi_reader_make(deftype, size), .scope = &anything,
          .wanted_func = name};
  t.r.pos = 1;
  return copy_type_scope_decls(&t, false) && t.found;
}
