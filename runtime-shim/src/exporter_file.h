/* What the file exporters share: opening the file ("-" is stdout), a buffer
 * to format each batch into and writing it out in one piece, flushing,
 * closing, and an optional header/footer (Chrome's JSON array). */
#ifndef WO_EXPORTER_FILE_H
#define WO_EXPORTER_FILE_H

#include <stdbool.h>
#include <stdio.h>

#include "text_buffer.h"
#include "wasm_observe.h"

typedef wo_status (*wo_export_fn)(void *state, const wo_resource *resource, const wo_span *spans,
                                  size_t count);

/* `header` is written at once, `footer` before the file is closed; either may
 * be NULL. `options` (may be NULL) sets the size limit (wasm_observe.h). */
wo_status wo_exporter_file_open(const char *path, const wo_file_options *options,
                                wo_export_fn export_spans, const char *header, const char *footer,
                                wo_exporter *out);
/* The batch buffer of an exporter made by wo_exporter_file_open: empty at the
 * start of each export_spans; fill it, then call wo_exporter_file_write. */
wo_buf *wo_exporter_file_buffer(void *state);
/* Writes the buffer, which holds a batch of `spans` spans, to the file with
 * one fwrite (whole batches stay together on a shared stdout) and empties it.
 * WO_ERR_NO_MEMORY if the buffer could not grow (nothing is written: no half
 * batch), WO_ERR_IO on a write error; WO_OUTPUT_DROPPED if the batch would
 * have taken the file over its size limit (nothing written, counted), and
 * WO_OUTPUT_FULL if it was written but the file is now within its reserve. */
wo_status wo_exporter_file_write(void *state, size_t spans);
/* Whether a status of wo_exporter_file_write means the batch is in the file. */
bool wo_exporter_file_wrote(wo_status status);
/* Per-exporter scratch state, zeroed at open (Chrome: "first event written"). */
int *wo_exporter_file_flag(void *state);

#endif
