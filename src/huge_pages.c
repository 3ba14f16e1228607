#define _GNU_SOURCE /* setenv, unsetenv, getauxval, gnu_get_libc_version */
#include "huge_pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __GLIBC__
#include <gnu/libc-version.h>
#include <sys/auxv.h>
#endif

enum { TUNABLES_MAX = 4096, MAPS_LINE_MAX = 4096 };

static const char tunable[] = "glibc.malloc.hugetlb";
/* Set for the second start only: whatever glibc does with GLIBC_TUNABLES
 * (a secure-mode process loses it), there is never a third. */
static const char restarted[] = "WASM_INSTRUMENT_RESTARTED";

#ifdef __GLIBC__
/* The value GLIBC_TUNABLES `tunables` gives glibc.malloc.hugetlb: its last
 * setting among the ':'-separated NAME=VALUE items, as a pointer into
 * `tunables` and its length in *len; NULL when no item sets it. */
static const char *hugetlb_setting(const char *tunables, size_t *len) {
  const char *value = NULL;
  size_t name_len = sizeof tunable - 1;
  for (const char *item = tunables; *item;) {
    size_t item_len = strcspn(item, ":");
    if (item_len > name_len && strncmp(item, tunable, name_len) == 0 && item[name_len] == '=') {
      value = item + name_len + 1;
      *len = item_len - name_len - 1;
    }
    item += item_len;
    if (*item == ':') item++;
  }
  return value;
}

/* glibc.malloc.hugetlb came with glibc 2.35. */
static bool glibc_has_hugetlb(void) {
  unsigned major = 0, minor = 0;
  if (sscanf(gnu_get_libc_version(), "%u.%u", &major, &minor) != 2) return false;
  return major > 2 || (major == 2 && minor >= 35);
}

/* Whether /proc/self/exe is the file this code runs from: not so under
 * valgrind (its tool is the process's executable) nor when the program was
 * started through the dynamic loader (ld.so is), where exec'ing it would run
 * something else. Compared by device and inode with the file that
 * /proc/self/maps shows at this function's address. */
static bool exe_is_this_program(void) {
  FILE *maps = fopen("/proc/self/maps", "r");
  if (!maps) return false;
  uintptr_t here = (uintptr_t)&exe_is_this_program;
  char line[MAPS_LINE_MAX], path[MAPS_LINE_MAX];
  bool found = false;
  while (!found && fgets(line, sizeof line, maps)) {
    unsigned long lo, hi;
    int at = 0;
    if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &at) < 2 || at == 0) continue;
    if (here < lo || here >= hi) continue;
    size_t len = strcspn(line + at, "\n");
    if (len == 0 || line[at] != '/') break; /* anonymous: cannot tell */
    memcpy(path, line + at, len);
    path[len] = '\0';
    found = true;
  }
  fclose(maps);
  struct stat code, exe;
  return found && stat(path, &code) == 0 && stat("/proc/self/exe", &exe) == 0 &&
         code.st_dev == exe.st_dev && code.st_ino == exe.st_ino;
}
#endif

void wi_prefer_huge_pages(char **argv, const char *input) {
#ifdef __GLIBC__
  if (getenv(restarted)) {
    unsetenv(restarted);
    return;
  }
  if (getenv("WASM_INSTRUMENT_SMALL_PAGES") || getauxval(AT_SECURE) || !glibc_has_hugetlb())
    return;
  struct stat st;
  if (!input || strcmp(input, "-") == 0 || stat(input, &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_size < WI_HUGE_PAGES_MIN_INPUT)
    return;
  const char *old = getenv("GLIBC_TUNABLES");
  size_t old_len;
  if (old && hugetlb_setting(old, &old_len)) return; /* the user's own setting wins */
  if (!exe_is_this_program()) return;
  char value[TUNABLES_MAX];
  int n = old && *old ? snprintf(value, sizeof value, "%s:%s=1", old, tunable)
                      : snprintf(value, sizeof value, "%s=1", tunable);
  if (n < 0 || (size_t)n >= sizeof value) return;
  char *saved = old ? strdup(old) : NULL;
  if (old && !saved) return;
  if (setenv(restarted, "1", 1) == 0 && setenv("GLIBC_TUNABLES", value, 1) == 0)
    execv("/proc/self/exe", argv);
  /* still here: exec failed; put the environment back */
  unsetenv(restarted);
  if (saved) setenv("GLIBC_TUNABLES", saved, 1);
  else unsetenv("GLIBC_TUNABLES");
  free(saved);
#else
  (void)argv;
  (void)input;
#endif
}

bool wi_huge_pages_asked(void) {
#ifdef __GLIBC__
  const char *tunables = getenv("GLIBC_TUNABLES");
  if (!tunables || !glibc_has_hugetlb()) return false;
  size_t len;
  const char *value = hugetlb_setting(tunables, &len);
  return value && len == 1 && value[0] == '1';
#else
  return false;
#endif
}
