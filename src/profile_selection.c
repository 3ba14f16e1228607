#include "profile_selection.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diagnostics.h"
#include "name_map.h"

/* One frame name of the profile. */
typedef struct {
  char *name;         /* as written, without an import:/export: prefix; owned */
  uint64_t calls;     /* paths ending in it as a function site */
  uint64_t total_ns;  /* inclusive time */
  uint64_t last_line; /* the times file's last line that counted it (once a stack) */
  uint32_t users;     /* functions of the module with this frame */
  bool function;      /* the calls file has it as a function site */
  bool matched;
} entry;

struct wi_profile {
  entry *items;
  size_t count, capacity;
  wi_name_map index; /* name -> item; the keys are the items' names */
  size_t functions;  /* items with `function` set */
  uint64_t total_ns; /* the self times of all stacks */
};

typedef struct {
  FILE *f;
  const char *path;
  char *buf; /* the current line, NUL-terminated, without its '\n' */
  size_t capacity, length;
  uint64_t bytes, line;
} line_reader;

static void say(char *why, size_t size, const char *fmt, ...) WI_PRINTF(3, 4);
static void say(char *why, size_t size, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(why, size, fmt, args);
  va_end(args);
}

static int open_reader(line_reader *r, const char *path, char *why, size_t size) {
  memset(r, 0, sizeof *r);
  r->path = path;
  r->f = fopen(path, "rb");
  if (!r->f) {
    say(why, size, "%s: cannot read: %s", path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fileno(r->f), &st) != 0) st.st_mode = 0;
  if (S_ISDIR(st.st_mode)) {
    say(why, size, "%s: cannot read: %s", path, strerror(EISDIR));
    return -1;
  }
  /* A regular file is checked up front; a pipe as it is read. */
  if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > WI_PROFILE_MAX_FILE) {
    say(why, size, "%s: larger than the profile limit of %llu bytes", path,
        (unsigned long long)WI_PROFILE_MAX_FILE);
    return -1;
  }
  return 0;
}

static void close_reader(line_reader *r) {
  if (r->f) fclose(r->f);
  free(r->buf);
  memset(r, 0, sizeof *r);
}

/* 1: a line in r->buf; 0: the end; -1: an error in `why`. Streams the file a
 * byte at a time (getc_unlocked is buffered) so memory is one line. */
static int next_line(line_reader *r, char *why, size_t size) {
  r->length = 0;
  int c = EOF;
  bool any = false;
  while ((c = getc_unlocked(r->f)) != EOF) {
    any = true;
    if (++r->bytes > WI_PROFILE_MAX_FILE) {
      say(why, size, "%s: larger than the profile limit of %llu bytes", r->path,
          (unsigned long long)WI_PROFILE_MAX_FILE);
      return -1;
    }
    if (c == '\n') break;
    if (c == '\0') {
      say(why, size, "%s: line %llu: a NUL byte (not a folded-stacks file)", r->path,
          (unsigned long long)r->line + 1);
      return -1;
    }
    if (r->length >= WI_PROFILE_MAX_LINE) {
      say(why, size, "%s: line %llu: longer than the limit of %d bytes", r->path,
          (unsigned long long)r->line + 1, WI_PROFILE_MAX_LINE);
      return -1;
    }
    if (r->length + 1 >= r->capacity) {
      size_t capacity = r->capacity ? r->capacity * 2 : 4096;
      if (capacity > (size_t)WI_PROFILE_MAX_LINE + 1) capacity = (size_t)WI_PROFILE_MAX_LINE + 1;
      char *grown = realloc(r->buf, capacity);
      if (!grown) {
        say(why, size, "%s: out of memory", r->path);
        return -1;
      }
      r->buf = grown;
      r->capacity = capacity;
    }
    r->buf[r->length++] = (char)c;
  }
  if (ferror(r->f)) {
    say(why, size, "%s: cannot read: %s", r->path, strerror(errno));
    return -1;
  }
  if (!any) return 0;
  r->line++;
  if (r->length > 0 && r->buf[r->length - 1] == '\r') r->length--;
  if (!r->buf) { /* an empty line before any buffer */
    r->buf = malloc(1);
    if (!r->buf) {
      say(why, size, "%s: out of memory", r->path);
      return -1;
    }
    r->capacity = 1;
  }
  r->buf[r->length] = '\0';
  return 1;
}

/* Splits "frames COUNT" at the last space. Returns false on a malformed line
 * (message in `why`). Blank and '#' lines (traced-run's trailer) give *frames NULL. */
static bool split_line(line_reader *r, char **frames, uint64_t *count, char *why, size_t size) {
  *frames = NULL;
  char *line = r->buf;
  if (line[0] == '\0' || line[0] == '#') return true;
  char *space = strrchr(line, ' ');
  if (!space || space == line || space[1] == '\0') {
    say(why, size, "%s: line %llu: not 'frame;frame;... COUNT'", r->path,
        (unsigned long long)r->line);
    return false;
  }
  uint64_t n = 0;
  for (const char *p = space + 1; *p; p++) {
    if (*p < '0' || *p > '9') {
      say(why, size, "%s: line %llu: the count '%.40s' is not a whole number", r->path,
          (unsigned long long)r->line, space + 1);
      return false;
    }
    unsigned digit = (unsigned)(*p - '0');
    if (n > (UINT64_MAX - digit) / 10) {
      say(why, size, "%s: line %llu: the count %.40s is out of range (over 2^64-1)", r->path,
          (unsigned long long)r->line, space + 1);
      return false;
    }
    n = n * 10 + digit;
  }
  *space = '\0';
  /* Every frame must be non-empty: "a;;b" or ";a" is not a stack. */
  for (char *p = line, *start = line;; p++) {
    if (*p != ';' && *p != '\0') continue;
    if (p == start) {
      say(why, size, "%s: line %llu: an empty frame", r->path, (unsigned long long)r->line);
      return false;
    }
    if (*p == '\0') break;
    start = p + 1;
  }
  *frames = line;
  *count = n;
  return true;
}

static entry *find(const wi_profile *p, const char *name) {
  uint32_t i;
  return wi_name_map_get(&p->index, name, &i) ? &p->items[i] : NULL;
}

static entry *find_or_add(wi_profile *p, const char *name) {
  entry *e = find(p, name);
  if (e) return e;
  if (p->count == UINT32_MAX) return NULL;
  if (p->count == p->capacity) {
    size_t capacity = p->capacity ? p->capacity * 2 : 256;
    entry *grown = realloc(p->items, capacity * sizeof *grown);
    if (!grown) return NULL;
    p->items = grown;
    p->capacity = capacity;
  }
  char *copy = strdup(name);
  if (!copy) return NULL;
  if (!wi_name_map_put(&p->index, copy, (uint32_t)p->count)) {
    free(copy);
    return NULL;
  }
  e = &p->items[p->count++];
  memset(e, 0, sizeof *e);
  e->name = copy;
  return e;
}

static bool has_prefix(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool add(uint64_t *sum, uint64_t value) {
  if (*sum > UINT64_MAX - value) return false;
  *sum += value;
  return true;
}

/* The next "frames VALUE" line: 1 with `frames` (NULL for a line that holds
 * none) and `value`; 0 at the end; -1 on an error in `why`. */
static int next_record(line_reader *r, char **frames, uint64_t *value, char *why, size_t size) {
  int got = next_line(r, why, size);
  if (got <= 0) return got;
  return split_line(r, frames, value, why, size) ? 1 : -1;
}

/* The calls file: each line is a call path and the calls of its last frame. */
static int read_calls(wi_profile *p, const char *path, char *why, size_t size) {
  line_reader r;
  int rc = open_reader(&r, path, why, size);
  while (rc == 0) {
    char *frames;
    uint64_t count;
    int got = next_record(&r, &frames, &count, why, size);
    if (got <= 0) {
      rc = got;
      break;
    }
    if (!frames) continue;
    /* Every frame is known (boundaries too: the times file names them
     * without prefix); the last one's calls are this line's count. */
    entry *e = NULL;
    bool boundary = false;
    for (char *frame = frames, *end; frame && rc == 0; frame = end ? end + 1 : NULL) {
      end = strchr(frame, ';');
      if (end) *end = '\0';
      boundary = has_prefix(frame, "import:") || has_prefix(frame, "export:");
      if (!(e = find_or_add(p, boundary ? frame + 7 : frame))) {
        say(why, size, "%s: out of memory", path);
        rc = -1;
      }
    }
    if (rc != 0 || boundary) continue;
    if (!e->function) p->functions++;
    e->function = true;
    if (!add(&e->calls, count)) {
      say(why, size, "%s: line %llu: the calls of '%.80s' add up to more than 2^64-1", path,
          (unsigned long long)r.line, e->name);
      rc = -1;
    }
  }
  close_reader(&r);
  if (rc == 0 && p->functions == 0) {
    say(why, size, "%s: no function calls in the profile (not a --folded-calls file, or a "
        "module instrumented with --no-functions?)", path);
    rc = -1;
  }
  return rc;
}

/* The times file: each line is a stack and the self time of its last frame;
 * it adds to the inclusive time of every frame in it, once. */
static int read_times(wi_profile *p, const char *path, const char *calls_path, char *why,
                      size_t size) {
  line_reader r;
  int rc = open_reader(&r, path, why, size);
  uint64_t stacks = 0;
  while (rc == 0) {
    char *frames;
    uint64_t ns;
    int got = next_record(&r, &frames, &ns, why, size);
    if (got <= 0) {
      rc = got;
      break;
    }
    if (!frames) continue;
    stacks++;
    for (char *frame = frames, *end; frame && rc == 0; frame = end ? end + 1 : NULL) {
      end = strchr(frame, ';');
      if (end) *end = '\0';
      entry *e = find(p, frame);
      if (!e) {
        bool swapped = has_prefix(frame, "import:") || has_prefix(frame, "export:");
        say(why, size, "%s: line %llu: the frame '%.80s' is not in %s: %s", path,
            (unsigned long long)r.line, frame, calls_path,
            swapped ? "--profile-times takes the --folded file (self times), --from-profile "
                      "the --folded-calls file"
                    : "the two files must come from the same run");
        rc = -1;
      } else if (e->last_line != r.line) {
        e->last_line = r.line;
        if (!add(&e->total_ns, ns)) {
          say(why, size, "%s: line %llu: the time of '%.80s' adds up to more than 2^64-1 ns",
              path, (unsigned long long)r.line, e->name);
          rc = -1;
        }
      }
    }
    if (rc == 0 && !add(&p->total_ns, ns)) {
      say(why, size, "%s: line %llu: the self times add up to more than 2^64-1 ns", path,
          (unsigned long long)r.line);
      rc = -1;
    }
  }
  close_reader(&r);
  /* With no time at all every called function would look instant: refuse. */
  if (rc == 0 && stacks == 0) {
    say(why, size, "%s: no stacks with self time (an empty --folded file?)", path);
    rc = -1;
  }
  return rc;
}

wi_profile *wi_profile_read(const char *calls_path, const char *times_path, char *why,
                            size_t why_size) {
  wi_profile *p = calloc(1, sizeof *p);
  if (!p) {
    say(why, why_size, "%s: out of memory", calls_path);
    return NULL;
  }
  if (read_calls(p, calls_path, why, why_size) != 0 ||
      read_times(p, times_path, calls_path, why, why_size) != 0) {
    wi_profile_free(p);
    return NULL;
  }
  return p;
}

void wi_profile_free(wi_profile *p) {
  if (!p) return;
  for (size_t i = 0; i < p->count; i++) free(p->items[i].name);
  free(p->items);
  wi_name_map_free(&p->index);
  free(p);
}

/* A site name as the recorders write it in a frame (profile.c put_frame). */
static char *frame_of(const char *name) {
  char *frame = strdup(name);
  if (!frame) return NULL;
  for (unsigned char *c = (unsigned char *)frame; *c; c++)
    if (*c == ';') *c = ':';
    else if (*c < 0x20 || *c == 0x7f) *c = '?';
  return frame;
}

/* The profile's function frame for a function: its display name, else its
 * raw symbol (a host that shows mangled names). *oom on out of memory. */
static entry *lookup(const wi_profile *p, const wi_function_info *f, bool *oom) {
  const char *names[2] = {f->display, f->symbol};
  for (int k = 0; k < 2; k++) {
    if (!names[k] || !names[k][0] || (k == 1 && strcmp(names[1], names[0]) == 0)) continue;
    char *frame = frame_of(names[k]);
    if (!frame) {
      *oom = true;
      return NULL;
    }
    entry *e = find(p, frame);
    free(frame);
    if (e && e->function) return e;
  }
  return NULL;
}

uint64_t wi_profile_total_ns(const wi_profile *p) { return p->total_ns; }

int wi_profile_select(wi_profile *p, const wi_profile_rule *rule, wi_module_names *names,
                      uint32_t first_defined, wi_profile_match *out) {
  memset(out, 0, sizeof *out);
  out->profile_functions = p->functions;
  for (size_t i = 0; i < p->count; i++) p->items[i].users = 0, p->items[i].matched = false;
  uint32_t count = names->func_count > first_defined ? names->func_count - first_defined : 0;
  entry **found = calloc(count ? count : 1, sizeof *found);
  if (!found) return -1;
  bool oom = false;
  for (uint32_t i = 0; i < count && !oom; i++) {
    found[i] = lookup(p, &names->funcs[first_defined + i], &oom);
    if (found[i]) found[i]->users++;
  }
  for (uint32_t i = 0; i < count && !oom; i++) {
    entry *e = found[i];
    if (!e) continue; /* not called in that run: it stays */
    e->matched = true;
    /* Two functions shown by one name: the profile cannot tell them apart. */
    if (e->users > 1) {
      out->ambiguous++;
      continue;
    }
    wi_function_info *f = &names->funcs[first_defined + i];
    out->matched++;
    f->profiled = true;
    f->profile_calls = e->calls;
    f->profile_ns = e->total_ns;
    /* a share of the run worth a span whatever its calls and size */
    f->profile_kept = rule->keep_percent > 0 && p->total_ns > 0 &&
                      (double)e->total_ns * 100.0 >= (double)p->total_ns * rule->keep_percent;
    if (f->profile_kept && f->selected) out->kept++;
    f->left_out_by_profile = e->calls >= rule->min_calls && e->calls > 0 &&
                             e->total_ns / e->calls < rule->below_ns && !f->named_by_include &&
                             !f->profile_kept;
    if (f->left_out_by_profile && f->selected) out->left_out++;
  }
  for (size_t i = 0; i < p->count; i++)
    if (p->items[i].function && !p->items[i].matched) out->unmatched++;
  free(found);
  return oom ? -1 : 0;
}
