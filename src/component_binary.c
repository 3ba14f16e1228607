#include "component_binary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byte_reader.h"

static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6d};

bool wi_is_component(const uint8_t *data, size_t size) {
  return size >= 8 && memcmp(data, magic, 4) == 0 && data[6] == 0x01 && data[7] == 0x00;
}

void wi_component_free(wi_component *c) {
  if (!c) return;
  for (size_t i = 0; i < c->count; i++) wi_component_free(c->sections[i].nested);
  free(c->sections);
  free(c);
}

const uint8_t *wi_custom_section_name(const wi_csection *s, uint32_t *len, size_t *data_offset) {
  wi_reader r = wi_reader_make(s->payload, s->size);
  const uint8_t *name;
  if (!wi_read_name(&r, &name, len)) {
    *len = 0;
    return NULL;
  }
  *data_offset = r.pos;
  return name;
}

typedef struct {
  const uint8_t *input; /* the whole input, for offsets in messages */
  char *why;
  size_t why_size;
  bool out_of_memory;
} parse_state;

static int malformed(parse_state *p, const char *what, size_t offset) {
  snprintf(p->why, p->why_size, "malformed component: %s (at byte offset %zu)", what, offset);
  return -1;
}

static int parse_at(parse_state *p, const uint8_t *data, size_t size, unsigned depth,
                    wi_component **out);

static int add_section(parse_state *p, wi_component *c, const wi_csection *s) {
  if (c->count == c->capacity) {
    size_t capacity = c->capacity ? c->capacity * 2 : 16;
    wi_csection *grown = realloc(c->sections, capacity * sizeof *grown);
    if (!grown) {
      p->out_of_memory = true;
      return -2;
    }
    c->sections = grown;
    c->capacity = capacity;
  }
  c->sections[c->count++] = *s;
  return 0;
}

static int parse_sections(parse_state *p, wi_component *c, wi_reader *r, unsigned depth) {
  while (wi_reader_left(r) > 0) {
    size_t start = r->pos;
    wi_section raw;
    if (!wi_next_section(r, &raw)) {
      wi_reader h = wi_reader_make(r->data, r->size);
      h.pos = start;
      uint8_t id;
      uint32_t claimed;
      if (!wi_read_u8(&h, &id) || !wi_read_u32(&h, &claimed))
        return malformed(p, "truncated section header", c->offset + start);
      char what[112];
      snprintf(what, sizeof what, "section %u claims %u bytes but only %zu remain", id, claimed,
               wi_reader_left(&h));
      return malformed(p, what, c->offset + start);
    }
    wi_csection s = {.id = raw.id,
                     .offset = c->offset + start,
                     .payload = raw.payload.data + raw.payload.pos,
                     .size = raw.payload.size - raw.payload.pos};
    if (s.id > WI_CSEC_VALUE) {
      char what[64];
      snprintf(what, sizeof what, "unknown section id %u", s.id);
      return malformed(p, what, s.offset);
    }
    if (s.id == WI_CSEC_CUSTOM) {
      uint32_t len;
      size_t data_offset;
      if (!wi_custom_section_name(&s, &len, &data_offset))
        return malformed(p, "custom section without a valid name", s.offset);
    }
    if (s.id == WI_CSEC_COMPONENT) {
      if (depth + 1 >= WI_COMPONENT_MAX_DEPTH)
        return malformed(p, "components nested too deeply", s.offset);
      int rc = parse_at(p, s.payload, s.size, depth + 1, &s.nested);
      if (rc != 0) return rc;
    }
    if (s.id == WI_CSEC_CORE_MODULE &&
        (s.size < 8 || memcmp(s.payload, magic, 4) != 0 || s.payload[4] != 1 ||
         s.payload[5] != 0 || s.payload[6] != 0 || s.payload[7] != 0)) {
      return malformed(p, "a core module section that does not hold a version 1 core module",
                       s.offset);
    }
    int rc = add_section(p, c, &s);
    if (rc != 0) {
      wi_component_free(s.nested);
      return rc;
    }
  }
  return 0;
}

static int parse_at(parse_state *p, const uint8_t *data, size_t size, unsigned depth,
                    wi_component **out) {
  *out = NULL;
  size_t offset = (size_t)(data - p->input);
  if (size < 8 || memcmp(data, magic, 4) != 0) return malformed(p, "no component preamble", offset);
  if (data[6] != 0x01 || data[7] != 0x00) return malformed(p, "not a component (layer)", offset);
  if (data[4] != WI_COMPONENT_VERSION || data[5] != 0x00) {
    snprintf(p->why, p->why_size,
             "a component of binary version 0x%02x%02x; this tool reads version 0x%02x "
             "(the component model's current pre-standard encoding)",
             data[5], data[4], WI_COMPONENT_VERSION);
    return -1;
  }
  wi_component *c = calloc(1, sizeof *c);
  if (!c) {
    p->out_of_memory = true;
    return -2;
  }
  c->offset = offset;
  c->bytes = data;
  c->size = size;
  wi_reader r = wi_reader_make(data, size);
  r.pos = 8;
  int rc = parse_sections(p, c, &r, depth);
  if (rc != 0) {
    wi_component_free(c);
    return p->out_of_memory ? -2 : rc;
  }
  *out = c;
  return 0;
}

int wi_component_parse(const uint8_t *data, size_t size, wi_component **out, char *why,
                       size_t why_size) {
  parse_state p = {.input = data, .why = why, .why_size = why_size};
  int rc = parse_at(&p, data, size, 0, out);
  if (rc != 0 && p.out_of_memory) {
    snprintf(why, why_size, "out of memory");
    return -2;
  }
  return rc;
}
