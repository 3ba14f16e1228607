#define _GNU_SOURCE /* setenv, unsetenv */
#include "huge_pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { TUNABLES_MAX = 4096 };

static const char tunable[] = "glibc.malloc.hugetlb";

void wi_prefer_huge_pages(char **argv, const char *input) {
#ifdef __GLIBC__
  if (getenv("WASM_INSTRUMENT_SMALL_PAGES")) return;
  struct stat st;
  if (!input || strcmp(input, "-") == 0 || stat(input, &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_size < WI_HUGE_PAGES_MIN_INPUT)
    return;
  const char *old = getenv("GLIBC_TUNABLES");
  if (old && strstr(old, tunable)) return; /* set already: also stops a second re-exec */
  char value[TUNABLES_MAX];
  int n = old && *old ? snprintf(value, sizeof value, "%s:%s=1", old, tunable)
                      : snprintf(value, sizeof value, "%s=1", tunable);
  if (n < 0 || (size_t)n >= sizeof value) return;
  char *saved = old ? strdup(old) : NULL;
  if (old && !saved) return;
  if (setenv("GLIBC_TUNABLES", value, 1) == 0) execv("/proc/self/exe", argv);
  /* still here: exec failed (no /proc, say); put the environment back */
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
  if (!tunables) return false;
  /* the last setting wins, as in glibc */
  const char *value = NULL;
  for (const char *at = strstr(tunables, tunable); at; at = strstr(at + 1, tunable))
    value = at + sizeof tunable - 1;
  return value && value[0] == '=' && value[1] == '1' && (value[2] == '\0' || value[2] == ':');
#else
  return false;
#endif
}
