/* One run of the rewriter on one input, as the sandboxed child does it:
 * scan, read with Binaryen, validate, select, instrument, validate, write. */
#ifndef WI_INSTRUMENT_JOB_H
#define WI_INSTRUMENT_JOB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli_options.h"
#include "name_filter.h"

typedef struct wi_profile wi_profile; /* profile_selection.h */

typedef struct {
  const wi_options *options;
  const char *input_label;     /* the input's name in messages */
  uint8_t *input;              /* borrowed; a NUL byte follows the data */
  size_t input_size;
  const wi_name_filter *filter;
  wi_profile *profile;         /* --from-profile, read by the parent; or NULL */
  int output_fd;               /* the temporary output file */
} wi_job;

/* Runs the job on a module or a component; progress and errors go to
 * `report` (see job_report.h). Returns the process exit code (exit_codes.h). */
int wi_run_job(void *job, FILE *report);

/* One core module to instrument: the whole input, or one module of a component. */
typedef struct {
  const wi_options *options;
  const wi_name_filter *filter;
  wi_profile *profile;      /* --from-profile (core modules only), or NULL */
  const char *label;        /* names the module in messages */
  uint32_t first_site_id;   /* ids start here (a component numbers all its modules' sites
                               in one space) */
  bool in_component;        /* write no site table section: the component carries one
                               (the result's site_table) */
  bool process_ends;        /* the process exits right after: the module is not disposed
                               of (the exit reclaims it faster) */
  const char *const *quiet_exports; /* exports the host calls while the instance may not
                                       call out (realloc, post-return); borrowed */
  size_t quiet_export_count;
} wi_module_task;

typedef struct {
  uint8_t *bytes;      /* the output module (the text format with -S; NULL with --list), owned */
  size_t size;
  uint8_t *site_table; /* in a component: the site table's encoded payload
                          (docs/hook-contract.md), owned; else NULL */
  size_t site_table_size;
  uint32_t site_count;
} wi_module_result;

/* Scans, reads, instruments, validates and encodes one module. `data` must be
 * followed by a NUL byte when it may be text. With --list the listing goes to
 * `listing` (if not NULL). Errors are reported on `report`; returns the exit
 * code, and on failure `out` holds nothing. */
int wi_instrument_module(const wi_module_task *task, const uint8_t *data, size_t size,
                         FILE *report, FILE *listing, wi_module_result *out);
void wi_module_result_free(wi_module_result *result);

#endif
