#include "name_map.h"

#include <stdlib.h>
#include <string.h>

/* Eight bytes a step: names are long (C++ symbols, 60 bytes and more), and a
 * byte-at-a-time hash was most of the maps' cost on 100,000-function modules.
 * Both halves of the result are used (slot and tag), so it ends with
 * MurmurHash3's 64-bit finalizer. */
static uint64_t hash_name(const char *s) {
  size_t len = strlen(s);
  uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
  for (; len >= 8; s += 8, len -= 8) {
    uint64_t word;
    memcpy(&word, s, 8);
    h = (h ^ word) * 0xff51afd7ed558ccdull;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  memcpy(&tail, s, len);
  h = (h ^ tail) * 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 33);
}

/* The slot of `key`, or the empty slot where it would go. Binaryen interns
 * names, and most keys and queries are its pointers: an equal pointer settles
 * it, and a different tag rules a key out, without comparing the strings. */
static size_t find_slot(const wi_name_map *map, const char *key, uint64_t hash) {
  size_t mask = map->capacity - 1;
  uint32_t tag = (uint32_t)(hash >> 32);
  size_t i = (size_t)hash & mask;
  for (;; i = (i + 1) & mask) {
    const wi_name_slot *s = &map->slots[i];
    if (!s->key || s->key == key || (s->tag == tag && strcmp(s->key, key) == 0)) return i;
  }
}

static bool grow(wi_name_map *map) {
  size_t capacity = map->capacity ? map->capacity * 2 : 64;
  wi_name_map bigger = {calloc(capacity, sizeof(wi_name_slot)), capacity, 0};
  if (!bigger.slots) return false;
  for (size_t i = 0; i < map->capacity; i++) {
    const wi_name_slot *s = &map->slots[i];
    if (!s->key) continue;
    size_t mask = capacity - 1, j = (size_t)hash_name(s->key) & mask;
    while (bigger.slots[j].key) j = (j + 1) & mask;
    bigger.slots[j] = *s;
    bigger.count++;
  }
  wi_name_map_free(map);
  *map = bigger;
  return true;
}

bool wi_name_map_put(wi_name_map *map, const char *key, uint32_t value) {
  if ((map->count + 1) * 2 > map->capacity && !grow(map)) return false;
  uint64_t hash = hash_name(key);
  wi_name_slot *s = &map->slots[find_slot(map, key, hash)];
  if (!s->key) {
    s->key = key;
    s->tag = (uint32_t)(hash >> 32);
    map->count++;
  }
  s->value = value;
  return true;
}

bool wi_name_map_get(const wi_name_map *map, const char *key, uint32_t *value) {
  if (map->capacity == 0) return false;
  const wi_name_slot *s = &map->slots[find_slot(map, key, hash_name(key))];
  if (!s->key) return false;
  *value = s->value;
  return true;
}

void wi_name_map_free(wi_name_map *map) {
  free(map->slots);
  memset(map, 0, sizeof *map);
}
