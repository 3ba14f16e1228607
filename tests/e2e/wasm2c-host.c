/* End-to-end host for wasm2c output.
 *
 *   ./prog MODULE.wasm TRACE_OUT [args...]
 *
 * MODULE.wasm is the module this program was generated from: its
 * `wasm-instrument.sites` custom section is read from the file to name the sites.
 * The program runs the start function, then `_start` (or `run`), records the
 * hook events and writes TRACE_OUT in exactly the format of run-node.mjs (see
 * there): folded stacks with call counts, sorted bytewise, then
 * "# unbalanced U open O invalid I truncated T".
 *
 * Exit status: the program's exit code; 134 after a trap (a line "trap: ..." goes
 * to stderr); 2 for a host usage/setup error.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasm-rt-impl.h"
#include "wasm-rt.h"
#include "wasm2c-host.h"

#define SITES_SECTION "wasm-instrument.sites"
/* Frames deeper than this are counted as truncated (E2E_TRACE_MAX_DEPTH). */
static size_t g_max_depth = 1000;

struct Z_env_instance_t e2e_env;
struct Z_wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0_instance_t e2e_hooks;

static _Noreturn void die(const char* fmt, const char* arg) {
  fputs("wasm2c-host: ", stderr);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  exit(2);
}

static void* xcalloc(size_t n, size_t size) {
  void* p = calloc(n ? n : 1, size ? size : 1);
  if (!p)
    die("%s", "out of memory");
  return p;
}

/* ---- output helpers (unbuffered, so they interleave with fd_write) ---- */

static void write_all(int fd, const char* buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    buf += n;
    len -= (size_t)n;
  }
}

void Z_envZ_print_i32(struct Z_env_instance_t* inst, u32 v) {
  (void)inst;
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%d\n", (int32_t)v);
  write_all(1, buf, (size_t)n);
}

void Z_envZ_print_i64(struct Z_env_instance_t* inst, u64 v) {
  (void)inst;
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%lld\n", (long long)(int64_t)v);
  write_all(1, buf, (size_t)n);
}

/* ---- the site table ---- */

typedef struct {
  const uint8_t* p;
  const uint8_t* end;
  const char* err; /* first error, sticky */
} reader_t;

static uint8_t rd_byte(reader_t* r) {
  if (r->err)
    return 0;
  if (r->p >= r->end) {
    r->err = "unexpected end";
    return 0;
  }
  return *r->p++;
}

static uint32_t rd_u32(reader_t* r) {
  uint32_t result = 0;
  for (unsigned i = 0; i < 5; i++) {
    uint8_t b = rd_byte(r);
    if (r->err)
      return 0;
    if (i == 4 && (b & 0xf0) != 0) {
      r->err = "u32 LEB128 out of range";
      return 0;
    }
    result |= (uint32_t)(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0)
      return result;
  }
  r->err = "u32 LEB128 too long";
  return 0;
}

/* Returns a pointer to the name's bytes (not NUL-terminated) and its length. */
static const uint8_t* rd_name(reader_t* r, uint32_t* len) {
  *len = rd_u32(r);
  if (r->err)
    return NULL;
  if (*len > (size_t)(r->end - r->p)) {
    r->err = "name runs past the end";
    return NULL;
  }
  const uint8_t* s = r->p;
  r->p += *len;
  return s;
}

static char** g_names;
static uint32_t g_nsites;

static char* sanitized(const char* prefix, const uint8_t* s, uint32_t len) {
  size_t plen = strlen(prefix);
  char* out = xcalloc((size_t)plen + len + 1, 1);
  memcpy(out, prefix, plen);
  for (uint32_t i = 0; i < len; i++) {
    uint8_t c = s[i];
    if (c == ';')
      c = ':';
    else if (c < 0x20 || c == 0x7f)
      c = '?';
    out[plen + i] = (char)c;
  }
  return out;
}

static const char* kind_prefix(uint8_t kind) {
  return kind == 0 ? "" : kind == 1 ? "import:" : kind == 2 ? "export:" : NULL;
}

static void parse_sites_v1(reader_t* r, size_t n) {
  uint32_t count = rd_u32(r);
  if (!r->err && count > n)
    r->err = "site count larger than the section";
  if (r->err)
    die("bad site table: %s", r->err);
  g_names = xcalloc(count, sizeof *g_names);
  g_nsites = count;
  for (uint32_t i = 0; i < count; i++) {
    uint8_t kind = rd_byte(r);
    (void)rd_byte(r); /* flags */
    (void)rd_u32(r);  /* input index */
    (void)rd_u32(r);  /* output index */
    uint32_t dlen, len;
    const uint8_t* display = rd_name(r, &dlen);
    (void)rd_name(r, &len); /* symbol */
    (void)rd_name(r, &len); /* module */
    (void)rd_name(r, &len); /* field */
    if (r->err)
      die("bad site table: %s", r->err);
    const char* prefix = kind_prefix(kind);
    if (!prefix)
      die("bad site table: %s", "unknown site kind");
    g_names[i] = sanitized(prefix, display, dlen);
  }
}

/* What a version 2 table names by reference (docs/hook-contract.md). */
typedef struct {
  const uint8_t* p;
  uint32_t len;
} bytes_t;
static bytes_t *g_exports, *g_import_modules, *g_import_fields, *g_func_names;
static uint32_t g_nexports, g_nimports, g_nfunc_names_cap;

static void skip_limits(reader_t* r) {
  uint8_t flags = rd_byte(r);
  (void)rd_u32(r);
  if (flags & 1)
    (void)rd_u32(r);
}

static void skip_value_type(reader_t* r) {
  uint8_t t = rd_byte(r);
  if (t == 0x63 || t == 0x64)
    (void)rd_u32(r); /* heap type: a small index or a one-byte shorthand */
}

static void read_imports(reader_t* r) {
  uint32_t count = rd_u32(r);
  if (!r->err && count > (size_t)(r->end - r->p))
    r->err = "import count larger than the section";
  g_import_modules = xcalloc(count, sizeof *g_import_modules);
  g_import_fields = xcalloc(count, sizeof *g_import_fields);
  for (uint32_t i = 0; i < count && !r->err; i++) {
    bytes_t module, field;
    module.p = rd_name(r, &module.len);
    field.p = rd_name(r, &field.len);
    uint8_t kind = rd_byte(r);
    if (kind == 0) {
      (void)rd_u32(r);
      g_import_modules[g_nimports] = module;
      g_import_fields[g_nimports++] = field;
    } else if (kind == 1) {
      skip_value_type(r);
      skip_limits(r);
    } else if (kind == 2) {
      skip_limits(r);
    } else if (kind == 3) {
      skip_value_type(r);
      (void)rd_byte(r);
    } else if (kind == 4) {
      (void)rd_byte(r);
      (void)rd_u32(r);
    } else if (!r->err) {
      r->err = "unknown import kind";
    }
  }
}

static void read_exports(reader_t* r) {
  uint32_t count = rd_u32(r);
  if (!r->err && count > (size_t)(r->end - r->p))
    r->err = "export count larger than the section";
  g_exports = xcalloc(count, sizeof *g_exports);
  for (uint32_t i = 0; i < count && !r->err; i++) {
    g_exports[i].p = rd_name(r, &g_exports[i].len);
    (void)rd_byte(r);
    (void)rd_u32(r);
    g_nexports = i + 1;
  }
}

/* Function names by index (a map as large as the highest index named, at
 * most the section's size); a malformed name section gives no names. */
static void read_function_names(reader_t r) {
  while (r.p < r.end && !r.err) {
    uint8_t id = rd_byte(&r);
    uint32_t size = rd_u32(&r);
    if (r.err || size > (size_t)(r.end - r.p))
      return;
    reader_t sub = {r.p, r.p + size, NULL};
    r.p += size;
    if (id != 1)
      continue;
    uint32_t count = rd_u32(&sub);
    size_t cap = (size_t)(sub.end - sub.p) + 1;
    bytes_t* names = xcalloc(cap, sizeof *names);
    for (uint32_t i = 0; i < count && !sub.err; i++) {
      uint32_t index = rd_u32(&sub), len;
      const uint8_t* name = rd_name(&sub, &len);
      if (!sub.err && index < cap)
        names[index] = (bytes_t){name, len};
    }
    if (sub.err) {
      free(names);
      return;
    }
    g_func_names = names;
    g_nfunc_names_cap = (uint32_t)cap;
    return;
  }
}

static uint32_t unzigzag(uint32_t z) {
  return (z >> 1) ^ (uint32_t)-(int32_t)(z & 1);
}

static void parse_sites_v2(reader_t* r) {
  uint32_t count = rd_u32(r);
  if (!r->err && count > (size_t)(r->end - r->p) / 2)
    r->err = "site count larger than the section";
  uint32_t pool_count = rd_u32(r);
  if (!r->err && pool_count > (size_t)(r->end - r->p))
    r->err = "string count larger than the section";
  if (r->err)
    die("bad site table: %s", r->err);
  bytes_t* pool = xcalloc(pool_count, sizeof *pool);
  for (uint32_t i = 0; i < pool_count; i++)
    pool[i].p = rd_name(r, &pool[i].len);
  g_names = xcalloc(count, sizeof *g_names);
  g_nsites = count;
  uint32_t input = 0, offset = 0, export_index = 0;
  for (uint32_t i = 0; i < count && !r->err; i++) {
    uint8_t head = rd_byte(r), kind = head & 3;
    input += unzigzag(rd_u32(r));
    if (!(head & 0x40))
      offset = unzigzag(rd_u32(r));
    uint32_t output = input + offset;
    const char* prefix = kind_prefix(kind);
    if (!prefix || ((head & 0x80) && (kind == 1 || (head & 0x20))))
      die("bad site table: %s", "bad head byte");
    bytes_t display = {NULL, 0};
    char index_name[24];
    if (head & 0x20) {
      uint32_t refs[4];
      for (int k = 0; k < 4; k++)
        refs[k] = rd_u32(r);
      if (!r->err && (refs[0] >= pool_count || refs[1] >= pool_count ||
                      refs[2] >= pool_count || refs[3] >= pool_count))
        die("bad site table: %s", "string out of range");
      display = r->err ? display : pool[refs[0]];
    } else if (kind == 0) {
      uint32_t ref = (head & 0x80) ? 6 : rd_u32(r); /* next export: one step on */
      bool named = (head & 0x10) && output < g_nfunc_names_cap && g_func_names[output].p;
      if (r->err) {
      } else if (ref == 0 && named) {
        display = g_func_names[output];
      } else if (ref == 0) {
        int n = snprintf(index_name, sizeof index_name, "func[%u]", input);
        display = (bytes_t){(const uint8_t*)index_name, (uint32_t)n};
      } else if (ref & 1) {
        if (ref / 2 >= pool_count)
          die("bad site table: %s", "string out of range");
        display = pool[ref / 2];
      } else {
        export_index += unzigzag(ref / 2 - 1);
        if (export_index >= g_nexports)
          die("bad site table: %s", "export out of range");
        display = g_exports[export_index];
      }
    } else if (kind == 1) {
      if (output >= g_nimports)
        die("bad site table: %s", "import site on a defined function");
      bytes_t m = g_import_modules[output], f = g_import_fields[output];
      uint8_t* joined = xcalloc((size_t)m.len + f.len + 1, 1);
      memcpy(joined, m.p, m.len);
      joined[m.len] = '.';
      memcpy(joined + m.len + 1, f.p, f.len);
      g_names[i] = sanitized(prefix, joined, m.len + 1 + f.len);
      free(joined);
      continue;
    } else {
      export_index += (head & 0x80) ? 1 : unzigzag(rd_u32(r));
      if (!r->err && export_index >= g_nexports)
        die("bad site table: %s", "export out of range");
      display = r->err ? display : g_exports[export_index];
    }
    if (r->err)
      break;
    g_names[i] = sanitized(prefix, display.p, display.len);
  }
  if (r->err)
    die("bad site table: %s", r->err);
  free(pool);
}

static void parse_sites(const uint8_t* p, size_t n) {
  reader_t r = {p, p + n, NULL};
  uint32_t version = rd_u32(&r);
  if (r.err)
    die("bad site table: %s", r.err);
  if (version == 1)
    parse_sites_v1(&r, n);
  else if (version == 2)
    parse_sites_v2(&r);
  else
    die("unknown %s version", SITES_SECTION);
  if (r.p != r.end)
    die("bad site table: %s", "trailing bytes");
}

static void load_sites(const char* path) {
  FILE* f = fopen(path, "rb");
  if (!f)
    die("cannot open %s", path);
  size_t cap = 1 << 16, n = 0;
  uint8_t* buf = xcalloc(cap, 1);
  for (;;) {
    if (n == cap) {
      cap *= 2;
      uint8_t* nb = realloc(buf, cap);
      if (!nb)
        die("%s", "out of memory");
      buf = nb;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0)
      break;
  }
  if (ferror(f))
    die("cannot read %s", path);
  fclose(f);

  reader_t r = {buf, buf + n, NULL};
  static const uint8_t magic[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  if (n < 8 || memcmp(buf, magic, 8) != 0)
    die("%s is not a wasm core module", path);
  r.p += 8;
  bool found = false;
  reader_t table = {NULL, NULL, NULL};
  while (r.p < r.end) {
    uint8_t id = rd_byte(&r);
    uint32_t size = rd_u32(&r);
    if (r.err)
      die("bad section header in %s", path);
    if (size > (size_t)(r.end - r.p))
      die("section runs past the end of %s", path);
    const uint8_t* next = r.p + size;
    reader_t s = {r.p, next, NULL};
    if (id == 0) {
      uint32_t len;
      const uint8_t* name = rd_name(&s, &len);
      if (s.err)
        die("bad custom section name in %s", path);
      if (len == strlen(SITES_SECTION) && memcmp(name, SITES_SECTION, len) == 0) {
        if (found)
          die("more than one %s section", SITES_SECTION);
        found = true;
        table = s;
      } else if (len == 4 && memcmp(name, "name", 4) == 0) {
        read_function_names(s);
      }
    } else if (id == 2) {
      read_imports(&s);
    } else if (id == 7) {
      read_exports(&s);
    }
    if (s.err)
      die("bad section in %s", path);
    r.p = next;
  }
  if (found)
    parse_sites(table.p, (size_t)(table.end - table.p));
  /* The names were copied: what they referred to goes with the file. */
  free(g_exports);
  free(g_import_modules);
  free(g_import_fields);
  free(g_func_names);
  free(buf);
}

/* ---- recorder: a trie of stacks ---- */

typedef struct node {
  uint32_t id;
  uint64_t count;
  struct node* child;
  struct node* sibling;
} node_t;

typedef struct {
  uint32_t id;
  node_t* node; /* NULL when deeper than g_max_depth */
} frame_t;

static node_t g_root;
static frame_t* g_stack;
static size_t g_depth, g_cap;
static uint64_t g_unbalanced, g_invalid, g_truncated;
static size_t g_nnodes;

static void rec_enter(uint32_t id) {
  if (id >= g_nsites)
    g_invalid++;
  if (g_depth == g_cap) {
    g_cap = g_cap ? g_cap * 2 : 256;
    frame_t* ns = realloc(g_stack, g_cap * sizeof *ns);
    if (!ns)
      die("%s", "out of memory");
    g_stack = ns;
  }
  node_t* node = NULL;
  if (g_depth >= g_max_depth) {
    g_truncated++;
  } else {
    node_t* parent = g_depth == 0 ? &g_root : g_stack[g_depth - 1].node;
    node_t** link = &parent->child;
    while (*link && (*link)->id != id)
      link = &(*link)->sibling;
    node = *link;
    if (!node) {
      node = xcalloc(1, sizeof *node);
      node->id = id;
      *link = node;
      g_nnodes++;
    }
    node->count++;
  }
  g_stack[g_depth].id = id;
  g_stack[g_depth].node = node;
  g_depth++;
}

static void rec_exit(uint32_t id) {
  if (g_depth > 0 && g_stack[g_depth - 1].id == id) {
    g_depth--;
    return;
  }
  g_unbalanced++;
  for (size_t k = g_depth; k-- > 0;) {
    if (g_stack[k].id == id) {
      g_depth = k;
      return;
    }
  }
}

void Z_wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0Z_enter(
    struct Z_wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0_instance_t* inst, u32 id) {
  (void)inst;
  rec_enter(id);
}

void Z_wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0Z_exit(
    struct Z_wasmZ2DinstrumentZ3AhooksZ2FtraceZ400Z2E1Z2E0_instance_t* inst, u32 id) {
  (void)inst;
  rec_exit(id);
}

static char* site_name(uint32_t id, char* tmp, size_t tmpsize) {
  if (id < g_nsites)
    return g_names[id];
  snprintf(tmp, tmpsize, "?[%u]", id);
  return tmp;
}

typedef struct {
  char** lines;
  size_t n;
} lines_t;

static void collect(node_t* parent, const char* prefix, lines_t* out) {
  /* Recursion depth is bounded by g_max_depth. */
  for (node_t* c = parent->child; c; c = c->sibling) {
    char tmp[32];
    const char* name = site_name(c->id, tmp, sizeof tmp);
    size_t plen = prefix ? strlen(prefix) + 1 : 0;
    char* path = xcalloc(plen + strlen(name) + 1, 1);
    if (prefix) {
      memcpy(path, prefix, plen - 1);
      path[plen - 1] = ';';
    }
    strcpy(path + plen, name);
    size_t need = strlen(path) + 32;
    char* line = xcalloc(need, 1);
    snprintf(line, need, "%s %llu", path, (unsigned long long)c->count);
    out->lines[out->n++] = line;
    collect(c, path, out);
    free(path);
  }
}

static int cmp_lines(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

static void free_trie(node_t* n) {
  /* Iterative over siblings, recursive over depth (bounded by g_max_depth). */
  while (n) {
    node_t* next = n->sibling;
    free_trie(n->child);
    free(n);
    n = next;
  }
}

static void write_trace(const char* path) {
  lines_t out = {xcalloc(g_nnodes, sizeof(char*)), 0};
  collect(&g_root, NULL, &out);
  qsort(out.lines, out.n, sizeof(char*), cmp_lines);
  FILE* f = fopen(path, "wb");
  if (!f)
    die("cannot write %s", path);
  for (size_t i = 0; i < out.n; i++) {
    fputs(out.lines[i], f);
    fputc('\n', f);
    free(out.lines[i]);
  }
  fprintf(f, "# unbalanced %llu open %llu invalid %llu truncated %llu\n",
          (unsigned long long)g_unbalanced, (unsigned long long)g_depth,
          (unsigned long long)g_invalid, (unsigned long long)g_truncated);
  if (fclose(f) != 0)
    die("cannot write %s", path);
  free(out.lines);
}

/* ---- main ---- */

int main(int argc, char** argv) {
  if (argc < 3) {
    fputs("usage: prog MODULE.wasm TRACE_OUT [args...]\n", stderr);
    return 2;
  }
  const char* module_path = argv[1];
  const char* trace_path = argv[2];
  load_sites(module_path);
  const char* md = getenv("E2E_TRACE_MAX_DEPTH");
  if (md && atol(md) > 0)
    g_max_depth = (size_t)atol(md);

  /* argv[0] of the program is the module's base name, as in run-node.mjs. */
  const char* base = strrchr(module_path, '/');
  base = base ? base + 1 : module_path;
  char** pargv = xcalloc((size_t)argc - 1, sizeof(char*));
  pargv[0] = (char*)base;
  for (int i = 3; i < argc; i++)
    pargv[i - 2] = argv[i];
  e2e_wasi_set_args(argc - 2, pargv);

  wasm_rt_init();
  e2e_module_init();

  volatile int code = 0;
  volatile bool instantiated = false;
  int exit_jump = setjmp(e2e_exit_jmp);
  if (exit_jump != 0) {
    code = e2e_exit_code;
  } else {
    wasm_rt_trap_t trap = wasm_rt_impl_try();
    if (trap != WASM_RT_TRAP_NONE) {
      fprintf(stderr, "trap: %s\n", wasm_rt_strerror(trap));
      code = E2E_TRAP_EXIT;
    } else {
      e2e_instantiate();
      instantiated = true;
      e2e_wasi.memory = e2e_memory();
      (void)e2e_call_entry();
    }
  }
  fflush(stdout);
  write_trace(trace_path);
  if (instantiated)
    e2e_free();
  wasm_rt_free();
  free_trie(g_root.child);
  free(g_stack);
  for (uint32_t i = 0; i < g_nsites; i++)
    free(g_names[i]);
  free(g_names);
  free(pargv);
  return code;
}
