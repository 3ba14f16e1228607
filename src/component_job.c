#include "component_job.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "byte_reader.h"
#include "byte_writer.h"
#include "component_fragment.h"
#include "component_link.h"
#include "component_names.h"
#include "component_walk.h"
#include "exit_codes.h"
#include "file_io.h"
#include "guest_shims.h"
#include "hook_calls.h"
#include "job_report.h"
#include "producers.h"
#include "site_table.h"

/* One component of the tree: the input or a nested one. */
typedef struct cnode cnode;
struct cnode {
  wi_component *comp;
  wi_component_facts facts;
  uint32_t module_count;      /* core modules in its index space (sections, imports,
                                 aliases, exports) */
  uint32_t component_count;   /* components in its index space */
  cnode **children;           /* by component index: the nested component sections, owned;
                                 NULL for a component defined otherwise */
  char **module_names;        /* by core module index: component-name names, owned */
  bool *hooked_modules;       /* by core module index: instrumented */
  wi_module_result *results;  /* by core module index */
  bool *hooked_components;    /* by component index: calls the hooks somewhere inside */
  bool *instantiated_modules; /* by core module index */
  bool *instantiated_components;
  bool needs_hooks;
  size_t insert_at;           /* section index before which new definitions go */
  uint32_t counts_at_insert[WI_SPACE_COUNT];
  char *path;                 /* "component 2 > component 0" for messages; "" at the top */
  uint32_t ordinal;           /* 0 at the top, then depth first */
};

/* The ids of one instrumented core module. */
typedef struct {
  uint32_t first, count;
  const char *module_name; /* borrowed from its cnode, or NULL */
  uint32_t component;      /* the ordinal of its component (cnode.ordinal) */
  char **entries;          /* its exports that the component lifts, owned */
  size_t entry_count;
} id_range;

typedef struct {
  wi_job *job;
  FILE *report;
  const char *file;
  FILE *listing;
  id_range *ranges;          /* by module, in id order */
  size_t range_count;
  wi_writer sites;           /* the site table entries of every module, in id order */
  uint32_t site_count;
  size_t modules, modules_instrumented;
  uint32_t components;       /* components numbered so far (cnode.ordinal) */
  double module_ms;          /* time in the module pipeline */
} cjob;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int fail(cjob *j, int code, const char *message) {
  wi_report_fail(j->report, code, false, "wasm-instrument: error: %s: %s", j->file, message);
  return code;
}

static int out_of_memory(cjob *j) { return fail(j, WI_EXIT_INTERNAL, "out of memory"); }

static void cnode_free(cnode *n) {
  if (!n) return;
  for (size_t i = 0; n->children && i < n->component_count; i++) cnode_free(n->children[i]);
  for (size_t i = 0; i < n->module_count; i++) {
    if (n->module_names) free(n->module_names[i]);
    if (n->results) wi_module_result_free(&n->results[i]);
  }
  free(n->children);
  free(n->module_names);
  free(n->hooked_modules);
  free(n->results);
  free(n->hooked_components);
  free(n->instantiated_modules);
  free(n->instantiated_components);
  free(n->path);
  wi_component_facts_free(&n->facts);
  free(n);
}

/* ---- analysis ---- */

/* Sections that may come before the new definitions: they only declare
 * what the component imports (types, imports, aliases of them). */
static bool is_prefix_section(uint8_t id) {
  return id == WI_CSEC_CUSTOM || id == WI_CSEC_TYPE || id == WI_CSEC_IMPORT ||
         id == WI_CSEC_ALIAS || id == WI_CSEC_CORE_TYPE;
}

static bool name_starts(const uint8_t *name, uint32_t len, const char *prefix) {
  size_t n = strlen(prefix);
  return len >= n && memcmp(name, prefix, n) == 0;
}

static int analyse(cjob *j, cnode *node, const wi_scope *outer, const char *path);

static char *child_path(const char *path, size_t index) {
  size_t size = strlen(path) + 32;
  char *p = malloc(size);
  if (p) snprintf(p, size, "%s%scomponent %zu", path, path[0] ? " > " : "", index);
  return p;
}

static int analyse_sections(cjob *j, cnode *node, wi_scope *scope) {
  wi_component *c = node->comp;
  wi_walk walk = {.scope = scope, .facts = &node->facts, .input = j->job->input};
  for (size_t i = 0; i < c->count; i++) {
    const wi_csection *s = &c->sections[i];
    if (i == node->insert_at) memcpy(node->counts_at_insert, scope->count, sizeof scope->count);
    if (wi_custom_section_is(s, WI_SITE_TABLE_SECTION))
      return fail(j, WI_EXIT_BAD_INPUT,
                  "already instrumented (the component has a wasm-instrument site table)");
    uint32_t index = scope->count[WI_SPACE_COMPONENT]; /* what a component section defines */
    int rc = wi_walk_section(&walk, s, i);
    if (rc == -2) return out_of_memory(j);
    if (rc != 0) return fail(j, WI_EXIT_BAD_INPUT, walk.why);
    if (s->id == WI_CSEC_COMPONENT) {
      cnode **grown = realloc(node->children, (index + 1) * sizeof *grown);
      if (!grown) return out_of_memory(j);
      for (uint32_t k = node->component_count; k <= index; k++) grown[k] = NULL;
      node->children = grown;
      node->component_count = index + 1;
      cnode *child = calloc(1, sizeof *child);
      if (!child) return out_of_memory(j);
      node->children[index] = child;
      child->comp = s->nested;
      char *p = child_path(node->path, index);
      if (!p) return out_of_memory(j);
      /* The nested component sees this one's definitions so far. */
      int crc = analyse(j, child, scope, p);
      free(p);
      if (crc != 0) return crc;
    }
  }
  if (node->insert_at >= c->count) memcpy(node->counts_at_insert, scope->count, sizeof scope->count);
  return 0;
}

static int analyse(cjob *j, cnode *node, const wi_scope *outer, const char *path) {
  wi_component *c = node->comp;
  node->path = strdup(path);
  if (!node->path) return out_of_memory(j);
  node->insert_at = c->count;
  for (size_t i = 0; i < c->count; i++)
    if (!is_prefix_section(c->sections[i].id)) {
      node->insert_at = i;
      break;
    }
  wi_scope scope = {.outer = outer};
  int rc = analyse_sections(j, node, &scope);
  if (rc != 0) return rc;
  for (size_t i = 0; i < node->facts.import_count; i++) {
    const wi_import_fact *im = &node->facts.imports[i];
    if (name_starts(im->name, im->name_len, "wasm-instrument:hooks/"))
      return fail(j, WI_EXIT_BAD_INPUT,
                  "already instrumented (the component imports wasm-instrument:hooks)");
  }
  /* Every array below is by index-space number: modules and components
   * that imports, aliases and exports define have numbers too. */
  size_t modules = scope.count[WI_SPACE_CORE_MODULE];
  size_t components = scope.count[WI_SPACE_COMPONENT];
  cnode **all_children = realloc(node->children, (components + 1) * sizeof *all_children);
  if (!all_children) return out_of_memory(j);
  for (size_t k = node->component_count; k <= components; k++) all_children[k] = NULL;
  node->children = all_children;
  node->component_count = (uint32_t)components;
  node->module_count = (uint32_t)modules;
  node->module_names = calloc(modules + 1, sizeof *node->module_names);
  node->hooked_modules = calloc(modules + 1, sizeof *node->hooked_modules);
  node->results = calloc(modules + 1, sizeof *node->results);
  node->instantiated_modules = calloc(modules + 1, sizeof *node->instantiated_modules);
  node->hooked_components = calloc(components + 1, sizeof *node->hooked_components);
  node->instantiated_components = calloc(components + 1, sizeof *node->instantiated_components);
  if (!node->module_names || !node->hooked_modules || !node->results ||
      !node->instantiated_modules || !node->hooked_components || !node->instantiated_components)
    return out_of_memory(j);
  for (size_t i = 0; i < node->facts.core_instantiation_count; i++)
    node->instantiated_modules[node->facts.core_instantiations[i].module] = true;
  for (size_t i = 0; i < node->facts.instantiation_count; i++)
    node->instantiated_components[node->facts.instantiations[i].component] = true;
  for (size_t i = 0; i < c->count; i++)
    if (wi_custom_section_is(&c->sections[i], WI_COMPONENT_NAME_SECTION) &&
        !wi_component_core_module_names(&c->sections[i], node->module_names, modules))
      wi_report_say(j->report,
                    "wasm-instrument: warning: %s: %s%sa malformed component-name section: "
                    "core modules are shown by index",
                    j->file, node->path, node->path[0] ? ": " : "");
  return 0;
}

/* ---- selection and the module pipeline ---- */

/* Why a core module is not the component's own code, or NULL. wit-component
 * names what it adds in the component-name section. */
static const char *tooling_reason(const char *name) {
  if (!name) return NULL;
  if (strncmp(name, "wit-component:adapter:", 22) == 0)
    return "the WASI adapter that component tooling adds";
  if (strcmp(name, "wit-component-shim-module") == 0 || strcmp(name, "wit-component-fixup") == 0)
    return "an indirection module that component tooling adds";
  return NULL;
}

static char *module_label(const cnode *node, size_t index, bool with_file, const char *file) {
  const char *name = node->module_names[index];
  size_t size = strlen(file) + strlen(node->path) + (name ? strlen(name) : 0) + 64;
  char *label = malloc(size);
  if (!label) return NULL;
  snprintf(label, size, "%s%s%s%score module %zu%s%s%s", with_file ? file : "",
           with_file ? ": " : "", node->path, node->path[0] ? " > " : "", index,
           name ? " \"" : "", name ? name : "", name ? "\"" : "");
  return label;
}

/* Appends a module's site table entries (its payload minus the header). */
static bool add_sites(cjob *j, const wi_module_result *r) {
  wi_reader reader = wi_reader_make(r->site_table, r->site_table_size);
  uint32_t version, count;
  if (!wi_read_u32(&reader, &version) || !wi_read_u32(&reader, &count)) return false;
  wi_put_bytes(&j->sites, r->site_table + reader.pos, r->site_table_size - reader.pos);
  j->site_count += count;
  return !j->sites.failed;
}

static void free_names(char **names, size_t count) {
  for (size_t i = 0; names && i < count; i++) free(names[i]);
  free(names);
}

/* The exports of core module `module` among the core functions `funcs`
 * (malloc'd copies of their names; free_names); *count of them; NULL when
 * out of memory. */
static char **exports_among(const cnode *node, size_t module, const uint32_t *funcs,
                            size_t func_count, size_t *count) {
  const wi_component_facts *f = &node->facts;
  char **names = calloc(func_count + 1, sizeof *names);
  *count = 0;
  if (!names) return NULL;
  for (size_t q = 0; q < func_count; q++) {
    uint32_t func = funcs[q];
    if (func >= f->core_func_count || f->core_funcs[func].core_instance == UINT32_MAX) continue;
    const wi_core_func_fact *origin = &f->core_funcs[func];
    bool from_module = false;
    for (size_t i = 0; i < f->core_instantiation_count; i++)
      if (f->core_instantiations[i].instance == origin->core_instance)
        from_module = f->core_instantiations[i].module == module;
    if (!from_module) continue;
    char *name = strndup((const char *)origin->name, origin->name_len);
    if (!name) {
      free_names(names, *count);
      return NULL;
    }
    names[(*count)++] = name;
  }
  return names;
}

static int instrument_modules(cjob *j, cnode *node) {
  const wi_options *o = j->job->options;
  node->ordinal = j->components++;
  size_t next_module = 0, next_component = 0; /* cursors in facts.module_defs, component_defs */
  for (size_t i = 0; i < node->comp->count; i++) {
    const wi_csection *s = &node->comp->sections[i];
    if (s->id == WI_CSEC_COMPONENT) {
      uint32_t index = node->facts.component_defs[next_component++].index;
      cnode *child = node->children[index];
      if (!node->instantiated_components[index]) continue; /* its hooks could not be given */
      int rc = instrument_modules(j, child);
      if (rc != 0) return rc;
      node->hooked_components[index] = child->needs_hooks;
      node->needs_hooks |= child->needs_hooks;
      continue;
    }
    if (s->id != WI_CSEC_CORE_MODULE) continue;
    uint32_t index = node->facts.module_defs[next_module++].index;
    j->modules++;
    const char *reason = o->all_modules ? NULL : tooling_reason(node->module_names[index]);
    if (!reason && !node->instantiated_modules[index])
      reason = "not instantiated inside the component (its hooks could not be given to it)";
    char *label = module_label(node, index, false, "");
    if (!label) return out_of_memory(j);
    if (reason) {
      const char *hint =
          tooling_reason(node->module_names[index]) ? " (--all-modules includes it)" : "";
      if (j->listing) fprintf(j->listing, "# %s: not instrumented: %s%s\n", label, reason, hint);
      free(label);
      continue;
    }
    if (j->listing) fprintf(j->listing, "# %s\n", label);
    free(label);
    char *full = module_label(node, index, true, j->file);
    if (!full) return out_of_memory(j);
    /* realloc and post-return: the host calls them while the instance may not call out */
    size_t quiet_count, entry_count;
    char **quiet = exports_among(node, index, node->facts.quiet_funcs,
                                 node->facts.quiet_func_count, &quiet_count);
    char **entries = exports_among(node, index, node->facts.lifted_funcs,
                                   node->facts.lifted_func_count, &entry_count);
    if (!quiet || !entries) {
      free_names(quiet, quiet_count);
      free_names(entries, entry_count);
      free(full);
      return out_of_memory(j);
    }
    wi_module_task task = {.options = o, .filter = j->job->filter, .label = full,
                           .first_site_id = j->site_count, .in_component = true,
                           .quiet_exports = (const char *const *)quiet,
                           .quiet_export_count = quiet_count};
    double t0 = now_ms();
    int rc = wi_instrument_module(&task, s->payload, s->size, j->report, j->listing,
                                  &node->results[index]);
    j->module_ms += now_ms() - t0;
    free_names(quiet, quiet_count);
    free(full);
    id_range *grown = rc == 0 ? realloc(j->ranges, (j->range_count + 1) * sizeof *grown) : NULL;
    if (!grown) {
      free_names(entries, entry_count);
      return rc != 0 ? rc : out_of_memory(j);
    }
    j->ranges = grown;
    j->ranges[j->range_count++] = (id_range){j->site_count, node->results[index].site_count,
                                             node->module_names[index], node->ordinal,
                                             entries, entry_count};
    if (!add_sites(j, &node->results[index])) return out_of_memory(j);
    node->hooked_modules[index] = true;
    node->needs_hooks = true;
    j->modules_instrumented++;
  }
  return 0;
}

/* ---- writing ---- */

static void put_custom(wi_writer *out, const char *name, const uint8_t *data, size_t size) {
  wi_writer payload = {0};
  wi_put_cstr(&payload, name);
  wi_put_bytes(&payload, data, size);
  wi_put_section(out, WI_CSEC_CUSTOM, &payload);
}

static void put_raw_section(wi_writer *out, const wi_csection *s) {
  uint8_t id = s->id;
  wi_put_bytes(out, &id, 1);
  wi_put_name(out, s->payload, s->size);
}

static int emit(cjob *j, cnode *node, const wi_scope *outer, bool top, wi_writer *out);

static int emit_custom(cjob *j, cnode *node, const wi_csection *s, const wi_index_shift *shift,
                       const wi_fragment *fragment, bool top, bool *producers_done,
                       wi_writer *out) {
  if (wi_custom_section_is(s, WI_COMPONENT_NAME_SECTION) && node->needs_hooks) {
    size_t size;
    bool malformed;
    uint8_t *names = wi_component_names_rewrite(s, shift, fragment, &size, &malformed);
    if (!names && !malformed) return out_of_memory(j);
    if (malformed) {
      wi_report_say(j->report, "wasm-instrument: warning: %s: %s%sdropped a malformed "
                    "component-name section", j->file, node->path, node->path[0] ? ": " : "");
      return 0;
    }
    uint8_t id = WI_CSEC_CUSTOM;
    wi_put_bytes(out, &id, 1);
    wi_put_name(out, names, size);
    free(names);
    return 0;
  }
  if (top && wi_custom_section_is(s, "producers")) {
    uint32_t len;
    size_t data_offset;
    wi_custom_section_name(s, &len, &data_offset);
    int malformed;
    size_t size;
    uint8_t *producers = wi_producers_add_self(s->payload + data_offset, s->size - data_offset,
                                               &size, &malformed);
    if (!producers) return out_of_memory(j);
    if (malformed)
      wi_report_say(j->report, "wasm-instrument: warning: %s: replaced a malformed producers "
                    "section", j->file);
    put_custom(out, "producers", producers, size);
    free(producers);
    *producers_done = true;
    return 0;
  }
  put_raw_section(out, s);
  return 0;
}

static int emit_sections(cjob *j, cnode *node, wi_scope *scope, const wi_walk_plan *plan,
                         const wi_fragment *fragment, bool top, wi_writer *out) {
  wi_component *c = node->comp;
  wi_walk walk = {.scope = scope, .out = out, .plan = plan, .input = j->job->input};
  bool producers_done = false;
  for (size_t i = 0; i <= c->count; i++) {
    if (i == node->insert_at && fragment)
      wi_put_bytes(out, fragment->out.data, fragment->out.size);
    if (i == c->count) break;
    const wi_csection *s = &c->sections[i];
    int rc = 0;
    if (s->id == WI_CSEC_CUSTOM) {
      rc = emit_custom(j, node, s, scope->shift, fragment, top, &producers_done, out);
    } else if (s->id == WI_CSEC_CORE_MODULE) {
      size_t index = scope->count[WI_SPACE_CORE_MODULE];
      const wi_module_result *r = &node->results[index];
      if (node->hooked_modules[index]) {
        uint8_t id = WI_CSEC_CORE_MODULE;
        wi_put_bytes(out, &id, 1);
        wi_put_name(out, r->bytes, r->size);
      } else {
        put_raw_section(out, s);
      }
      rc = wi_walk_section(&walk, s, i);
    } else if (s->id == WI_CSEC_COMPONENT) {
      size_t index = scope->count[WI_SPACE_COMPONENT];
      cnode *child = node->children[index];
      wi_writer nested = {0};
      rc = node->hooked_components[index] ? emit(j, child, scope, false, &nested) : 0;
      if (rc == 0 && node->hooked_components[index]) {
        wi_put_section(out, WI_CSEC_COMPONENT, &nested);
      } else {
        free(nested.data);
        if (rc == 0) put_raw_section(out, s);
      }
      if (rc == 0) rc = wi_walk_section(&walk, s, i);
    } else {
      rc = wi_walk_section(&walk, s, i);
    }
    if (rc == -2) return out_of_memory(j);
    if (rc == -1) return fail(j, WI_EXIT_INTERNAL, walk.why);
    if (rc != 0) return rc;
  }
  if (top && !producers_done) {
    int malformed;
    size_t size;
    uint8_t *producers = wi_producers_add_self(NULL, 0, &size, &malformed);
    if (!producers) return out_of_memory(j);
    put_custom(out, "producers", producers, size);
    free(producers);
  }
  return 0;
}

static void guest_sites_free(wi_guest_site *sites, size_t count) {
  for (size_t i = 0; sites && i < count; i++) {
    free((char *)sites[i].name);
    free((char *)sites[i].import_module);
    free((char *)sites[i].import_field);
    free((char *)sites[i].export_name);
  }
  free(sites);
}

static bool name_in(const char *name, char *const *names, size_t count) {
  for (size_t i = 0; name && i < count; i++)
    if (strcmp(names[i], name) == 0) return true;
  return false;
}

/* Imports that end the program: preview1's proc_exit, wasi:cli/exit (any version). */
static bool never_returns(const char *module, const char *field) {
  if (!module || !field) return false;
  if (strcmp(module, "wasi_snapshot_preview1") == 0) return strcmp(field, "proc_exit") == 0;
  bool cli_exit = strcmp(module, "wasi:cli/exit") == 0 || strncmp(module, "wasi:cli/exit@", 14) == 0;
  return cli_exit && (strcmp(field, "exit") == 0 || strcmp(field, "exit-with-code") == 0);
}

static char *copy_name(wi_reader *r) {
  const uint8_t *name;
  uint32_t len;
  if (!wi_read_name(r, &name, &len)) return NULL;
  return strndup((const char *)name, len);
}

/* The sites as the guest shim's blob wants them, from the site table entries
 * of every module; NULL when out of memory. */
static wi_guest_site *guest_sites(const cjob *j) {
  wi_guest_site *sites = calloc(j->site_count + 1, sizeof *sites);
  if (!sites) return NULL;
  wi_reader r = wi_reader_make(j->sites.data, j->sites.size);
  size_t range = 0;
  for (uint32_t id = 0; id < j->site_count; id++) {
    while (range + 1 < j->range_count && id >= j->ranges[range].first + j->ranges[range].count)
      range++;
    wi_guest_site *s = &sites[id];
    uint8_t kind, flags;
    uint32_t input_index, output_index;
    wi_read_u8(&r, &kind);
    wi_read_u8(&r, &flags);
    wi_read_u32(&r, &input_index);
    wi_read_u32(&r, &output_index);
    s->kind = (wi_guest_site_kind)kind;
    s->function_index = input_index;
    s->name = copy_name(&r);
    free(copy_name(&r)); /* the raw symbol */
    char *module = copy_name(&r), *field = copy_name(&r);
    if (kind == WI_SITE_IMPORT) {
      s->import_module = module;
      s->import_field = field;
    } else {
      free(module);
      if (kind == WI_SITE_EXPORT) s->export_name = field;
      else free(field);
    }
    const id_range *owner = j->range_count ? &j->ranges[range] : NULL;
    s->module_name = owner ? owner->module_name : NULL;
    s->component = owner ? owner->component : 0;
    s->entry = owner && kind == WI_SITE_EXPORT &&
               name_in(s->export_name, owner->entries, owner->entry_count);
    s->no_return = kind == WI_SITE_IMPORT && never_returns(s->import_module, s->import_field);
    if (!s->name || !r.ok) {
      guest_sites_free(sites, j->site_count);
      return NULL;
    }
  }
  return sites;
}

/* --link wasi-otel / wasi-observe at the top: the guest shim. */
static int link_guest_shim(cjob *j, cnode *node, wi_fragment *fragment, wi_link_result *link) {
  const wi_options *o = j->job->options;
  bool nested = false;
  for (size_t i = 0; i < node->component_count; i++) nested |= node->hooked_components[i];
  wi_guest_site *sites = guest_sites(j);
  if (!sites) return out_of_memory(j);
  wi_guest_link guest = o->link == WI_LINK_WASI_OBSERVE ? WI_GUEST_LINK_OBSERVE : WI_GUEST_LINK_OTEL;
  size_t size;
  wi_guest_muting muting = {o->guest_mute_after, o->guest_mute_below_ns};
  uint8_t *memory_module = wi_guest_memory_module(guest, sites, j->site_count, muting, &size);
  guest_sites_free(sites, j->site_count);
  if (!memory_module) return out_of_memory(j);
  wi_link_context context = {.facts = &node->facts, .counts_at_insert = node->counts_at_insert,
                             .input_end = j->job->input + j->job->input_size};
  char why[256];
  /* The top level's modules can call the shim's core instance directly; a
   * nested component can reach it only through a component instance. */
  int rc = nested ? wi_link_guest_shim_component(fragment, o->link, &context, memory_module, size,
                                                 link, why, sizeof why)
                  : wi_link_guest_shim(fragment, o->link, &context, memory_module, size, link,
                                       why, sizeof why);
  free(memory_module);
  return rc == 0 ? 0 : fail(j, WI_EXIT_BAD_INPUT, why);
}

/* Writes the component (preamble and sections) to `out`. */
static int emit(cjob *j, cnode *node, const wi_scope *outer, bool top, wi_writer *out) {
  wi_fragment fragment;
  wi_fragment_init(&fragment, node->counts_at_insert);
  wi_link_result link = {0};
  bool linked = node->needs_hooks;
  if (linked && top && j->job->options->link != WI_LINK_HOOKS) {
    int rc = link_guest_shim(j, node, &fragment, &link);
    if (rc != 0) {
      wi_fragment_free(&fragment);
      return rc;
    }
  } else if (linked) {
    wi_link_import_hooks(&fragment, &link);
  }
  if (fragment.out.failed) {
    wi_fragment_free(&fragment);
    return out_of_memory(j);
  }
  wi_index_shift shift;
  memcpy(shift.from, node->counts_at_insert, sizeof shift.from);
  memcpy(shift.add, fragment.added, sizeof shift.add);
  wi_walk_plan plan = {.hooked_modules = node->hooked_modules,
                       .hooks_core_instance = link.hooks_core_instance,
                       .hooked_components = node->hooked_components,
                       .hooks_instance = link.hooks_instance};
  wi_scope scope = {.outer = outer, .shift = linked ? &shift : NULL};
  wi_put_bytes(out, node->comp->bytes, 8); /* the preamble */
  int rc = emit_sections(j, node, &scope, &plan, linked ? &fragment : NULL, top, out);
  wi_fragment_free(&fragment);
  return rc;
}

static int write_component(cjob *j, cnode *root) {
  wi_writer out = {0};
  int rc = emit(j, root, NULL, true, &out);
  if (rc == 0) {
    wi_writer table = {0};
    wi_put_u32(&table, WI_SITE_TABLE_VERSION);
    wi_put_u32(&table, j->site_count);
    wi_put_bytes(&table, j->sites.data, j->sites.size);
    if (table.failed) rc = out_of_memory(j);
    else put_custom(&out, WI_SITE_TABLE_SECTION, table.data, table.size);
    free(table.data);
  }
  if (rc == 0 && out.failed) rc = out_of_memory(j);
  if (rc == 0 && wi_write_all(j->job->output_fd, out.data, out.size) != 0)
    rc = fail(j, WI_EXIT_BAD_INPUT, "cannot write the output");
  if (rc == 0 && j->job->options->stats) {
    size_t in = j->job->input_size;
    wi_report_say(j->report,
                  "wasm-instrument: stats: %s: component: %zu core modules, %zu instrumented, "
                  "%u sites; size %zu -> %zu bytes (%+.1f%%)",
                  j->file, j->modules, j->modules_instrumented, j->site_count, in, out.size,
                  in ? 100.0 * ((double)out.size - (double)in) / (double)in : 0.0);
  }
  free(out.data);
  return rc;
}

int wi_run_component_job(wi_job *job, FILE *report) {
  cjob j = {.job = job, .report = report, .file = job->input_label};
  const wi_options *o = job->options;
  if (o->emit_text)
    return fail(&j, WI_EXIT_USAGE,
                "-S: the text format of a component is not supported (write the binary, then "
                "print it with `wasm-tools print` or `jco print`)");
  if (o->abi != WI_ABI_DEFAULT)
    return fail(&j, WI_EXIT_USAGE, "--abi observe-sdk applies to core modules, not components");
  double t0 = now_ms();
  wi_report_phase(report, "reading the component");
  char why[256];
  wi_component *component = NULL;
  int prc = wi_component_parse(job->input, job->input_size, &component, why, sizeof why);
  if (prc == -2) return out_of_memory(&j);
  if (prc != 0) return fail(&j, WI_EXIT_BAD_INPUT, why);
  cnode *root = calloc(1, sizeof *root);
  if (!root) {
    wi_component_free(component);
    return out_of_memory(&j);
  }
  root->comp = component;
  int rc = analyse(&j, root, NULL, "");
  if (rc == 0 && o->list) {
    j.listing = fdopen(dup(job->output_fd), "w");
    if (!j.listing) rc = fail(&j, WI_EXIT_INTERNAL, "cannot write the listing");
  }
  if (rc == 0) rc = instrument_modules(&j, root);
  if (j.listing && fclose(j.listing) != 0 && rc == 0)
    rc = fail(&j, WI_EXIT_BAD_INPUT, "cannot write the listing");
  if (rc == 0 && !o->list) {
    wi_report_phase(report, "writing the component");
    rc = write_component(&j, root);
  }
  if (rc == 0 && o->stats)
    wi_report_say(report, "wasm-instrument: stats: %s: component layer %.1f ms (modules %.1f ms)",
                  j.file, now_ms() - t0 - j.module_ms, j.module_ms);
  cnode_free(root);
  wi_component_free(component);
  free(j.sites.data);
  for (size_t i = 0; i < j.range_count; i++) free_names(j.ranges[i].entries, j.ranges[i].entry_count);
  free(j.ranges);
  return rc;
}
