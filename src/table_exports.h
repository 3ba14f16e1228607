/* A workaround for Binaryen 108's writer, which writes every table export
 * with table index 0 (a module exporting its second table comes out exporting
 * the first). The right indices are taken from Binaryen's IR, where the
 * exports name their tables correctly, and put back after writing. */
#ifndef WI_TABLE_EXPORTS_H
#define WI_TABLE_EXPORTS_H

#include <stddef.h>
#include <stdint.h>

#include <binaryen-c.h>

/* Returns a malloc'd copy of `binary` (written from `module`) whose table
 * exports carry their real table indices (size in *out_size), or NULL if out
 * of memory or the binary is malformed. */
uint8_t *wi_fix_table_exports(BinaryenModuleRef module, const uint8_t *binary, size_t size,
                              size_t *out_size);

#endif
