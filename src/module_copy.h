/* Copying a module section by section while rewriting some sections: the
 * walk that the post-write fix-ups (name_section.c, table_exports.c) share.
 * Nothing is allocated here beyond what is written into the caller's writer. */
#ifndef WI_MODULE_COPY_H
#define WI_MODULE_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "byte_reader.h"
#include "byte_writer.h"

/* What a wi_copy_module callback did with one section. */
typedef enum {
  WI_SECTION_COPY,      /* wrote nothing: copy the section as it is */
  WI_SECTION_REWRITTEN, /* wrote the section's replacement (or nothing, to drop it) */
  WI_SECTION_MALFORMED  /* the section cannot be read: give up */
} wi_section_action;

/* `section` is one section of the module being copied (the callback may read
 * its payload); `w` holds the copy so far. */
typedef wi_section_action (*wi_section_fn)(void *ctx, wi_section *section, wi_writer *w);

/* Appends to `w` a copy of the module `binary`: its 8-byte header, then each
 * section as `rewrite` decides. Returns false, leaving a partial copy in `w`
 * (still the caller's to free), if `binary` is shorter than the header, a
 * section overruns it, or `rewrite` says WI_SECTION_MALFORMED. */
bool wi_copy_module(wi_writer *w, const uint8_t *binary, size_t size, wi_section_fn rewrite,
                    void *ctx);

#endif
