/* A tiny WASI preview1 for the wasm2c end-to-end host: what wasi-libc needs to
 * run a deterministic command that writes to stdout/stderr.
 *
 * - args_*: the arguments given by wasm2c-host.c; environ_*: empty.
 * - fd_write to 1 and 2 (written straight through with write(2)).
 * - fd_fdstat_get for 0..2: a character device without seek/tell rights when the
 *   host fd is a terminal (so wasi-libc line-buffers stdout, as under Node),
 *   else a regular file/pipe with every right.
 * - fd_close for 0..2 succeeds without closing; fd_seek on 0..2 is ESPIPE.
 * - proc_exit: longjmp back to main with the exit code.
 * - any other fd: EBADF; every other function: ENOSYS (52).
 * Pointers are bounds-checked against the exported memory (EFAULT).
 * Assumes a little-endian host, like wasm2c itself.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasm-rt.h"
#include "wasm2c-host.h"

#define W_SUCCESS 0
#define W_EBADF 8
#define W_EFAULT 21
#define W_EINVAL 28
#define W_EIO 29
#define W_ENOSYS 52
#define W_ESPIPE 70

#define FILETYPE_UNKNOWN 0
#define FILETYPE_CHARACTER_DEVICE 2
#define FILETYPE_REGULAR_FILE 4
#define FILETYPE_SOCKET_STREAM 6
#define RIGHT_FD_SEEK (UINT64_C(1) << 2)
#define RIGHT_FD_TELL (UINT64_C(1) << 5)

struct Z_wasi_snapshot_preview1_instance_t e2e_wasi;
jmp_buf e2e_exit_jmp;
int e2e_exit_code;

typedef struct Z_wasi_snapshot_preview1_instance_t wasi_t;

static int g_argc;
static char** g_argv;

void e2e_wasi_set_args(int argc, char** argv) {
  g_argc = argc;
  g_argv = argv;
}

/* Returns a host pointer to [addr, addr+len) in the module's memory, or NULL. */
static uint8_t* mem(wasi_t* w, uint32_t addr, uint64_t len) {
  if (!w || !w->memory)
    return NULL;
  if ((uint64_t)addr + len > w->memory->size)
    return NULL;
  return w->memory->data + addr;
}

static int put_u32(wasi_t* w, uint32_t addr, uint32_t v) {
  uint8_t* p = mem(w, addr, 4);
  if (!p)
    return 0;
  memcpy(p, &v, 4);
  return 1;
}

static int get_u32(wasi_t* w, uint32_t addr, uint32_t* v) {
  uint8_t* p = mem(w, addr, 4);
  if (!p)
    return 0;
  memcpy(v, p, 4);
  return 1;
}

u32 Z_wasi_snapshot_preview1Z_args_sizes_get(wasi_t* w, u32 argc_ptr, u32 size_ptr) {
  uint32_t size = 0;
  for (int i = 0; i < g_argc; i++)
    size += (uint32_t)strlen(g_argv[i]) + 1;
  if (!put_u32(w, argc_ptr, (uint32_t)g_argc) || !put_u32(w, size_ptr, size))
    return W_EFAULT;
  return W_SUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_args_get(wasi_t* w, u32 argv_ptr, u32 buf_ptr) {
  for (int i = 0; i < g_argc; i++) {
    uint32_t len = (uint32_t)strlen(g_argv[i]) + 1;
    uint8_t* dst = mem(w, buf_ptr, len);
    if (!dst || !put_u32(w, argv_ptr + 4u * (uint32_t)i, buf_ptr))
      return W_EFAULT;
    memcpy(dst, g_argv[i], len);
    buf_ptr += len;
  }
  return W_SUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_environ_sizes_get(wasi_t* w, u32 count_ptr, u32 size_ptr) {
  if (!put_u32(w, count_ptr, 0) || !put_u32(w, size_ptr, 0))
    return W_EFAULT;
  return W_SUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_environ_get(wasi_t* w, u32 environ_ptr, u32 buf_ptr) {
  (void)w;
  (void)environ_ptr;
  (void)buf_ptr;
  return W_SUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_write(wasi_t* w, u32 fd, u32 iovs, u32 iovs_len, u32 nwritten_ptr) {
  if (fd != 1 && fd != 2)
    return W_EBADF;
  uint32_t total = 0;
  for (uint32_t i = 0; i < iovs_len; i++) {
    uint32_t base, len;
    if (!get_u32(w, iovs + 8u * i, &base) || !get_u32(w, iovs + 8u * i + 4u, &len))
      return W_EFAULT;
    const uint8_t* p = mem(w, base, len);
    if (!p)
      return W_EFAULT;
    uint32_t done = 0;
    while (done < len) {
      ssize_t n = write((int)fd, p + done, len - done);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        return W_EIO;
      }
      done += (uint32_t)n;
    }
    total += len;
  }
  if (!put_u32(w, nwritten_ptr, total))
    return W_EFAULT;
  return W_SUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_close(wasi_t* w, u32 fd) {
  (void)w;
  return fd <= 2 ? W_SUCCESS : W_EBADF;
}

u32 Z_wasi_snapshot_preview1Z_fd_seek(wasi_t* w, u32 fd, u64 offset, u32 whence, u32 newoffset_ptr) {
  (void)w;
  (void)offset;
  (void)whence;
  (void)newoffset_ptr;
  return fd <= 2 ? W_ESPIPE : W_EBADF;
}

u32 Z_wasi_snapshot_preview1Z_fd_fdstat_get(wasi_t* w, u32 fd, u32 buf) {
  if (fd > 2)
    return W_EBADF;
  uint8_t st[24] = {0};
  uint64_t rights = ~UINT64_C(0) >> 34; /* the 30 rights preview1 defines */
  uint8_t type;
  if (isatty((int)fd)) {
    type = FILETYPE_CHARACTER_DEVICE;
    rights &= ~(RIGHT_FD_SEEK | RIGHT_FD_TELL);
  } else {
    struct stat sb;
    if (fstat((int)fd, &sb) != 0)
      type = FILETYPE_UNKNOWN;
    else if (S_ISREG(sb.st_mode))
      type = FILETYPE_REGULAR_FILE;
    else if (S_ISCHR(sb.st_mode))
      type = FILETYPE_CHARACTER_DEVICE;
    else
      type = FILETYPE_SOCKET_STREAM;
  }
  st[0] = type;
  memcpy(st + 8, &rights, 8);
  memcpy(st + 16, &rights, 8);
  uint8_t* p = mem(w, buf, sizeof st);
  if (!p)
    return W_EFAULT;
  memcpy(p, st, sizeof st);
  return W_SUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_prestat_get(wasi_t* w, u32 fd, u32 buf) {
  (void)w;
  (void)fd;
  (void)buf;
  return W_EBADF; /* no preopened directories */
}

void Z_wasi_snapshot_preview1Z_proc_exit(wasi_t* w, u32 code) {
  (void)w;
  e2e_exit_code = (int)code;
  longjmp(e2e_exit_jmp, 1);
}

/* Everything else: ENOSYS, with the exact wasm signature (wasm2c checks none
 * at link time, so these must match what wasi-libc imports). */
#define NOSYS(name, ...)                                               \
  u32 Z_wasi_snapshot_preview1Z_##name(wasi_t* w, __VA_ARGS__);        \
  u32 Z_wasi_snapshot_preview1Z_##name(wasi_t* w, __VA_ARGS__) {       \
    (void)w;                                                           \
    return W_ENOSYS;                                                   \
  }

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif
NOSYS(clock_res_get, u32 a, u32 b)
NOSYS(clock_time_get, u32 a, u64 b, u32 c)
NOSYS(fd_advise, u32 a, u64 b, u64 c, u32 d)
NOSYS(fd_allocate, u32 a, u64 b, u64 c)
NOSYS(fd_datasync, u32 a)
NOSYS(fd_fdstat_set_flags, u32 a, u32 b)
NOSYS(fd_fdstat_set_rights, u32 a, u64 b, u64 c)
NOSYS(fd_filestat_get, u32 a, u32 b)
NOSYS(fd_filestat_set_size, u32 a, u64 b)
NOSYS(fd_filestat_set_times, u32 a, u64 b, u64 c, u32 d)
NOSYS(fd_pread, u32 a, u32 b, u32 c, u64 d, u32 e)
NOSYS(fd_prestat_dir_name, u32 a, u32 b, u32 c)
NOSYS(fd_pwrite, u32 a, u32 b, u32 c, u64 d, u32 e)
NOSYS(fd_read, u32 a, u32 b, u32 c, u32 d)
NOSYS(fd_readdir, u32 a, u32 b, u32 c, u64 d, u32 e)
NOSYS(fd_renumber, u32 a, u32 b)
NOSYS(fd_sync, u32 a)
NOSYS(fd_tell, u32 a, u32 b)
NOSYS(path_create_directory, u32 a, u32 b, u32 c)
NOSYS(path_filestat_get, u32 a, u32 b, u32 c, u32 d, u32 e)
NOSYS(path_filestat_set_times, u32 a, u32 b, u32 c, u32 d, u64 e, u64 f, u32 g)
NOSYS(path_link, u32 a, u32 b, u32 c, u32 d, u32 e, u32 f, u32 g)
NOSYS(path_open, u32 a, u32 b, u32 c, u32 d, u32 e, u64 f, u64 g, u32 h, u32 i)
NOSYS(path_readlink, u32 a, u32 b, u32 c, u32 d, u32 e, u32 f)
NOSYS(path_remove_directory, u32 a, u32 b, u32 c)
NOSYS(path_rename, u32 a, u32 b, u32 c, u32 d, u32 e, u32 f)
NOSYS(path_symlink, u32 a, u32 b, u32 c, u32 d, u32 e)
NOSYS(path_unlink_file, u32 a, u32 b, u32 c)
NOSYS(poll_oneoff, u32 a, u32 b, u32 c, u32 d)
NOSYS(proc_raise, u32 a)
NOSYS(random_get, u32 a, u32 b)
NOSYS(sock_accept, u32 a, u32 b, u32 c)
NOSYS(sock_recv, u32 a, u32 b, u32 c, u32 d, u32 e, u32 f)
NOSYS(sock_send, u32 a, u32 b, u32 c, u32 d, u32 e)
NOSYS(sock_shutdown, u32 a, u32 b)
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

u32 Z_wasi_snapshot_preview1Z_sched_yield(wasi_t* w);
u32 Z_wasi_snapshot_preview1Z_sched_yield(wasi_t* w) {
  (void)w;
  return W_ENOSYS;
}
