#include "exporter_file.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A batch buffer larger than this (huge names, a huge batch_size) is given
 * back after writing rather than kept for the whole run. */
enum { KEEP_BUFFER_BYTES = 4 << 20 };

typedef struct {
  FILE *file;
  bool is_stdout;
  /* A regular file with a footer keeps it written after every batch, the
   * position left before it (the next batch overwrites it): a process killed
   * before close leaves a complete document. Else the footer goes at close. */
  bool footer_in_place;
  /* A write failed: the file's end is unknown (a batch cut short, a footer
   * left in the middle), so nothing more is written to it, and every export
   * and flush says WO_ERR_IO. */
  bool failed;
  char *footer;
  size_t footer_length;
  int flag;
  wo_buf buffer;
} file_state;

int *wo_exporter_file_flag(void *state) { return &((file_state *)state)->flag; }
wo_buf *wo_exporter_file_buffer(void *state) { return &((file_state *)state)->buffer; }

/* Writes the footer and steps back before it; fseek also hands stdio's
 * buffer to the file, so what is written so far survives a kill. */
static bool put_footer_in_place(file_state *s) {
  return fwrite(s->footer, 1, s->footer_length, s->file) == s->footer_length &&
         fseek(s->file, -(long)s->footer_length, SEEK_CUR) == 0;
}

wo_status wo_exporter_file_write(void *state) {
  file_state *s = state;
  wo_buf *b = &s->buffer;
  wo_status rc = WO_OK;
  if (s->failed) rc = WO_ERR_IO;
  else if (b->failed) rc = WO_ERR_NO_MEMORY; /* nothing written: the file stays whole */
  else if ((b->size && fwrite(b->data, 1, b->size, s->file) != b->size) ||
           (s->footer_in_place && b->size && !put_footer_in_place(s)) || ferror(s->file)) {
    s->failed = true;
    rc = WO_ERR_IO;
  }
  if (b->capacity > KEEP_BUFFER_BYTES) wo_buf_free(b);
  else wo_buf_clear(b);
  return rc;
}

static wo_status flush_file(void *state) {
  file_state *s = state;
  if (!s->failed && fflush(s->file) != 0) s->failed = true;
  return s->failed ? WO_ERR_IO : WO_OK;
}

static void close_file(void *state) {
  file_state *s = state;
  /* in place, the footer is there already */
  if (s->footer && !s->footer_in_place && !s->failed) fputs(s->footer, s->file);
  if (s->is_stdout) fflush(s->file);
  else fclose(s->file);
  wo_buf_free(&s->buffer);
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
  if (s->footer) {
    struct stat st;
    s->footer_length = strlen(s->footer);
    s->footer_in_place = !s->is_stdout && fstat(fileno(s->file), &st) == 0 && S_ISREG(st.st_mode);
    if (s->footer_in_place && !put_footer_in_place(s)) s->failed = true;
  }
  out->state = s;
  out->export_spans = export_spans;
  out->flush = flush_file;
  out->destroy = close_file;
  return WO_OK;
}
