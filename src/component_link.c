#include "component_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component_interfaces.h"
#include "guest_shims.h"
#include "hook_calls.h"

static uint32_t import_interface(wi_fragment *f, const char *name,
                                 void (*encode_type)(wi_writer *out)) {
  wi_writer type = {0};
  encode_type(&type);
  uint32_t instance_type = wi_fragment_type(f, &type);
  free(type.data);
  return wi_fragment_import_instance(f, name, instance_type);
}

/* Gives the core modules the functions of `hooks`, an instance exporting
 * enter and exit: lowered, in a core instance of inline exports. */
static void lower_hooks(wi_fragment *f, uint32_t hooks, wi_link_result *out) {
  uint32_t enter = wi_fragment_alias_func(f, hooks, "enter");
  uint32_t exit = wi_fragment_alias_func(f, hooks, "exit");
  wi_fragment_item lowered[2] = {
      {"enter", 0x00, wi_fragment_canon_lower(f, enter, UINT32_MAX, UINT32_MAX)},
      {"exit", 0x00, wi_fragment_canon_lower(f, exit, UINT32_MAX, UINT32_MAX)},
  };
  out->hooks_core_instance = wi_fragment_core_exports(f, lowered, 2);
  out->hooks_instance = hooks;
  wi_fragment_name_item(f, WI_SPACE_CORE_INSTANCE, out->hooks_core_instance,
                        "wasm-instrument-hooks");
}

void wi_link_import_hooks(wi_fragment *f, wi_link_result *out) {
  lower_hooks(f, import_interface(f, WI_HOOK_MODULE, wi_encode_hooks_instance_type), out);
}

/* One WASI interface the shim calls. */
typedef struct {
  const char *name;            /* the versioned name the tool imports it under */
  const char *const *funcs;    /* what the shim calls, NULL-terminated */
  void (*encode_type)(wi_writer *out);
  bool any_version;            /* another version of it will do (the WASI 0.2 clocks
                                  and random: their functions have not changed) */
} interface;

static bool name_is(const wi_import_fact *im, const char *name) {
  return im->name_len == strlen(name) && memcmp(im->name, name, im->name_len) == 0;
}

/* The same interface: the same name, or with any_version any version of it. */
static bool name_matches(const wi_import_fact *im, const interface *want) {
  if (!want->any_version) return name_is(im, want->name);
  size_t n = strcspn(want->name, "@");
  return im->name_len >= n && memcmp(im->name, want->name, n) == 0 &&
         (im->name_len == n || im->name[n] == '@');
}

/* An instance of `want`: one the component imports before the insertion
 * point, with every function the shim calls, or a new import. An import of
 * the very name that cannot be used makes linking fail (a second import of
 * one name is invalid). */
static int interface_instance(wi_fragment *f, const wi_link_context *c, const interface *want,
                              uint32_t *instance, char *why, size_t why_size) {
  const wi_component_facts *facts = c->facts;
  for (size_t i = 0; i < facts->import_count; i++) {
    const wi_import_fact *im = &facts->imports[i];
    if (im->kind != 0x05 || !name_matches(im, want)) continue;
    if (im->index >= c->counts_at_insert[WI_SPACE_INSTANCE]) {
      if (!name_is(im, want->name)) continue;
      snprintf(why, why_size,
               "cannot link the guest shim: the component imports %s after its first "
               "definitions, where the shim goes (import it before them, or use --link hooks)",
               want->name);
      return -1;
    }
    const uint8_t *def = im->type_index < facts->type_count ? facts->type_defs[im->type_index] : NULL;
    bool has_all = def != NULL;
    for (const char *const *fn = want->funcs; has_all && *fn; fn++)
      has_all = wi_instance_type_exports_func(def, (size_t)(c->input_end - def), *fn);
    if (has_all) {
      *instance = im->index;
      return 0;
    }
    if (name_is(im, want->name)) {
      snprintf(why, why_size,
               "cannot link the guest shim: the component imports %s without the functions "
               "the shim calls (%s...)",
               want->name, want->funcs[0]);
      return -1;
    }
  }
  *instance = import_interface(f, want->name, want->encode_type);
  return 0;
}

static const char *const otel_funcs[] = {"on-start", "on-end", "outer-span-context", NULL};
static const char *const now_func[] = {"now", NULL};
static const char *const random_func[] = {"get-random-u64", NULL};
static const char *const observe_funcs[] = {"start", "[method]span.end", "[method]span.set-status",
                                            NULL};

/* The tracing interfaces' records change between versions (and a draft of
 * wasi:otel shares these function names): only the version the shim was
 * written for will do. */
static const interface otel_tracing = {WI_OTEL_TRACING, otel_funcs,
                                       wi_encode_otel_tracing_type, false};
static const interface wall_clock = {WI_WALL_CLOCK, now_func, wi_encode_wall_clock_type, true};
static const interface monotonic_clock = {WI_MONOTONIC_CLOCK, now_func,
                                          wi_encode_monotonic_clock_type, true};
static const interface random_numbers = {WI_RANDOM, random_func, wi_encode_random_type, true};
static const interface observe_tracer = {WI_OBSERVE_TRACER, observe_funcs,
                                         wi_encode_observe_tracer_type, false};

/* What each guest shim calls, in the order link_otel and link_observe take
 * their instances. */
static const interface *const otel_interfaces[] = {&otel_tracing, &wall_clock, &monotonic_clock,
                                                   &random_numbers, NULL};
static const interface *const observe_interfaces[] = {&observe_tracer, NULL};
#define MAX_INTERFACES 4

/* Resolves every interface of `list` (NULL-terminated) into instances[]. */
static int resolve_interfaces(wi_fragment *f, const wi_link_context *c,
                              const interface *const *list, uint32_t *instances, char *why,
                              size_t why_size) {
  for (size_t i = 0; list[i]; i++)
    if (interface_instance(f, c, list[i], &instances[i], why, why_size) != 0) return -1;
  return 0;
}

/* The shim's memory: module A, instantiated, and its exports. */
typedef struct {
  uint32_t memory, realloc, scratch_reset;
} guest_memory;

static guest_memory instantiate_memory_module(wi_fragment *f, const uint8_t *module,
                                              size_t size) {
  uint32_t a = wi_fragment_core_module(f, module, size);
  wi_fragment_name_item(f, WI_SPACE_CORE_MODULE, a, "wasm-instrument:guest-memory");
  uint32_t instance = wi_fragment_core_instantiate(f, a, NULL, 0);
  guest_memory m = {
      .memory = wi_fragment_alias_core_export(f, instance, WI_GUEST_A_MEMORY, 0x02),
      .realloc = wi_fragment_alias_core_export(f, instance, WI_GUEST_A_REALLOC, 0x00),
      .scratch_reset = wi_fragment_alias_core_export(f, instance, WI_GUEST_A_SCRATCH_RESET, 0x00),
  };
  return m;
}

static uint32_t lower(wi_fragment *f, uint32_t instance, const char *name, uint32_t memory,
                      uint32_t realloc) {
  return wi_fragment_canon_lower(f, wi_fragment_alias_func(f, instance, name), memory, realloc);
}

/* A core instance exporting one lowered function. */
static uint32_t one_func(wi_fragment *f, const char *name, uint32_t core_func) {
  wi_fragment_item item = {name, 0x00, core_func};
  return wi_fragment_core_exports(f, &item, 1);
}

/* B's arguments for wasi-otel, from the instances of otel_interfaces. */
static int link_otel(wi_fragment *f, const uint32_t *instances, const guest_memory *m,
                     wi_fragment_item args[5]) {
  uint32_t tracing = instances[0], wall = instances[1], monotonic = instances[2],
           random = instances[3];
  const uint32_t none = UINT32_MAX;
  wi_fragment_item tracing_funcs[3] = {
      {"on-start", 0x00, lower(f, tracing, "on-start", m->memory, none)},
      {"on-end", 0x00, lower(f, tracing, "on-end", m->memory, none)},
      {"outer-span-context", 0x00,
       lower(f, tracing, "outer-span-context", m->memory, m->realloc)},
  };
  args[0] = (wi_fragment_item){WI_GUEST_IMPORT_OTEL_TRACING, 0x12,
                               wi_fragment_core_exports(f, tracing_funcs, 3)};
  args[1] = (wi_fragment_item){WI_GUEST_IMPORT_WALL_CLOCK, 0x12,
                               one_func(f, "now", lower(f, wall, "now", m->memory, none))};
  args[2] = (wi_fragment_item){WI_GUEST_IMPORT_MONOTONIC_CLOCK, 0x12,
                               one_func(f, "now", lower(f, monotonic, "now", none, none))};
  args[3] = (wi_fragment_item){
      WI_GUEST_IMPORT_RANDOM, 0x12,
      one_func(f, "get-random-u64", lower(f, random, "get-random-u64", none, none))};
  return 4;
}

/* B's arguments for wasi-observe, from the instance of observe_interfaces. */
static int link_observe(wi_fragment *f, const uint32_t *instances, const guest_memory *m,
                        wi_fragment_item args[5]) {
  uint32_t tracer = instances[0];
  const uint32_t none = UINT32_MAX;
  uint32_t span = wi_fragment_alias_type(f, tracer, "span");
  wi_fragment_item tracer_funcs[4] = {
      {"start", 0x00, lower(f, tracer, "start", m->memory, none)},
      {"[method]span.end", 0x00, lower(f, tracer, "[method]span.end", none, none)},
      {"[method]span.set-status", 0x00,
       lower(f, tracer, "[method]span.set-status", m->memory, none)},
      {"[resource-drop]span", 0x00, wi_fragment_canon_resource_drop(f, span)},
  };
  args[0] = (wi_fragment_item){WI_GUEST_IMPORT_OBSERVE_TRACER, 0x12,
                               wi_fragment_core_exports(f, tracer_funcs, 4)};
  return 1;
}

/* A, the lowering and B, given the interfaces' instances; returns B's instance. */
static uint32_t shim_core(wi_fragment *f, wi_guest_link link, const uint32_t *instances,
                          const uint8_t *memory_module, size_t memory_module_size) {
  size_t shim_size;
  const uint8_t *shim = wi_guest_shim_bytes(link, &shim_size);
  guest_memory m = instantiate_memory_module(f, memory_module, memory_module_size);
  wi_fragment_item args[5];
  int count = link == WI_GUEST_LINK_OTEL ? link_otel(f, instances, &m, args)
                                         : link_observe(f, instances, &m, args);
  wi_fragment_item env[2] = {
      {"memory", 0x02, m.memory},
      {"scratch-reset", 0x00, m.scratch_reset},
  };
  args[count++] = (wi_fragment_item){WI_GUEST_IMPORT_ENV, 0x12, wi_fragment_core_exports(f, env, 2)};
  uint32_t b = wi_fragment_core_module(f, shim, shim_size);
  wi_fragment_name_item(f, WI_SPACE_CORE_MODULE, b, "wasm-instrument:guest-shim");
  uint32_t instance = wi_fragment_core_instantiate(f, b, args, (size_t)count);
  wi_fragment_name_item(f, WI_SPACE_CORE_INSTANCE, instance, "wasm-instrument-guest-shim");
  return instance;
}

static wi_guest_link guest_link(wi_link_mode mode) {
  return mode == WI_LINK_WASI_OBSERVE ? WI_GUEST_LINK_OBSERVE : WI_GUEST_LINK_OTEL;
}

static const interface *const *interfaces_of(wi_guest_link link) {
  return link == WI_GUEST_LINK_OBSERVE ? observe_interfaces : otel_interfaces;
}

int wi_link_guest_shim(wi_fragment *f, wi_link_mode mode, const wi_link_context *context,
                       const uint8_t *memory_module, size_t memory_module_size,
                       wi_link_result *out, char *why, size_t why_size) {
  wi_guest_link link = guest_link(mode);
  uint32_t instances[MAX_INTERFACES];
  if (resolve_interfaces(f, context, interfaces_of(link), instances, why, why_size) != 0)
    return -1;
  out->hooks_core_instance = shim_core(f, link, instances, memory_module, memory_module_size);
  out->hooks_instance = UINT32_MAX;
  return 0;
}

int wi_link_guest_shim_component(wi_fragment *f, wi_link_mode mode,
                                 const wi_link_context *context, const uint8_t *memory_module,
                                 size_t memory_module_size, wi_link_result *out, char *why,
                                 size_t why_size) {
  wi_guest_link link = guest_link(mode);
  const interface *const *list = interfaces_of(link);
  /* The shim's own component: it imports every interface under the shim's
   * names, and exports enter and exit lifted. */
  static const uint32_t zero[WI_SPACE_COUNT];
  static const wi_component_facts no_facts;
  wi_link_context inside = {.facts = &no_facts, .counts_at_insert = zero};
  wi_fragment s;
  wi_fragment_init(&s, zero);
  uint32_t inner[MAX_INTERFACES];
  resolve_interfaces(&s, &inside, list, inner, why, why_size); /* imports: cannot fail */
  uint32_t b = shim_core(&s, link, inner, memory_module, memory_module_size);
  wi_writer hook_type = {0};
  wi_encode_hook_func_type(&hook_type);
  uint32_t type = wi_fragment_type(&s, &hook_type);
  free(hook_type.data);
  static const char *const hooks[2] = {"enter", "exit"};
  for (int i = 0; i < 2; i++) {
    uint32_t core = wi_fragment_alias_core_export(&s, b, hooks[i], 0x00);
    wi_fragment_export_func(&s, hooks[i], wi_fragment_canon_lift(&s, core, type));
  }
  wi_writer component = {0};
  static const uint8_t preamble[8] = {0x00, 0x61, 0x73, 0x6d, WI_COMPONENT_VERSION, 0x00, 0x01, 0x00};
  wi_put_bytes(&component, preamble, sizeof preamble);
  wi_put_bytes(&component, s.out.data, s.out.size);
  component.failed |= s.out.failed;
  wi_fragment_free(&s);

  uint32_t outer[MAX_INTERFACES];
  wi_fragment_item args[MAX_INTERFACES];
  if (resolve_interfaces(f, context, list, outer, why, why_size) != 0) {
    free(component.data);
    return -1;
  }
  size_t count = 0;
  for (; list[count]; count++) args[count] = (wi_fragment_item){list[count]->name, 0x05, outer[count]};
  uint32_t shim_component = wi_fragment_component(f, &component);
  wi_fragment_name_item(f, WI_SPACE_COMPONENT, shim_component, "wasm-instrument-guest-shim");
  uint32_t shim = wi_fragment_instantiate(f, shim_component, args, count);
  lower_hooks(f, shim, out);
  return 0;
}
