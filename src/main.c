/* wasm-instrument: the command-line entry point.
 *
 * The parent process parses the command line, reads the input and owns the
 * output file; all Binaryen work runs in a sandboxed child (sandbox.h), whose
 * report decides whether the temporary output is moved into place. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli_options.h"
#include "diagnostics.h"
#include "exit_codes.h"
#include "file_io.h"
#include "huge_pages.h"
#include "instrument_job.h"
#include "job_report.h"
#include "name_filter.h"
#include "profile_selection.h"
#include "sandbox.h"

/* The first line Binaryen printed, for a one-line message. */
static const char *first_line(char *text) {
  char *line = text;
  while (*line == '\n' || *line == ' ') line++;
  char *end = strchr(line, '\n');
  if (end) *end = '\0';
  if (strlen(line) > 300) strcpy(line + 297, "...");
  return line;
}

/* Binaryen dies on bad input while parsing or reading; anywhere else it is our bug. */
static int exit_code_for_phase(const char *phase) {
  if (strcmp(phase, "parsing text") == 0 || strcmp(phase, "reading") == 0 || phase[0] == '\0')
    return WI_EXIT_BAD_INPUT;
  return WI_EXIT_INTERNAL;
}

static int interpret(const char *file, wi_sandbox_result *result) {
  wi_report_summary summary;
  wi_report_read(result->report, &summary);
  const char *detail = first_line(result->output);
  if (result->signal == 0 && summary.failed && result->exit_code == summary.exit_code) {
    if (summary.want_detail && detail[0])
      fprintf(stderr, "%s: %s\n", summary.message, detail);
    else
      fprintf(stderr, "%s\n", summary.message);
    return summary.exit_code;
  }
  if (result->signal == 0 && result->exit_code == 0 && !summary.failed) return WI_EXIT_OK;
  const char *phase = summary.phase[0] ? summary.phase : "starting";
  /* The component layer's own phases run no Binaryen: a death there is ours. */
  const char *who = strstr(phase, "component") ? "wasm-instrument" : "Binaryen";
  if (result->signal != 0)
    wi_error(file, "%s crashed while %s (%s)%s%s", who, phase, strsignal(result->signal),
             detail[0] ? ": " : "", detail);
  else
    wi_error(file, "%s stopped while %s%s%s", who, phase, detail[0] ? ": " : "",
             detail[0] ? detail : "");
  return exit_code_for_phase(summary.phase);
}

static int run(const wi_options *options) {
  const char *file = strcmp(options->input, "-") == 0 ? "<stdin>" : options->input;
  char why[512] = "";
  wi_name_filter *filter =
      wi_name_filter_new(options->includes, options->include_count, options->excludes,
                         options->exclude_count, why, sizeof why);
  if (!filter) {
    wi_error(NULL, "%s", why);
    return WI_EXIT_USAGE;
  }
  wi_job job = {.options = options, .input_label = file, .filter = filter};
  /* Before the module: a bad profile fails at once, and the child inherits it. */
  if (options->from_profile) {
    job.profile = wi_profile_read(options->from_profile, options->profile_times, why, sizeof why);
    if (!job.profile) {
      wi_error(NULL, "%s", why);
      wi_name_filter_free(filter);
      return WI_EXIT_BAD_INPUT;
    }
  }
  int err = wi_read_all(options->input, &job.input, &job.input_size);
  if (err) {
    wi_error(file, "cannot read: %s", strerror(err));
    wi_profile_free(job.profile);
    wi_name_filter_free(filter);
    return WI_EXIT_BAD_INPUT;
  }
  wi_output output;
  err = wi_output_open(&output, options->list ? NULL : options->output);
  if (err) {
    wi_error(options->output, "cannot create the output: %s", strerror(err));
    free(job.input);
    wi_profile_free(job.profile);
    wi_name_filter_free(filter);
    return WI_EXIT_BAD_INPUT;
  }
  job.output_fd = output.fd;
  wi_sandbox_result result;
  int code;
  err = wi_sandbox_run(wi_run_job, &job, &result);
  if (err) {
    wi_error(file, "cannot start the worker process: %s", strerror(err));
    code = WI_EXIT_INTERNAL;
  } else {
    code = interpret(file, &result);
    wi_sandbox_result_free(&result);
  }
  if (code == WI_EXIT_OK) {
    err = wi_output_commit(&output);
    if (err) {
      wi_error(options->output ? options->output : "<stdout>", "cannot write: %s", strerror(err));
      code = WI_EXIT_BAD_INPUT;
    }
  }
  wi_output_abort(&output);
  free(job.input);
  wi_profile_free(job.profile);
  wi_name_filter_free(filter);
  return code;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN); /* a closed stdout is reported as a write error */
  wi_options options;
  wi_options_result parsed = wi_parse_options(argc, argv, &options);
  if (parsed == WI_OPTIONS_RUN) wi_prefer_huge_pages(argv, options.input); /* may not return */
  int code = parsed == WI_OPTIONS_RUN ? run(&options)
             : parsed == WI_OPTIONS_DONE ? WI_EXIT_OK
                                         : WI_EXIT_USAGE;
  wi_options_free(&options);
  return code;
}
