#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int wi_read_all(const char *path, uint8_t **data, size_t *size) {
  int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (fd != STDIN_FILENO) close(fd);
    return EISDIR;
  }
  size_t capacity = 1 << 16, used = 0;
  uint8_t *buf = malloc(capacity);
  int err = 0;
  while (buf) {
    if (used + 1 >= capacity) {
      uint8_t *grown = realloc(buf, capacity * 2);
      if (!grown) {
        err = ENOMEM;
        break;
      }
      buf = grown;
      capacity *= 2;
    }
    ssize_t n = read(fd, buf + used, capacity - used - 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
      break;
    }
    if (n == 0) break;
    used += (size_t)n;
  }
  if (!buf) err = ENOMEM;
  if (fd != STDIN_FILENO) close(fd);
  if (err) {
    free(buf);
    return err;
  }
  buf[used] = 0;
  *data = buf;
  *size = used;
  return 0;
}

int wi_write_all(int fd, const void *buf, size_t size) {
  const uint8_t *p = buf;
  while (size > 0) {
    ssize_t n = write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    p += n;
    size -= (size_t)n;
  }
  return 0;
}

static char *temp_template(const char *target) {
  const char *dir;
  char *copy = NULL;
  if (target) {
    copy = strdup(target);
    if (!copy) return NULL;
    dir = dirname(copy);
  } else {
    dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
  }
  size_t size = strlen(dir) + 40;
  char *path = malloc(size);
  if (path) snprintf(path, size, "%s/.wasm-instrument.XXXXXX", dir);
  free(copy);
  return path;
}

int wi_output_open(wi_output *out, const char *target) {
  memset(out, 0, sizeof *out);
  out->fd = -1;
  if (target && strcmp(target, "-") != 0) {
    out->target = strdup(target);
    if (!out->target) return ENOMEM;
  }
  out->temp_path = temp_template(out->target);
  if (!out->temp_path) return ENOMEM;
  out->fd = mkstemp(out->temp_path);
  if (out->fd < 0) {
    int err = errno;
    free(out->temp_path);
    out->temp_path = NULL;
    return err;
  }
  /* mkstemp makes 0600; give the output the usual permissions. */
  mode_t mask = umask(0);
  umask(mask);
  fchmod(out->fd, 0666 & ~mask);
  return 0;
}

static int copy_to_stdout(int fd) {
  if (lseek(fd, 0, SEEK_SET) < 0) return errno;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return 0;
    int err = wi_write_all(STDOUT_FILENO, buf, (size_t)n);
    if (err) return err;
  }
}

int wi_output_commit(wi_output *out) {
  int err = 0;
  if (out->target) {
    if (fsync(out->fd) != 0 && errno != EINVAL) err = errno;
    if (!err && rename(out->temp_path, out->target) != 0) err = errno;
  } else {
    err = copy_to_stdout(out->fd);
  }
  if (close(out->fd) != 0 && !err) err = errno;
  out->fd = -1;
  if (!out->target || err) unlink(out->temp_path);
  free(out->temp_path);
  out->temp_path = NULL;
  return err;
}

void wi_output_abort(wi_output *out) {
  if (out->fd >= 0) close(out->fd);
  out->fd = -1;
  if (out->temp_path) unlink(out->temp_path);
  free(out->temp_path);
  free(out->target);
  out->temp_path = NULL;
  out->target = NULL;
}
