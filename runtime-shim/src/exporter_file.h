/* What the file exporters share: opening the file ("-" is stdout), a buffer
 * to format each batch into and writing it out in one piece, flushing,
 * closing, and an optional header/footer (Chrome's JSON array). */
#ifndef WO_EXPORTER_FILE_H
#define WO_EXPORTER_FILE_H

#include <stdio.h>

#include "text_buffer.h"
#include "wasm_observe.h"

typedef wo_status (*wo_export_fn)(void *state, const wo_resource *resource, const wo_span *spans,
                                  size_t count);

/* `header` is written at once, `footer` before the file is closed; either may be NULL. */
wo_status wo_exporter_file_open(const char *path, wo_export_fn export_spans, const char *header,
                                const char *footer, wo_exporter *out);
/* The batch buffer of an exporter made by wo_exporter_file_open: empty at the
 * start of each export_spans; fill it, then call wo_exporter_file_write. */
wo_buf *wo_exporter_file_buffer(void *state);
/* Writes the buffer to the file with one fwrite (whole batches stay together
 * on a shared stdout) and empties it. WO_ERR_NO_MEMORY if the buffer could not
 * grow (nothing is written: no half batch), WO_ERR_IO on a write error. */
wo_status wo_exporter_file_write(void *state);
/* Per-exporter scratch state, zeroed at open (Chrome: "first event written"). */
int *wo_exporter_file_flag(void *state);

#endif
