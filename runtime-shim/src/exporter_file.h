/* What the file exporters share: opening the file ("-" is stdout), flushing,
 * closing, and an optional header/footer (Chrome's JSON array). */
#ifndef WO_EXPORTER_FILE_H
#define WO_EXPORTER_FILE_H

#include <stdio.h>

#include "wasm_observe.h"

typedef wo_status (*wo_export_fn)(void *state, const wo_resource *resource, const wo_span *spans,
                                  size_t count);

/* `header` is written at once, `footer` before the file is closed; either may be NULL. */
wo_status wo_exporter_file_open(const char *path, wo_export_fn export_spans, const char *header,
                                const char *footer, wo_exporter *out);
/* The FILE of an exporter made by wo_exporter_file_open. */
FILE *wo_exporter_file(void *state);
/* Per-exporter scratch state, zeroed at open (Chrome: "first event written"). */
int *wo_exporter_file_flag(void *state);

#endif
