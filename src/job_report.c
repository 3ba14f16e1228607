#include "job_report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void wi_report_phase(FILE *report, const char *phase) {
  fprintf(report, "phase %s\n", phase);
  fflush(report);
}

/* Newlines inside a message would break the line protocol. */
static void put_one_line(FILE *report, const char *fmt, va_list args) {
  char text[1024];
  vsnprintf(text, sizeof text, fmt, args);
  for (char *p = text; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
  fputs(text, report);
  fputc('\n', report);
  fflush(report);
}

void wi_report_say(FILE *report, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  fputs("say ", report);
  put_one_line(report, fmt, args);
  va_end(args);
}

void wi_report_fail(FILE *report, int exit_code, bool want_detail, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  fprintf(report, "fail %d %d ", exit_code, want_detail ? 1 : 0);
  put_one_line(report, fmt, args);
  va_end(args);
}

void wi_report_read(char *text, wi_report_summary *s) {
  memset(s, 0, sizeof *s);
  for (char *line = text; line && *line;) {
    char *next = strchr(line, '\n');
    if (next) *next++ = '\0';
    if (strncmp(line, "phase ", 6) == 0) {
      snprintf(s->phase, sizeof s->phase, "%s", line + 6);
    } else if (strncmp(line, "say ", 4) == 0) {
      fprintf(stderr, "%s\n", line + 4);
    } else if (strncmp(line, "fail ", 5) == 0) {
      char *rest;
      s->failed = true;
      s->exit_code = (int)strtol(line + 5, &rest, 10);
      s->want_detail = strtol(rest, &rest, 10) != 0;
      s->message = *rest == ' ' ? rest + 1 : rest;
    }
    line = next;
  }
}
