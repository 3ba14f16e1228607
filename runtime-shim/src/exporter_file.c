#include "exporter_file.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  FILE *file;
  bool is_stdout;
  char *footer;
  int flag;
} file_state;

FILE *wo_exporter_file(void *state) { return ((file_state *)state)->file; }
int *wo_exporter_file_flag(void *state) { return &((file_state *)state)->flag; }

static wo_status flush_file(void *state) {
  return fflush(((file_state *)state)->file) == 0 ? WO_OK : WO_ERR_IO;
}

static void close_file(void *state) {
  file_state *s = state;
  if (s->footer) fputs(s->footer, s->file);
  if (s->is_stdout) fflush(s->file);
  else fclose(s->file);
  free(s->footer);
  free(s);
}

wo_status wo_exporter_file_open(const char *path, wo_export_fn export_spans, const char *header,
                                const char *footer, wo_exporter *out) {
  memset(out, 0, sizeof *out);
  if (!path || !export_spans) return WO_ERR_INVALID_ARGUMENT;
  file_state *s = calloc(1, sizeof *s);
  if (!s) return WO_ERR_NO_MEMORY;
  s->is_stdout = strcmp(path, "-") == 0;
  s->file = s->is_stdout ? stdout : fopen(path, "w");
  s->footer = footer ? strdup(footer) : NULL;
  if (!s->file || (footer && !s->footer)) {
    wo_status rc = s->file ? WO_ERR_NO_MEMORY : WO_ERR_IO;
    if (s->file && !s->is_stdout) fclose(s->file);
    free(s->footer);
    free(s);
    return rc;
  }
  if (header) fputs(header, s->file);
  out->state = s;
  out->export_spans = export_spans;
  out->flush = flush_file;
  out->destroy = close_file;
  return WO_OK;
}
