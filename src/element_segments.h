/* Pointing the items of element segments at the import wrappers, in the
 * binary that Binaryen writes.
 *
 * Binaryen 108's C API cannot edit a segment's items, and cannot add a
 * segment faithfully either: BinaryenAddActiveElementSegment takes function
 * names only (a `ref.null` item cannot be given back) and always makes a
 * `funcref` segment (a typed segment would change its type), and
 * BinaryenElementSegmentGetData ends the process on a `global.get` item. So
 * the segments stay as they are in Binaryen's module, and their items are
 * rewritten after writing: every function index, and every `ref.func` item,
 * found in the redirect table is replaced; everything else (the segment's
 * mode, table, offset, element type, `ref.null` and `global.get` items) is
 * copied byte for byte. Declarative segments are left alone: Binaryen writes
 * them from the `ref.func`s of the code, which already name the wrappers. */
#ifndef WI_ELEMENT_SEGMENTS_H
#define WI_ELEMENT_SEGMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* In the output's function index space: an item `from` becomes `to`. */
typedef struct {
  uint32_t from, to;
} wi_index_redirect;

/* Returns a malloc'd copy of the module `binary` with its element items
 * redirected (size in *out_size; *changed tells whether any item was), or
 * NULL when out of memory or if the element section cannot be read.
 *
 * A function that is no longer in any segment may still be named by a
 * `ref.func` in code the rewriter could not look into, and Binaryen, which
 * saw it in a segment, did not declare it. With `declare`, every function
 * whose items were redirected is declared in a declarative segment added
 * after the others (which keep their indices); only pass it for a module that
 * may use reference types. */
uint8_t *wi_redirect_element_items(const uint8_t *binary, size_t size,
                                   const wi_index_redirect *redirects, size_t count,
                                   bool declare, bool *changed, size_t *out_size);

#endif
