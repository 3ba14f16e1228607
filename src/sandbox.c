#include "sandbox.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum { OUTPUT_LIMIT = 64 * 1024, REPORT_LIMIT = 16 * 1024 * 1024 };

typedef struct {
  char *data;
  size_t size, capacity, limit;
} capture;

/* Appends up to the limit; the rest is read and dropped so the child never blocks. */
static void capture_append(capture *c, const char *bytes, size_t n) {
  if (c->size + n > c->limit) n = c->limit - c->size;
  if (n == 0) return;
  if (c->size + n + 1 > c->capacity) {
    size_t capacity = c->capacity ? c->capacity : 4096;
    while (capacity < c->size + n + 1) capacity *= 2;
    char *grown = realloc(c->data, capacity);
    if (!grown) return;
    c->data = grown;
    c->capacity = capacity;
  }
  memcpy(c->data + c->size, bytes, n);
  c->size += n;
  c->data[c->size] = '\0';
}

static char *capture_take(capture *c) {
  if (!c->data) return calloc(1, 1);
  return c->data;
}

static void run_child(wi_sandboxed_fn fn, void *arg, int report_fd, int output_fd) {
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  dup2(output_fd, STDOUT_FILENO);
  dup2(output_fd, STDERR_FILENO);
  close(output_fd);
  FILE *report = fdopen(report_fd, "w");
  int code = report ? fn(arg, report) : 3;
  if (report) fclose(report);
  fflush(NULL);
  _exit(code);
}

static void drain(int report_fd, int output_fd, capture *report, capture *output) {
  struct pollfd fds[2] = {{report_fd, POLLIN, 0}, {output_fd, POLLIN, 0}};
  capture *sinks[2] = {report, output};
  int open_count = 2;
  char buf[8192];
  while (open_count > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        open_count--;
        continue;
      }
      capture_append(sinks[i], buf, (size_t)n);
    }
  }
}

int wi_sandbox_run(wi_sandboxed_fn fn, void *arg, wi_sandbox_result *result) {
  memset(result, 0, sizeof *result);
  int report_pipe[2], output_pipe[2];
  if (pipe(report_pipe) != 0) return errno;
  if (pipe(output_pipe) != 0) {
    int err = errno;
    close(report_pipe[0]);
    close(report_pipe[1]);
    return err;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(report_pipe[0]);
    close(report_pipe[1]);
    close(output_pipe[0]);
    close(output_pipe[1]);
    return err;
  }
  if (pid == 0) {
    close(report_pipe[0]);
    close(output_pipe[0]);
    run_child(fn, arg, report_pipe[1], output_pipe[1]);
  }
  close(report_pipe[1]);
  close(output_pipe[1]);
  capture report = {.limit = REPORT_LIMIT}, output = {.limit = OUTPUT_LIMIT};
  drain(report_pipe[0], output_pipe[0], &report, &output);
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      status = 3 << 8;
      break;
    }
  }
  result->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  result->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result->report = capture_take(&report);
  result->output = capture_take(&output);
  return 0;
}

void wi_sandbox_result_free(wi_sandbox_result *result) {
  free(result->report);
  free(result->output);
  result->report = result->output = NULL;
}
