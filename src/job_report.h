/* The channel from the sandboxed child (which runs Binaryen) to the parent.
 *
 * The child writes lines to a pipe: `phase NAME` as it enters each step,
 * `say TEXT` for a message the parent prints as is, and finally at most one
 * `fail CODE DETAIL TEXT` (DETAIL 1: append Binaryen's own first line).
 * Binaryen's own output goes to a separate pipe, so its multi-line dumps never
 * reach the user unless condensed to one line. */
#ifndef WI_JOB_REPORT_H
#define WI_JOB_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "diagnostics.h"

void wi_report_phase(FILE *report, const char *phase);
void wi_report_say(FILE *report, const char *fmt, ...) WI_PRINTF(2, 3);
void wi_report_fail(FILE *report, int exit_code, bool want_detail, const char *fmt, ...)
    WI_PRINTF(4, 5);

typedef struct {
  char phase[64];      /* the last phase entered */
  bool failed;
  int exit_code;
  bool want_detail;
  const char *message; /* points into the parsed buffer; NULL if none */
} wi_report_summary;

/* Parses the child's report (NUL-terminated, modified in place), printing the
 * `say` lines to stderr in order. */
void wi_report_read(char *text, wi_report_summary *summary);

#endif
