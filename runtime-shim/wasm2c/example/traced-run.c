/* traced-run: runs a WASI command module compiled by wasm2c, with tracing.
 *
 *   traced-run [options] MODULE.wasm [ARGS...]
 *
 * The program is linked with the wasm2c output of one instrumented module
 * (see build.sh); MODULE.wasm is that same module, read for its site table.
 * The program runs the start function and `_start` with ARGS (argv[0] is the
 * module's file name), through the small WASI preview1 of
 * tests/e2e/wasm2c-wasi.c, and records the hooks with libwasm-observe.
 *
 * Options (every output is written when the program has ended: returned,
 * called proc_exit, or trapped), named as the Node host's `wasm-observe run`
 * names them (the older names in brackets are still accepted):
 *   --chrome FILE      Chrome trace event JSON (Perfetto, DevTools, speedscope)
 *   --otlp URL         OTLP/HTTP to a collector (http://host:4318; /v1/traces is
 *                      appended to a URL without a path); sent from a background
 *                      thread, and what is still queued at the end waits at
 *                      most 10 s (the same options as the Node host's CLI)
 *   --otlp-protocol P  http/protobuf (default) or http/json
 *   --otlp-header K=V  an extra request header (repeatable)
 *   --otlp-max-queue N batches held for sending (default 64); past it, when the
 *                      collector is slower than the program or down, dropped
 *                      Without --otlp, the OpenTelemetry variables turn OTLP/HTTP
 *                      on: OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, _PROTOCOL,
 *                      _HEADERS and _TIMEOUT (otel_env.h), and OTEL_SERVICE_NAME
 *                      names the service
 *   --otlp-file FILE   OTLP/JSON lines, one TracesData per line
 *   --folded FILE      folded stacks with self time in ns (flamegraph.pl input)
 *   --flamegraph FILE  an SVG flame graph of the same, by flamegraph.pl where it
 *                      is installed (else a line on stderr, no file)
 *   --folded-calls FILE  [--calls] the call tree with call counts: one line per call path,
 *                      "frame;frame;... CALLS", sorted bytewise, import and
 *                      export sites prefixed "import:"/"export:", then
 *                      "# unbalanced U open O invalid I truncated T"
 *                      (the trace format of tests/e2e, see README.md)
 *   --summary          the top functions by self time, on stderr
 *   --top N            rows of the summary (default 20)
 *   --counters         the recorder's counters, one line on stderr
 *   --service-name NAME  [--service] OTLP service.name (default
 *                      $OTEL_SERVICE_NAME, else the module's file name)
 *   --max-depth N      recorder max_depth (default 4096)
 *   --min-duration-ns N  [--min-duration] drop spans shorter than N nanoseconds
 *                      (--min-duration-us N too)
 *   --sample-ratio R   [--sample] keep this share of traces (0 < R <= 1)
 *   --batch N          spans per export batch (default 512)
 *   --span-rate N      the span budget: spans exported per second (default
 *                      10000), or "unlimited"
 *   --span-burst N     spans allowed above that rate at once (default 200000)
 *   --mute-after N     muting: a function that has closed N calls (default 1000)
 *                      averaging under --mute-below-ns (default 1000) is muted:
 *                      still counted, no clock, no span (a --patchable build:
 *                      patched out, no longer counted); "never" keeps every span
 *   --mute-below-ns T  see --mute-after
 *   --max-file-size B  bytes per trace file, with an optional K, M or G
 *                      suffix (default 256M), or "unlimited"
 *   --profile-timing clock|sampled  how the profile outputs are timed: the
 *                      clock at every enter and exit (default), or a sampling
 *                      thread (exact call counts, no clock in the hooks; the
 *                      profile outputs only: no span output)
 *   --profile-interval-us N  the sampling period (default 100)
 *   --off              hooks that do nothing (a NULL recorder): the cost of the
 *                      instrumentation alone, for comparisons
 *
 * Exit status: the program's exit code; 134 after a trap (a line "trap: ..."
 * goes to stderr, the open spans are closed with error status by wo_unwind);
 * 2 for a usage or setup error. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flame_graph.h"
#include "otel_env.h"
#include "run_start.h"
#include "traced-run.h"

wo_wasm2c_hooks traced_hooks;

enum { MAX_OTLP_HEADERS = 32 };

typedef struct {
  const char *chrome, *otlp_file, *otlp_url, *otlp_protocol, *folded, *flamegraph, *calls, *service;
  char *otlp_headers[MAX_OTLP_HEADERS]; /* --otlp-header values, pointers into argv */
  size_t otlp_header_count;
  uint32_t otlp_max_queue;
  bool summary, counters, off;
  unsigned top;
  uint32_t profile_interval_us; /* sampled timing's period */
  wo_options recorder;
  wo_file_options files;
} options;

static void usage(FILE *out) {
  fputs("usage: traced-run [--chrome FILE] [--otlp URL [--otlp-protocol P] [--otlp-header K=V]...\n"
        "                  [--otlp-max-queue N]] [--otlp-file FILE] [--folded FILE] [--flamegraph FILE]\n"
        "                  [--folded-calls FILE] [--summary] [--top N] [--counters] [--service-name NAME]\n"
        "                  [--max-depth N] [--min-duration-ns N | --min-duration-us N]\n"
        "                  [--sample-ratio R] [--batch N]\n"
        "                  [--span-rate N|unlimited] [--span-burst N] [--max-file-size BYTES|unlimited]\n"
        "                  [--mute-after N|never] [--mute-below-ns T]\n"
        "                  [--profile-timing clock|sampled] [--profile-interval-us N]\n"
        "                  [--off] [--] MODULE.wasm [ARGS...]\n",
        out);
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out) {
  if (!s || *s < '0' || *s > '9') return false; /* strtoull would take spaces and signs */
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v > max) return false;
  *out = v;
  return true;
}

/* "unlimited", or a number > 0 (with an optional K, M or G suffix, powers of
 * 1024, when `suffixes`). */
static bool parse_limit(const char *s, bool suffixes, uint64_t *out) {
  if (s && strcmp(s, "unlimited") == 0) {
    *out = WO_UNLIMITED;
    return true;
  }
  if (!s || *s < '0' || *s > '9') return false;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  unsigned shift = 0;
  if (suffixes && *end && !end[1]) {
    const char *units = "KMG", *u = strchr(units, *end);
    if (u) {
      shift = 10 * (unsigned)(u - units + 1);
      end++;
    }
  }
  if (errno || *end || v == 0 || v >= WO_UNLIMITED >> shift) return false;
  *out = (uint64_t)v << shift;
  return true;
}

/* Returns the index of MODULE.wasm in argv, or -1 after printing why not. */
static int parse_options(int argc, char **argv, options *o) {
  memset(o, 0, sizeof *o);
  o->top = 20;

  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (a[0] != '-' || a[1] == '\0') break;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(stdout);
      exit(0);
    }
    if (strcmp(a, "--summary") == 0) {
      o->summary = true;
      continue;
    }
    if (strcmp(a, "--counters") == 0) {
      o->counters = true;
      continue;
    }
    if (strcmp(a, "--off") == 0) {
      o->off = true;
      continue;
    }
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    uint64_t n = 0;
    bool ok = v != NULL;
    if (strcmp(a, "--chrome") == 0) o->chrome = v;
    else if (strcmp(a, "--otlp-file") == 0) o->otlp_file = v;
    else if (strcmp(a, "--otlp") == 0) o->otlp_url = v;
    else if (strcmp(a, "--otlp-protocol") == 0) {
      ok = v && (strcmp(v, "http/protobuf") == 0 || strcmp(v, "http/json") == 0);
      o->otlp_protocol = v;
    } else if (strcmp(a, "--otlp-header") == 0) {
      ok = v && strchr(v, '=') && v[0] != '=' && o->otlp_header_count < MAX_OTLP_HEADERS;
      if (ok) o->otlp_headers[o->otlp_header_count++] = argv[i + 1];
    } else if (strcmp(a, "--otlp-max-queue") == 0)
      ok = parse_u64(v, UINT32_MAX, &n) && n > 0 && (o->otlp_max_queue = (uint32_t)n, true);
    else if (strcmp(a, "--flamegraph") == 0) o->flamegraph = v;
    else if (strcmp(a, "--folded") == 0) o->folded = v;
    else if (strcmp(a, "--folded-calls") == 0 || strcmp(a, "--calls") == 0) o->calls = v;
    else if (strcmp(a, "--service-name") == 0 || strcmp(a, "--service") == 0) o->service = v;
    else if (strcmp(a, "--top") == 0) ok = parse_u64(v, UINT32_MAX, &n) && (o->top = (unsigned)n, true);
    else if (strcmp(a, "--max-depth") == 0)
      ok = parse_u64(v, UINT32_MAX, &n) && n > 0 && (o->recorder.max_depth = (uint32_t)n, true);
    else if (strcmp(a, "--min-duration-ns") == 0 || strcmp(a, "--min-duration") == 0)
      ok = parse_u64(v, UINT64_MAX, &n) && (o->recorder.min_duration_ns = n, true);
    else if (strcmp(a, "--min-duration-us") == 0)
      ok = parse_u64(v, UINT64_MAX / 1000, &n) && (o->recorder.min_duration_ns = n * 1000, true);
    else if (strcmp(a, "--batch") == 0)
      ok = parse_u64(v, UINT32_MAX, &n) && n > 0 && (o->recorder.batch_size = (uint32_t)n, true);
    else if (strcmp(a, "--span-rate") == 0)
      ok = parse_limit(v, false, &o->recorder.span_rate);
    else if (strcmp(a, "--span-burst") == 0)
      ok = parse_u64(v, 1000000000, &n) && n > 0 && (o->recorder.span_burst = n, true);
    else if (strcmp(a, "--max-file-size") == 0)
      ok = parse_limit(v, true, &o->files.max_bytes);
    else if (strcmp(a, "--mute-after") == 0) {
      ok = v && strcmp(v, "never") == 0 ? (o->recorder.mute_after = WO_UNLIMITED, true)
                                        : parse_u64(v, UINT64_MAX - 1, &n) && n > 0 &&
                                              (o->recorder.mute_after = n, true);
    } else if (strcmp(a, "--mute-below-ns") == 0)
      ok = parse_u64(v, UINT64_MAX - 1, &n) && n > 0 && (o->recorder.mute_below_ns = n, true);
    else if (strcmp(a, "--profile-timing") == 0) {
      ok = v && (strcmp(v, "clock") == 0 || strcmp(v, "sampled") == 0);
      o->recorder.profile_timing = ok && strcmp(v, "sampled") == 0 ? WO_TIMING_SAMPLED : WO_TIMING_CLOCK;
    } else if (strcmp(a, "--profile-interval-us") == 0)
      ok = parse_u64(v, 10000000, &n) && n >= 1 && (o->profile_interval_us = (uint32_t)n, true);
    else if (strcmp(a, "--sample-ratio") == 0 || strcmp(a, "--sample") == 0) {
      char *end = NULL;
      double r = v ? strtod(v, &end) : 0;
      ok = v && end && *end == '\0' && r > 0 && r <= 1;
      o->recorder.sample_ratio = r;
    } else {
      fprintf(stderr, "traced-run: unknown option %s\n", a);
      usage(stderr);
      return -1;
    }
    if (!ok) {
      fprintf(stderr, "traced-run: %s needs a valid value\n", a);
      return -1;
    }
    i++;
  }
  if (i >= argc) {
    usage(stderr);
    return -1;
  }
  return i;
}

/* ---- --calls: the profile tree as call counts ------------------------------- */

typedef struct {
  char **items;
  size_t count, capacity;
} lines;

static bool push_line(lines *l, char *line) {
  if (!line) return false;
  if (l->count == l->capacity) {
    size_t capacity = l->capacity ? l->capacity * 2 : 256;
    char **grown = realloc(l->items, capacity * sizeof *grown);
    if (!grown) {
      free(line);
      return false;
    }
    l->items = grown;
    l->capacity = capacity;
  }
  l->items[l->count++] = line;
  return true;
}

/* A frame as tests/e2e writes it: kind prefix, ';' -> ':', control bytes -> '?'. */
static size_t frame_length(const wo_site *site) {
  size_t prefix = site->kind == WO_SITE_IMPORT ? 7 : site->kind == WO_SITE_EXPORT ? 7 : 0;
  return prefix + strlen(site->name);
}

static char *put_frame(char *p, const wo_site *site) {
  const char *prefix = site->kind == WO_SITE_IMPORT ? "import:" : site->kind == WO_SITE_EXPORT ? "export:" : "";
  for (const char *s = prefix; *s; s++) *p++ = *s;
  for (const unsigned char *s = (const unsigned char *)site->name; *s; s++)
    *p++ = *s == ';' ? ':' : (*s < 0x20 || *s == 0x7f) ? '?' : (char)*s;
  return p;
}

/* Depth-first over the tree with an explicit stack (the tree is as deep as
 * max_depth); `path` holds the nodes from the root to the current one. */
static bool collect_calls(const wo_profile_node *root, lines *out) {
  size_t cap = 64, depth = 0;
  const wo_profile_node **path = malloc(cap * sizeof *path);
  if (!path) return false;
  const wo_profile_node *node = root->first_child;
  bool ok = true;
  while (node && ok) {
    if (depth == cap) {
      const wo_profile_node **grown = realloc(path, cap * 2 * sizeof *path);
      if (!grown) {
        ok = false;
        break;
      }
      path = grown;
      cap *= 2;
    }
    path[depth++] = node;
    size_t len = 24 + depth;
    for (size_t i = 0; i < depth; i++) len += frame_length(path[i]->site);
    char *line = malloc(len), *p = line;
    if (line) {
      for (size_t i = 0; i < depth; i++) {
        if (i) *p++ = ';';
        p = put_frame(p, path[i]->site);
      }
      snprintf(p, len - (size_t)(p - line), " %" PRIu64, node->calls);
    }
    ok = push_line(out, line);
    /* Next: the first child, else the next sibling of the nearest ancestor that has one. */
    if (node->first_child) {
      node = node->first_child;
      continue;
    }
    node = NULL;
    while (depth > 0 && !node) node = path[--depth]->next_sibling;
  }
  free(path);
  return ok;
}

static int by_bytes(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool write_calls(const char *path, const wo_profile_node *root, uint64_t unbalanced,
                        uint64_t open, uint64_t invalid, uint64_t truncated) {
  lines l = {0};
  bool ok = root && collect_calls(root, &l);
  FILE *f = ok ? fopen(path, "w") : NULL;
  if (f) {
    qsort(l.items, l.count, sizeof *l.items, by_bytes);
    for (size_t i = 0; i < l.count; i++) fprintf(f, "%s\n", l.items[i]);
    fprintf(f, "# unbalanced %" PRIu64 " open %" PRIu64 " invalid %" PRIu64 " truncated %" PRIu64 "\n",
            unbalanced, open, invalid, truncated);
    ok = !ferror(f);
    ok = fclose(f) == 0 && ok;
  } else {
    ok = false;
  }
  for (size_t i = 0; i < l.count; i++) free(l.items[i]);
  free(l.items);
  return ok;
}

static bool write_folded(const char *path, const wo_profile_node *root) {
  FILE *f = root ? fopen(path, "w") : NULL;
  if (!f) return false;
  bool ok = wo_profile_write_folded(root, f) == WO_OK;
  return fclose(f) == 0 && ok;
}

/* The folded stacks through flamegraph.pl into `svg`, or a line on stderr. */
static void write_flame_graph(const char *svg, const wo_profile_node *root, const char *module) {
  char folded[] = "/tmp/traced-run-folded.XXXXXX";
  int fd = mkstemp(folded);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  bool ok = f && wo_profile_write_folded(root, f) == WO_OK;
  if (f) ok = fclose(f) == 0 && ok;
  else if (fd >= 0) close(fd);
  char why[512] = "cannot write the folded stacks";
  if (!ok || !render_flame_graph(folded, svg, module, why, sizeof why))
    fprintf(stderr, "traced-run: --flamegraph %s: %s\n", svg, why);
  if (fd >= 0) unlink(folded);
}

/* ---- main --------------------------------------------------------------------- */

/* The span budget's one line at exit, when it dropped anything. */
static void report_budget(const wo_counters *c, const wo_options *o, uint64_t max_bytes) {
  uint64_t rate = o->span_rate ? o->span_rate : WO_DEFAULT_SPAN_RATE;
  uint64_t burst = o->span_burst ? o->span_burst : WO_DEFAULT_SPAN_BURST;
  fprintf(stderr, "traced-run: span budget: %" PRIu64 " spans dropped over the rate limit", c->spans_over_rate);
  if (rate == WO_UNLIMITED) fputs(" (none)", stderr);
  else fprintf(stderr, " (%" PRIu64 "/s, burst %" PRIu64 ")", rate, burst);
  fprintf(stderr, ", %" PRIu64 " over the size limit", c->spans_over_size);
  if (max_bytes && max_bytes != WO_UNLIMITED) fprintf(stderr, " (%" PRIu64 " bytes a file)", max_bytes);
  fputs("; --span-rate, --span-burst and --max-file-size change them\n", stderr);
}

/* A --patchable build: the recorder mutes a site, its slot in the module's
 * muted-sites table becomes non-null, and the module stops calling the hooks
 * for it (docs/hook-contract.md). */
static uint64_t sites_patched;
static char patched_text[160];
static int muted_marker; /* what a set slot points at: anything but null */

static void patch_site_out(void *state, uint32_t site) {
  (void)state;
  wasm_rt_externref_table_t *table = traced_muted_sites();
  if (!table || site >= table->size) return;
  table->data[site] = (wasm_rt_externref_t)&muted_marker;
  sites_patched++;
}

static const char *patched_note(void) {
  if (!sites_patched) return "";
  snprintf(patched_text, sizeof patched_text,
           "%" PRIu64 " of them patched out of the module (--patchable: their later calls uncounted)",
           sites_patched);
  return patched_text;
}

/* One line on what muting did. Sampled timing judges a site on its first
 * calls only (those it times by the clock), and what it mutes is neither
 * timed nor spanned: there are no spans to count. */
static void report_muting(const wo_counters *c, const wo_options *r, uint64_t timed_calls) {
  uint64_t after = r->mute_after ? r->mute_after : WO_DEFAULT_MUTE_AFTER;
  uint64_t below = r->mute_below_ns ? r->mute_below_ns : WO_DEFAULT_MUTE_BELOW_NS;
  if (timed_calls)
    fprintf(stderr,
            "traced-run: muted %" PRIu64 " sites (256 calls in a row averaging under %" PRIu64
            " ns, judged from the %" PRIu64 "th call to the %" PRIu64 "th)%s%s; --mute-after never"
            " keeps every call\n",
            c->sites_muted, below, after, timed_calls, sites_patched ? ": " : "", patched_note());
  else
    fprintf(stderr,
            "traced-run: muted %" PRIu64 " sites (%" PRIu64 " calls averaging under %" PRIu64
            " ns): %" PRIu64 " calls counted with no span%s%s; --mute-after never keeps every span\n",
            c->sites_muted, after, below, c->spans_muted, sites_patched ? "; " : "", patched_note());
}

int main(int argc, char **argv) {
  options o;
  int first = parse_options(argc, argv, &o);
  if (first < 0) return 2;
  const char *module_path = argv[first];
  const char *base = strrchr(module_path, '/');
  base = base ? base + 1 : module_path;

  wo_sites *sites = NULL;
  wo_status rc = wo_sites_from_file(module_path, &sites);
  if (rc != WO_OK) {
    fprintf(stderr, "traced-run: %s: %s\n", module_path,
            rc == WO_ERR_IO ? strerror(errno) : wo_status_message(rc));
    return 2;
  }

  char why[256];
  otel_settings otlp;
  if (!otel_settings_read(o.otlp_url, o.otlp_protocol, o.otlp_headers, o.otlp_header_count, &otlp,
                          why, sizeof why)) {
    fprintf(stderr, "traced-run: %s\n", why);
    wo_sites_free(sites);
    return 2;
  }
  if (o.recorder.profile_timing == WO_TIMING_SAMPLED && (o.chrome || o.otlp_file || otlp.endpoint)) {
    fputs("traced-run: --profile-timing sampled is for the profile outputs (--folded, --flamegraph,"
          " --folded-calls, --summary): spans need the clock\n", stderr);
    otel_settings_free(&otlp);
    wo_sites_free(sites);
    return 2;
  }
  wo_exporter exporters[3];
  size_t exporter_count = 0;
  wo_otlp_http_stats http_stats = {0};
  wo_file_stats file_stats[2] = {{0}};
  const char *paths[2] = {o.chrome, o.otlp_file};
  for (int k = 0; k < 2; k++) {
    if (!paths[k]) continue;
    wo_file_options f = o.files;
    f.final_stats = &file_stats[k];
    rc = k == 0 ? wo_exporter_chrome_trace(paths[k], &f, &exporters[exporter_count])
                : wo_exporter_otlp_json_lines(paths[k], &f, &exporters[exporter_count]);
    if (rc != WO_OK) {
      fprintf(stderr, "traced-run: %s: %s%s%s\n", paths[k], wo_status_message(rc),
              rc == WO_ERR_IO ? ": " : "", rc == WO_ERR_IO ? strerror(errno) : "");
      for (size_t e = 0; e < exporter_count; e++) exporters[e].destroy(exporters[e].state);
      otel_settings_free(&otlp);
      wo_sites_free(sites);
      return 2;
    }
    exporter_count++;
  }
  if (otlp.endpoint) {
    wo_otlp_http_options h = {.endpoint = otlp.endpoint,
                              .encoding = otlp.json ? WO_OTLP_JSON : WO_OTLP_PROTOBUF,
                              .headers = (const char *const *)otlp.headers,
                              .timeout_ms = otlp.timeout_ms,
                              .max_queue = o.otlp_max_queue,
                              .final_stats = &http_stats};
    rc = wo_exporter_otlp_http(&h, &exporters[exporter_count]);
    if (rc != WO_OK) {
      fprintf(stderr, "traced-run: OTLP/HTTP to %s: %s\n", otlp.endpoint, wo_status_message(rc));
      for (size_t e = 0; e < exporter_count; e++) exporters[e].destroy(exporters[e].state);
      otel_settings_free(&otlp);
      wo_sites_free(sites);
      return 2;
    }
    exporter_count++;
  }
  bool want_profile = o.folded || o.flamegraph || o.calls || o.summary;
  o.recorder.record = (exporter_count ? WO_RECORD_SPANS : 0) | (want_profile ? WO_RECORD_PROFILE : 0);
  if (!o.recorder.record) o.recorder.record = WO_RECORD_PROFILE; /* for --counters alone */

  const char *env_service = getenv("OTEL_SERVICE_NAME");
  o.recorder.service_name = o.service ? o.service : env_service && *env_service ? env_service : base;
  o.recorder.module_name = base;
  o.recorder.site_muted = patch_site_out;
  wo_recorder *recorder = NULL;
  rc = wo_recorder_new(&o.recorder, sites, exporters, exporter_count, &recorder);
  if (rc != WO_OK) {
    fprintf(stderr, "traced-run: cannot create the recorder: %s\n", wo_status_message(rc));
    otel_settings_free(&otlp);
    wo_sites_free(sites);
    return 2;
  }
  traced_hooks.recorder = o.off ? NULL : recorder;

  /* The program's argv: the module's file name, then ARGS. */
  if (!run_start_init(base, argc - first - 1, argv + first + 1)) {
    fputs("traced-run: out of memory\n", stderr);
    traced_hooks.recorder = NULL;
    wo_recorder_free(recorder);
    otel_settings_free(&otlp);
    wo_sites_free(sites);
    return 2;
  }
  wo_sampler *sampler = NULL;
  if (o.recorder.profile_timing == WO_TIMING_SAMPLED && !o.off) {
    rc = wo_sampler_start(recorder, o.profile_interval_us ? o.profile_interval_us : 100, &sampler);
    if (rc != WO_OK) fprintf(stderr, "traced-run: no sampling thread (%s): times are 0\n", wo_status_message(rc));
  }
  run_start_result run = run_start("traced-run", module_path);
  wo_sampler_stats sampled = {0};
  wo_sampler_stop(sampler, &sampled); /* later calls are counted, not timed */

  /* What the run left: spans still open (proc_exit, trap) and what the hooks
   * did wrong, before the recorder closes the open spans itself. */
  uint64_t open = wo_depth(recorder);
  wo_counters during = wo_recorder_counters(recorder);
  if (run.trapped) wo_unwind(recorder); /* a trap: close the spans it cut through */
  rc = wo_recorder_finish(recorder); /* closes what proc_exit left open, flushes */
  if (rc != WO_OK) fprintf(stderr, "traced-run: writing the trace: %s\n", wo_status_message(rc));
  wo_counters c = wo_recorder_counters(recorder);
  uint64_t muting_timed_calls = wo_recorder_muting_timed_calls(recorder);

  const wo_profile_node *profile = want_profile ? wo_recorder_profile(recorder) : NULL;
  if (want_profile && !profile) fputs("traced-run: no profile (out of memory)\n", stderr);
  if (o.folded && !write_folded(o.folded, profile))
    fprintf(stderr, "traced-run: cannot write %s\n", o.folded);
  if (o.flamegraph && profile) write_flame_graph(o.flamegraph, profile, base);
  if (o.calls &&
      !write_calls(o.calls, profile, during.exits_without_enter + during.exits_unmatched + during.spans_unwound,
                   open, c.unknown_ids, c.depth_overflows))
    fprintf(stderr, "traced-run: cannot write %s\n", o.calls);
  if (o.summary && profile) wo_profile_write_summary(profile, stderr, o.top);
  if (o.counters)
    fprintf(stderr,
            "counters: enters %" PRIu64 " exits %" PRIu64 " spans_recorded %" PRIu64
            " spans_filtered %" PRIu64 " unknown_ids %" PRIu64 " exits_without_enter %" PRIu64
            " exits_unmatched %" PRIu64 " spans_unwound %" PRIu64 " depth_overflows %" PRIu64
            " export_errors %" PRIu64 " spans_over_rate %" PRIu64 " spans_over_size %" PRIu64
            " spans_muted %" PRIu64 " sites_muted %" PRIu64 " open_at_end %" PRIu64 "\n",
            c.enters, c.exits, c.spans_recorded, c.spans_filtered, c.unknown_ids,
            c.exits_without_enter, c.exits_unmatched, c.spans_unwound, c.depth_overflows,
            c.export_errors, c.spans_over_rate, c.spans_over_size, c.spans_muted, c.sites_muted,
            open);
  if (o.counters && o.recorder.profile_timing == WO_TIMING_SAMPLED)
    fprintf(stderr, "sampler: samples %" PRIu64 " outside %" PRIu64 " covered_ns %" PRIu64 "\n",
            sampled.samples, sampled.samples_outside, sampled.covered_ns);

  wo_recorder_free(recorder); /* closes the exporters' files (Chrome's closing bracket) */
  if (c.spans_over_rate || c.spans_over_size)
    report_budget(&c, &o.recorder, paths[0] ? file_stats[0].max_bytes : file_stats[1].max_bytes);
  if (c.sites_muted)
    report_muting(&c, &o.recorder, muting_timed_calls);
  if (otlp.endpoint && http_stats.batches_dropped)
    fprintf(stderr, "traced-run: OTLP/HTTP to %s: %" PRIu64 " of %" PRIu64 " batches (%" PRIu64
            " spans) not delivered (last HTTP status %ld)\n",
            otlp.endpoint, http_stats.batches_dropped,
            http_stats.batches_queued + http_stats.dropped_queue_full, http_stats.spans_dropped,
            http_stats.last_http_status);
  traced_hooks.recorder = NULL;
  otel_settings_free(&otlp);
  wo_sites_free(sites);
  run_start_free();
  return run.code;
}
