/* Test tool: writes module A (src/guest_shims.h) for a site list read from
 * stdin, and optionally the site blob alone.
 *
 *   guest_make_memory_module otel|observe A.wasm [BLOB.bin] < sites.tsv
 *
 * One site a line, fields separated by tabs: kind (function, import, export),
 * display name, function index, import module, import field, export name,
 * core module name, component (decimal), entry (1: an export the component
 * lifts), no-return (1: an import that ends the program); missing trailing
 * fields are "" (0 for the last three). In a field, \\ \t \n and
 * \xHH stand for a backslash, a tab, a newline and the byte HH (so names can
 * hold any byte, invalid UTF-8 included). GUEST_MUTE_AFTER and GUEST_MUTE_BELOW_NS
 * in the environment: a blob with another muting rule (as --guest-mute-after and
 * --guest-mute-below-ns write it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_shims.h"

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Unescapes `field` in place. */
static void unescape(char *field) {
  char *out = field;
  for (char *p = field; *p; p++) {
    if (*p != '\\' || !p[1]) {
      *out++ = *p;
      continue;
    }
    p++;
    if (*p == 't') *out++ = '\t';
    else if (*p == 'n') *out++ = '\n';
    else if (*p == 'x' && hex_digit(p[1]) >= 0 && hex_digit(p[2]) >= 0) {
      *out++ = (char)(hex_digit(p[1]) * 16 + hex_digit(p[2]));
      p += 2;
    } else *out++ = *p;
  }
  *out = 0;
}

static int write_file(const char *path, const uint8_t *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
    perror(path);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4 || (strcmp(argv[1], "otel") && strcmp(argv[1], "observe"))) {
    fprintf(stderr, "usage: guest_make_memory_module otel|observe A.wasm [BLOB.bin] < sites.tsv\n");
    return 2;
  }
  wi_guest_link link = strcmp(argv[1], "otel") == 0 ? WI_GUEST_LINK_OTEL : WI_GUEST_LINK_OBSERVE;
  size_t count = 0, cap = 16;
  wi_guest_site *sites = malloc(cap * sizeof *sites);
  char **lines = malloc(cap * sizeof *lines); /* each site's strings point into its line */
  char *line = NULL;
  size_t line_cap = 0;
  ssize_t n;
  while (sites && lines && (n = getline(&line, &line_cap, stdin)) >= 0) {
    if (n > 0 && line[n - 1] == '\n') line[--n] = 0;
    if (n == 0) continue;
    if (count == cap) {
      cap *= 2;
      wi_guest_site *more_sites = realloc(sites, cap * sizeof *sites);
      char **more_lines = realloc(lines, cap * sizeof *lines);
      if (more_sites) sites = more_sites;
      if (more_lines) lines = more_lines;
      if (!more_sites || !more_lines) break;
    }
    char *copy = lines[count] = strdup(line);
    if (!copy) break;
    const char *fields[10];
    for (int i = 0; i < 10; i++) {
      if (!copy) {
        fields[i] = "";
        continue;
      }
      char *tab = strchr(copy, '\t');
      if (tab) *tab = 0;
      fields[i] = copy;
      unescape(copy);
      copy = tab ? tab + 1 : NULL;
    }
    wi_guest_site_kind kind = strcmp(fields[0], "import") == 0   ? WI_GUEST_SITE_IMPORT
                              : strcmp(fields[0], "export") == 0 ? WI_GUEST_SITE_EXPORT
                                                                 : WI_GUEST_SITE_FUNCTION;
    sites[count++] = (wi_guest_site){.kind = kind,
                                     .name = fields[1],
                                     .function_index = (uint32_t)strtoul(fields[2], NULL, 10),
                                     .import_module = fields[3],
                                     .import_field = fields[4],
                                     .export_name = fields[5],
                                     .module_name = fields[6],
                                     .component = (uint32_t)strtoul(fields[7], NULL, 10),
                                     .entry = strcmp(fields[8], "1") == 0,
                                     .no_return = strcmp(fields[9], "1") == 0};
  }
  if (!sites || !lines || !feof(stdin)) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  size_t size;
  /* GUEST_MUTE_AFTER, GUEST_MUTE_BELOW_NS: the rule (as --guest-mute-after and
   * --guest-mute-below-ns write it; "0" for never); unset, the defaults */
  wi_guest_muting muting = WI_GUEST_MUTING_DEFAULT;
  const char *after = getenv("GUEST_MUTE_AFTER"), *below = getenv("GUEST_MUTE_BELOW_NS");
  if (after) muting.after = (uint32_t)strtoul(after, NULL, 10);
  if (below) muting.below_ns = (uint32_t)strtoul(below, NULL, 10);
  uint8_t *a = wi_guest_memory_module(link, sites, count, muting, &size);
  if (!a) {
    fprintf(stderr, "wi_guest_memory_module failed\n");
    return 1;
  }
  int status = write_file(argv[2], a, size);
  free(a);
  if (argc == 4) {
    uint8_t *blob = wi_guest_site_blob(link, sites, count, muting, &size);
    if (!blob) {
      fprintf(stderr, "wi_guest_site_blob failed\n");
      return 1;
    }
    status |= write_file(argv[3], blob, size);
    free(blob);
  }
  for (size_t i = 0; i < count; i++) free(lines[i]);
  free(lines);
  free(line);
  free(sites);
  return status;
}
