#include "name_map.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_name(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static size_t find_slot(const wi_name_map *map, const char *key) {
  size_t mask = map->capacity - 1;
  size_t i = (size_t)hash_name(key) & mask;
  while (map->keys[i] && strcmp(map->keys[i], key) != 0) i = (i + 1) & mask;
  return i;
}

static bool grow(wi_name_map *map) {
  size_t capacity = map->capacity ? map->capacity * 2 : 64;
  wi_name_map bigger = {calloc(capacity, sizeof(char *)), calloc(capacity, sizeof(uint32_t)),
                        capacity, 0};
  if (!bigger.keys || !bigger.values) {
    free(bigger.keys);
    free(bigger.values);
    return false;
  }
  for (size_t i = 0; i < map->capacity; i++) {
    if (!map->keys[i]) continue;
    size_t slot = find_slot(&bigger, map->keys[i]);
    bigger.keys[slot] = map->keys[i];
    bigger.values[slot] = map->values[i];
    bigger.count++;
  }
  wi_name_map_free(map);
  *map = bigger;
  return true;
}

bool wi_name_map_put(wi_name_map *map, const char *key, uint32_t value) {
  if ((map->count + 1) * 2 > map->capacity && !grow(map)) return false;
  size_t slot = find_slot(map, key);
  if (!map->keys[slot]) {
    map->keys[slot] = key;
    map->count++;
  }
  map->values[slot] = value;
  return true;
}

bool wi_name_map_get(const wi_name_map *map, const char *key, uint32_t *value) {
  if (map->capacity == 0) return false;
  size_t slot = find_slot(map, key);
  if (!map->keys[slot]) return false;
  *value = map->values[slot];
  return true;
}

void wi_name_map_free(wi_name_map *map) {
  free(map->keys);
  free(map->values);
  memset(map, 0, sizeof *map);
}
