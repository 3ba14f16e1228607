/* One run of the rewriter on one input, as the sandboxed child does it:
 * scan, read with Binaryen, validate, select, instrument, validate, write. */
#ifndef WI_INSTRUMENT_JOB_H
#define WI_INSTRUMENT_JOB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli_options.h"
#include "name_filter.h"

typedef struct {
  const wi_options *options;
  const char *input_label;     /* the input's name in messages */
  uint8_t *input;              /* borrowed; a NUL byte follows the data */
  size_t input_size;
  const wi_name_filter *filter;
  int output_fd;               /* the temporary output file */
} wi_job;

/* Runs the job; progress and errors go to `report` (see job_report.h).
 * Returns the process exit code (exit_codes.h). */
int wi_run_job(void *job, FILE *report);

#endif
