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
  /* The size budget: `reserve` bytes below max_bytes are kept for the spans
   * already open when the file says it is full. */
  uint64_t max_bytes, reserve;
  wo_file_stats stats;
  wo_file_stats *final_stats;
} file_state;

int *wo_exporter_file_flag(void *state) { return &((file_state *)state)->flag; }
wo_buf *wo_exporter_file_buffer(void *state) { return &((file_state *)state)->buffer; }

/* Writes the footer and steps back before it; fseek also hands stdio's
 * buffer to the file, so what is written so far survives a kill. */
static bool put_footer_in_place(file_state *s) {
  return fwrite(s->footer, 1, s->footer_length, s->file) == s->footer_length &&
         fseek(s->file, -(long)s->footer_length, SEEK_CUR) == 0;
}

bool wo_exporter_file_wrote(wo_status status) {
  return status == WO_OK || status == WO_OUTPUT_FULL;
}

/* Whether `more` bytes fit under the limit, with the footer still to come. */
static bool fits(const file_state *s, uint64_t more) {
  uint64_t used = s->stats.bytes_written + s->footer_length;
  return used <= s->max_bytes && more <= s->max_bytes - used;
}

wo_status wo_exporter_file_write(void *state, size_t spans) {
  file_state *s = state;
  wo_buf *b = &s->buffer;
  wo_status rc = WO_OK;
  if (s->failed) rc = WO_ERR_IO;
  else if (b->failed) rc = WO_ERR_NO_MEMORY; /* nothing written: the file stays whole */
  else if (!fits(s, b->size)) {
    s->stats.batches_dropped++;
    s->stats.spans_dropped += spans;
    rc = WO_OUTPUT_DROPPED;
  } else if ((b->size && fwrite(b->data, 1, b->size, s->file) != b->size) ||
             (s->footer_in_place && b->size && !put_footer_in_place(s)) || ferror(s->file)) {
    s->failed = true;
    rc = WO_ERR_IO;
  } else {
    s->stats.bytes_written += b->size;
    /* full once the reserve and another batch this size would not fit: a
     * batch can be larger than the reserve */
    if (!fits(s, s->reserve + b->size)) rc = WO_OUTPUT_FULL;
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
  if (s->final_stats) {
    *s->final_stats = s->stats;
    if (!s->failed) s->final_stats->bytes_written += s->footer_length;
  }
  wo_buf_free(&s->buffer);
  free(s->footer);
  free(s);
}

wo_status wo_file_exporter_read_stats(const wo_exporter *e, wo_file_stats *out) {
  if (!e || e->flush != flush_file || !e->state) return WO_ERR_INVALID_ARGUMENT;
  const file_state *s = e->state;
  *out = s->stats;
  out->bytes_written += s->footer_length; /* on the disk already, or at close */
  return WO_OK;
}

wo_status wo_exporter_file_open(const char *path, const wo_file_options *options,
                                wo_export_fn export_spans, const char *header, const char *footer,
                                wo_exporter *out) {
  memset(out, 0, sizeof *out);
  if (!path || !export_spans) return WO_ERR_INVALID_ARGUMENT;
  uint64_t max_bytes = options && options->max_bytes ? options->max_bytes : WO_DEFAULT_FILE_MAX_BYTES;
  size_t header_length = header ? strlen(header) : 0;
  size_t footer_length = footer ? strlen(footer) : 0;
  if (max_bytes < header_length + footer_length) return WO_ERR_INVALID_ARGUMENT;
  file_state *s = calloc(1, sizeof *s);
  if (!s) return WO_ERR_NO_MEMORY;
  s->max_bytes = max_bytes;
  s->stats.max_bytes = max_bytes;
  s->reserve = max_bytes / 8 < WO_FILE_RESERVE_BYTES ? max_bytes / 8 : WO_FILE_RESERVE_BYTES;
  s->final_stats = options ? options->final_stats : NULL;
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
  s->stats.bytes_written = header_length;
  if (s->footer) {
    struct stat st;
    s->footer_length = footer_length;
    s->footer_in_place = !s->is_stdout && fstat(fileno(s->file), &st) == 0 && S_ISREG(st.st_mode);
    if (s->footer_in_place && !put_footer_in_place(s)) s->failed = true;
  }
  out->state = s;
  out->export_spans = export_spans;
  out->flush = flush_file;
  out->destroy = close_file;
  return WO_OK;
}
