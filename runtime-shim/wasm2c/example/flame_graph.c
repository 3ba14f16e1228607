/* flamegraph.pl from C: find the script, run it under perl with its stdout
 * sent to a temporary file, rename that over the SVG when perl succeeded. */
#define _POSIX_C_SOURCE 200809L

#include "flame_graph.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char NYTPROF_COPY[] = "/usr/share/perl5/Devel/NYTProf/flamegraph.pl";

static bool is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The script's path in `out`, or false. */
static bool find_script(char *out, size_t size) {
  const char *given = getenv("FLAMEGRAPH_PL");
  if (given && *given) {
    snprintf(out, size, "%s", given);
    return is_file(out);
  }
  const char *path = getenv("PATH");
  while (path && *path) {
    const char *end = strchr(path, ':');
    size_t len = end ? (size_t)(end - path) : strlen(path);
    if (len > 0 && (size_t)snprintf(out, size, "%.*s/flamegraph.pl", (int)len, path) < size &&
        is_file(out))
      return true;
    path = end ? end + 1 : NULL;
  }
  snprintf(out, size, "%s", NYTPROF_COPY);
  return is_file(out);
}

bool render_flame_graph(const char *folded, const char *svg, const char *title, char *why,
                        size_t why_size) {
  char script[4096];
  if (!find_script(script, sizeof script)) {
    snprintf(why, why_size,
             "flamegraph.pl not found (set FLAMEGRAPH_PL, put it on the PATH, or install "
             "libdevel-nytprof-perl)");
    return false;
  }
  size_t tmp_size = strlen(svg) + 16;
  char *tmp = malloc(tmp_size);
  if (!tmp) {
    snprintf(why, why_size, "out of memory");
    return false;
  }
  snprintf(tmp, tmp_size, "%s.tmp.XXXXXX", svg);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    snprintf(why, why_size, "%s: %s", svg, strerror(errno));
    free(tmp);
    return false;
  }
  mode_t mask = umask(0); /* mkstemp made it 0600: give it the usual mode */
  umask(mask);
  fchmod(fd, 0666 & ~mask);
  char title_arg[512];
  snprintf(title_arg, sizeof title_arg, "--title=%s", title);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fd, STDOUT_FILENO);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, STDERR_FILENO);
    char *argv[] = {"perl", script, title_arg, "--countname=ns", (char *)folded, NULL};
    execvp("perl", argv);
    _exit(127);
  }
  close(fd);
  int status = 0;
  bool ran = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
             WEXITSTATUS(status) == 0;
  if (!ran) {
    snprintf(why, why_size, "%s failed%s", script, pid < 0 ? " to start" : "");
    unlink(tmp);
  } else if (rename(tmp, svg) != 0) {
    snprintf(why, why_size, "%s: %s", svg, strerror(errno));
    unlink(tmp);
    ran = false;
  }
  free(tmp);
  return ran;
}
