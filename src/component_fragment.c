#include "component_fragment.h"

#include <stdlib.h>
#include <string.h>

#include "component_binary.h"

void wi_fragment_init(wi_fragment *f, const uint32_t start[WI_SPACE_COUNT]) {
  memset(f, 0, sizeof *f);
  memcpy(f->next, start, sizeof f->next);
}

void wi_fragment_free(wi_fragment *f) {
  free(f->out.data);
  f->out.data = NULL;
}

void wi_fragment_name_item(wi_fragment *f, wi_space space, uint32_t index, const char *name) {
  if (f->name_count < sizeof f->names / sizeof f->names[0])
    f->names[f->name_count++] = (wi_fragment_name){space, index, name};
}

static uint32_t define(wi_fragment *f, wi_space space) {
  f->added[space]++;
  return f->next[space]++;
}

static void put_byte(wi_writer *w, uint8_t b) { wi_put_bytes(w, &b, 1); }

/* A plain extern name: 0x00 then the name. */
static void put_extern_name(wi_writer *w, const char *name) {
  put_byte(w, 0x00);
  wi_put_cstr(w, name);
}

/* Appends a section holding a vector of one entry. */
static void one_entry_section(wi_fragment *f, uint8_t id, wi_writer *entry) {
  wi_writer payload = {0};
  wi_put_u32(&payload, 1);
  wi_put_bytes(&payload, entry->data, entry->size);
  payload.failed |= entry->failed;
  free(entry->data);
  wi_put_section(&f->out, id, &payload);
}

uint32_t wi_fragment_type(wi_fragment *f, const wi_writer *deftype) {
  wi_writer entry = {0};
  wi_put_bytes(&entry, deftype->data, deftype->size);
  entry.failed |= deftype->failed;
  one_entry_section(f, WI_CSEC_TYPE, &entry);
  return define(f, WI_SPACE_TYPE);
}

uint32_t wi_fragment_import_instance(wi_fragment *f, const char *name, uint32_t type) {
  wi_writer entry = {0};
  put_extern_name(&entry, name);
  put_byte(&entry, 0x05);
  wi_put_u32(&entry, type);
  one_entry_section(f, WI_CSEC_IMPORT, &entry);
  return define(f, WI_SPACE_INSTANCE);
}

static uint32_t alias_export(wi_fragment *f, uint8_t sort, uint32_t instance, const char *name) {
  wi_writer entry = {0};
  put_byte(&entry, sort);
  put_byte(&entry, 0x00); /* export of an instance */
  wi_put_u32(&entry, instance);
  wi_put_cstr(&entry, name);
  one_entry_section(f, WI_CSEC_ALIAS, &entry);
  return define(f, (wi_space)wi_sort_space(sort, 0));
}

uint32_t wi_fragment_alias_func(wi_fragment *f, uint32_t instance, const char *name) {
  return alias_export(f, 0x01, instance, name);
}

uint32_t wi_fragment_alias_type(wi_fragment *f, uint32_t instance, const char *name) {
  return alias_export(f, 0x03, instance, name);
}

uint32_t wi_fragment_canon_resource_drop(wi_fragment *f, uint32_t type) {
  wi_writer entry = {0};
  put_byte(&entry, 0x03);
  wi_put_u32(&entry, type);
  one_entry_section(f, WI_CSEC_CANON, &entry);
  return define(f, WI_SPACE_CORE_FUNC);
}

uint32_t wi_fragment_alias_core_export(wi_fragment *f, uint32_t core_instance, const char *name,
                                       uint8_t core_sort) {
  wi_writer entry = {0};
  put_byte(&entry, 0x00);
  put_byte(&entry, core_sort);
  put_byte(&entry, 0x01); /* export of a core instance */
  wi_put_u32(&entry, core_instance);
  wi_put_cstr(&entry, name);
  one_entry_section(f, WI_CSEC_ALIAS, &entry);
  return define(f, (wi_space)wi_sort_space(0x00, core_sort));
}

uint32_t wi_fragment_canon_lower(wi_fragment *f, uint32_t func, uint32_t memory,
                                 uint32_t realloc) {
  wi_writer entry = {0};
  put_byte(&entry, 0x01);
  put_byte(&entry, 0x00);
  wi_put_u32(&entry, func);
  uint32_t options = (memory != UINT32_MAX ? 2 : 0) + (realloc != UINT32_MAX ? 1 : 0);
  wi_put_u32(&entry, options);
  if (memory != UINT32_MAX) {
    put_byte(&entry, 0x00); /* utf8 */
    put_byte(&entry, 0x03);
    wi_put_u32(&entry, memory);
  }
  if (realloc != UINT32_MAX) {
    put_byte(&entry, 0x04);
    wi_put_u32(&entry, realloc);
  }
  one_entry_section(f, WI_CSEC_CANON, &entry);
  return define(f, WI_SPACE_CORE_FUNC);
}

uint32_t wi_fragment_canon_lift(wi_fragment *f, uint32_t core_func, uint32_t type) {
  wi_writer entry = {0};
  put_byte(&entry, 0x00);
  put_byte(&entry, 0x00);
  wi_put_u32(&entry, core_func);
  wi_put_u32(&entry, 0); /* no options */
  wi_put_u32(&entry, type);
  one_entry_section(f, WI_CSEC_CANON, &entry);
  return define(f, WI_SPACE_FUNC);
}

uint32_t wi_fragment_core_module(wi_fragment *f, const uint8_t *module, size_t size) {
  put_byte(&f->out, WI_CSEC_CORE_MODULE);
  wi_put_name(&f->out, module, size);
  return define(f, WI_SPACE_CORE_MODULE);
}

static void put_items(wi_writer *w, const wi_fragment_item *items, size_t count, bool with_sort) {
  wi_put_u32(w, (uint32_t)count);
  for (size_t i = 0; i < count; i++) {
    wi_put_cstr(w, items[i].name);
    if (with_sort) put_byte(w, items[i].sort);
    wi_put_u32(w, items[i].index);
  }
}

uint32_t wi_fragment_core_exports(wi_fragment *f, const wi_fragment_item *items, size_t count) {
  wi_writer entry = {0};
  put_byte(&entry, 0x01);
  put_items(&entry, items, count, true);
  one_entry_section(f, WI_CSEC_CORE_INSTANCE, &entry);
  return define(f, WI_SPACE_CORE_INSTANCE);
}

/* (instantiate target (with NAME (SORT I))...), a core or a component one. */
static uint32_t instantiate(wi_fragment *f, uint8_t section_id, wi_space space, uint32_t target,
                            const wi_fragment_item *args, size_t count) {
  wi_writer entry = {0};
  put_byte(&entry, 0x00);
  wi_put_u32(&entry, target);
  put_items(&entry, args, count, true);
  one_entry_section(f, section_id, &entry);
  return define(f, space);
}

uint32_t wi_fragment_core_instantiate(wi_fragment *f, uint32_t module,
                                      const wi_fragment_item *args, size_t count) {
  return instantiate(f, WI_CSEC_CORE_INSTANCE, WI_SPACE_CORE_INSTANCE, module, args, count);
}

uint32_t wi_fragment_component(wi_fragment *f, wi_writer *component) {
  wi_put_section(&f->out, WI_CSEC_COMPONENT, component);
  return define(f, WI_SPACE_COMPONENT);
}

uint32_t wi_fragment_instantiate(wi_fragment *f, uint32_t component,
                                 const wi_fragment_item *args, size_t count) {
  return instantiate(f, WI_CSEC_INSTANCE, WI_SPACE_INSTANCE, component, args, count);
}

uint32_t wi_fragment_export_func(wi_fragment *f, const char *name, uint32_t func) {
  wi_writer entry = {0};
  put_extern_name(&entry, name);
  put_byte(&entry, 0x01); /* sort func */
  wi_put_u32(&entry, func);
  put_byte(&entry, 0x00); /* no type ascription */
  one_entry_section(f, WI_CSEC_EXPORT, &entry);
  return define(f, WI_SPACE_FUNC);
}

uint32_t wi_fragment_func_exports(wi_fragment *f, const wi_fragment_item *items, size_t count) {
  wi_writer entry = {0};
  put_byte(&entry, 0x01);
  wi_put_u32(&entry, (uint32_t)count);
  for (size_t i = 0; i < count; i++) {
    put_extern_name(&entry, items[i].name);
    put_byte(&entry, 0x01); /* sort func */
    wi_put_u32(&entry, items[i].index);
  }
  one_entry_section(f, WI_CSEC_INSTANCE, &entry);
  return define(f, WI_SPACE_INSTANCE);
}
