/* The human-readable outputs: `--list` (the sites, one per line) and
 * `--stats` (what was done). */
#ifndef WI_SITE_LISTING_H
#define WI_SITE_LISTING_H

#include <stdio.h>

#include "function_names.h"
#include "instrument.h"

/* Writes the site listing to `out`; ids are numbered from first_id. */
void wi_write_site_list(FILE *out, const wi_instrument *ctx, uint32_t first_id);

typedef struct {
  size_t input_size, output_size;
  size_t input_code_size, output_code_size; /* 0 if unknown */
  double read_ms, instrument_ms, validate_ms, write_ms;
} wi_size_and_time;

/* Reports the statistics through the job report, one `say` line each. */
void wi_report_stats(FILE *report, const char *file, const wi_instrument *ctx,
                     const wi_size_and_time *measures);

#endif
