/* A map from function name to a number (an index), for the lookups that the
 * passes do per call site. Keys are borrowed: they must outlive the map. */
#ifndef WI_NAME_MAP_H
#define WI_NAME_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  const char *key; /* borrowed; NULL = empty slot */
  uint32_t tag;    /* the high half of the key's hash */
  uint32_t value;
} wi_name_slot;

typedef struct {
  wi_name_slot *slots; /* owned */
  size_t capacity, count;
} wi_name_map;

/* Returns false when out of memory. A second put of a key replaces its value. */
bool wi_name_map_put(wi_name_map *map, const char *key, uint32_t value);
/* Returns true and sets *value if key is present. */
bool wi_name_map_get(const wi_name_map *map, const char *key, uint32_t *value);
void wi_name_map_free(wi_name_map *map);

#endif
