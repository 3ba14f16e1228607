/* Reading the input and writing the output atomically.
 *
 * The output goes to a temporary file created next to the target (so that the
 * final rename stays on one file system) and is renamed over the target only
 * when everything succeeded; on any failure the temporary file is removed and
 * the target is untouched. For `-` the output is copied to stdout at the end. */
#ifndef WI_FILE_IO_H
#define WI_FILE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads all of `path` ("-" for stdin) into a malloc'd buffer with one extra
 * NUL byte after the data (so text can be parsed in place). Returns 0, or an
 * errno value. */
int wi_read_all(const char *path, uint8_t **data, size_t *size);

typedef struct {
  char *target;    /* owned; NULL for stdout */
  char *temp_path; /* owned */
  int fd;          /* open for writing, -1 when closed */
} wi_output;

/* Creates the temporary file for `target` ("-" or NULL means stdout).
 * Returns 0 or an errno value. */
int wi_output_open(wi_output *out, const char *target);
/* Moves the temporary file into place (or copies it to stdout). Returns 0 or an errno. */
int wi_output_commit(wi_output *out);
/* Removes the temporary file; safe to call after commit, and more than once. */
void wi_output_abort(wi_output *out);

/* Writes all of buf to fd, retrying short writes. Returns 0 or an errno. */
int wi_write_all(int fd, const void *buf, size_t size);

#endif
