/* Names for what the passes add to a module, not used by anything yet.
 *
 * Binaryen ends the process on a duplicate name, so every added function,
 * table, element segment and global gets its name here: `base`, else `base$1`,
 * `base$2`... Probing the module by name instead (BinaryenGetFunction) interns
 * each candidate and looks it up, about 3% of the run on a module with 65,000
 * export wrappers. Here the names of a kind are gathered from the module once,
 * on first use, and every name handed out is added to them; so this only holds
 * while every element the passes add is named here. */
#ifndef WI_UNIQUE_NAMES_H
#define WI_UNIQUE_NAMES_H

#include <binaryen-c.h>
#include <stdbool.h>

#include "name_map.h"

typedef enum {
  WI_NAME_FUNCTION,
  WI_NAME_TABLE,
  WI_NAME_ELEMENT_SEGMENT,
  WI_NAME_GLOBAL,
  WI_NAME_KINDS
} wi_name_kind;

typedef struct {
  BinaryenModuleRef module;
  wi_name_map used[WI_NAME_KINDS]; /* values unused */
  bool gathered[WI_NAME_KINDS];
  char **kept; /* copies of the names handed out: keys of `used` (owned) */
  size_t kept_count, kept_capacity;
} wi_unique_names;

void wi_unique_names_init(wi_unique_names *names, BinaryenModuleRef module);
/* A name of `kind` not used yet, now taken (malloc'd, the caller's); NULL
 * when out of memory. */
char *wi_unique_name(wi_unique_names *names, wi_name_kind kind, const char *base);
void wi_unique_names_free(wi_unique_names *names);

#endif
