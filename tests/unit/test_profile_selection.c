/* Unit tests: reading a profile and the --from-profile rule
 * (src/profile_selection.c), on the edges the CLI tests do not reach. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profile_selection.h"

typedef struct {
  char calls[64], times[64];
} files;

static void write_file(char *path, const char *text, size_t size) {
  strcpy(path, "/tmp/wi-profile-XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, size), (ssize_t)size);
  close(fd);
}

static wi_profile *read_profile(files *f, const char *calls, const char *times, char *why,
                                size_t why_size) {
  write_file(f->calls, calls, strlen(calls));
  write_file(f->times, times, strlen(times));
  return wi_profile_read(f->calls, f->times, why, why_size);
}

static void remove_files(files *f) {
  unlink(f->calls);
  unlink(f->times);
}

/* Functions 1.. of a module whose function 0 is an import. */
static void module(wi_module_names *names, wi_function_info *funcs, uint32_t count) {
  memset(names, 0, sizeof *names);
  for (uint32_t i = 0; i < count; i++) {
    funcs[i].selected = true;
    if (!funcs[i].symbol) funcs[i].symbol = "";
  }
  names->funcs = funcs;
  names->func_count = count;
}

static const wi_profile_rule rule = {10000, 1000, 0}; /* no floor */

static void crlf_comments_and_a_last_line_without_newline(void **state) {
  (void)state;
  files f;
  char why[256] = "";
  wi_profile *p = read_profile(&f, "# a comment\r\nexport:run;hot 20000\r\n\r\nexport:run;cold 2",
                               "run;hot 200000\r\nrun;cold 5000", why, sizeof why);
  assert_non_null(p);
  wi_function_info funcs[3] = {{.display = "env.log", .import_module = "env"},
                               {.display = "hot"}, {.display = "cold"}};
  wi_module_names names;
  module(&names, funcs, 3);
  wi_profile_match m;
  assert_int_equal(wi_profile_select(p, &rule, &names, 1, &m), 0);
  assert_true(funcs[1].left_out_by_profile);
  assert_int_equal(funcs[1].profile_calls, 20000);
  assert_int_equal(funcs[1].profile_ns, 200000);
  assert_false(funcs[2].left_out_by_profile);
  assert_int_equal(m.matched, 2);
  assert_int_equal(m.unmatched, 0);
  wi_profile_free(p);
  remove_files(&f);
}

/* Recursion: a stack counts once for a function however often it holds it;
 * the threshold is strict (a mean of exactly T ns is kept). */
static void recursion_counts_a_stack_once(void **state) {
  (void)state;
  files f;
  char why[256] = "";
  wi_profile *p = read_profile(&f, "r 10000\nr;r 10000\nr;r;r 10000\ns 10000\n",
                               "r 10000000\nr;r 10000000\nr;r;r 9999999\ns 10000000\n", why,
                               sizeof why);
  assert_non_null(p);
  wi_function_info funcs[2] = {{.display = "r"}, {.display = "s"}};
  wi_module_names names;
  module(&names, funcs, 2);
  wi_profile_match m;
  assert_int_equal(wi_profile_select(p, &rule, &names, 0, &m), 0);
  assert_int_equal(funcs[0].profile_calls, 30000);
  assert_int_equal(funcs[0].profile_ns, 29999999); /* not 10M + 2 * 10M + 3 * 10M */
  assert_true(funcs[0].left_out_by_profile);       /* mean 999.99 ns */
  assert_false(funcs[1].left_out_by_profile);      /* mean exactly 1000 ns */
  wi_profile_free(p);
  remove_files(&f);
}

/* By display name, else by raw symbol; a frame written with ';' as ':';
 * --include wins; a name shared by two functions keeps both. */
static void matching(void **state) {
  (void)state;
  files f;
  char why[256] = "";
  wi_profile *p = read_profile(&f,
                               "a:b 50000\n_Z3rawv 50000\ninc 50000\ndup() 50000\nghost 50000\n",
                               "a:b 1\n_Z3rawv 1\ninc 1\ndup() 1\nghost 1\n", why, sizeof why);
  assert_non_null(p);
  wi_function_info funcs[5] = {{.display = "a;b"},
                               {.display = "raw()", .symbol = "_Z3rawv"},
                               {.display = "inc", .named_by_include = true},
                               {.display = "dup()", .symbol = "_Z3dupv"},
                               {.display = "dup()", .symbol = "_ZL3dupv"}};
  wi_module_names names;
  module(&names, funcs, 5);
  wi_profile_match m;
  assert_int_equal(wi_profile_select(p, &rule, &names, 0, &m), 0);
  assert_true(funcs[0].left_out_by_profile);
  assert_true(funcs[1].left_out_by_profile);
  assert_true(funcs[2].profiled);
  assert_false(funcs[2].left_out_by_profile);
  assert_false(funcs[3].profiled || funcs[3].left_out_by_profile);
  assert_false(funcs[4].profiled || funcs[4].left_out_by_profile);
  assert_int_equal(m.matched, 3);
  assert_int_equal(m.ambiguous, 2);
  assert_int_equal(m.unmatched, 1); /* ghost */
  assert_int_equal(m.profile_functions, 5);
  wi_profile_free(p);
  remove_files(&f);
}

/* The floor: a function with at least keep_percent of the total (the sum of
 * all self times) stays, whatever its calls; exactly the share counts; 0
 * turns the floor off; an all-zero profile keeps nothing by share. */
static void a_share_of_the_run_is_kept(void **state) {
  (void)state;
  files f;
  char why[256] = "";
  wi_profile *p = read_profile(&f, "export:run;hot 20000\nexport:run;edge 20000\nexport:run;below 20000\n",
                               "run 96000001\nrun;hot 2000000\nrun;edge 1000000\nrun;below 999999\n",
                               why, sizeof why);
  assert_non_null(p);
  assert_int_equal(wi_profile_total_ns(p), 100000000);
  wi_function_info funcs[3] = {{.display = "hot"}, {.display = "edge"}, {.display = "below"}};
  wi_module_names names;
  module(&names, funcs, 3);
  wi_profile_match m;
  const wi_profile_rule floor1 = {10000, 1000, 1.0};
  assert_int_equal(wi_profile_select(p, &floor1, &names, 0, &m), 0);
  assert_true(funcs[0].profile_kept && !funcs[0].left_out_by_profile);  /* 2% */
  assert_true(funcs[1].profile_kept && !funcs[1].left_out_by_profile);  /* 1% exactly */
  assert_true(!funcs[2].profile_kept && funcs[2].left_out_by_profile);  /* 0.999999% */
  assert_int_equal(m.kept, 2);
  assert_int_equal(wi_profile_select(p, &rule, &names, 0, &m), 0);
  for (int i = 0; i < 3; i++) assert_true(!funcs[i].profile_kept && funcs[i].left_out_by_profile);
  assert_int_equal(m.kept, 0);
  wi_profile_free(p);
  remove_files(&f);
  p = read_profile(&f, "export:run;hot 20000\n", "run 0\nrun;hot 0\n", why, sizeof why);
  assert_non_null(p);
  module(&names, funcs, 1);
  assert_int_equal(wi_profile_select(p, &floor1, &names, 0, &m), 0);
  assert_true(!funcs[0].profile_kept && funcs[0].left_out_by_profile);
  wi_profile_free(p);
  remove_files(&f);
}

/* A frame that is an export (no prefix in the times file) is known; one that
 * the calls file lacks is an error naming both files. */
static void times_must_come_from_the_same_run(void **state) {
  (void)state;
  files f;
  char why[256] = "";
  wi_profile *p = read_profile(&f, "export:main 1\nexport:main;g 3\n", "main;g 5\nmain 1\n", why,
                               sizeof why);
  assert_non_null(p);
  wi_profile_free(p);
  remove_files(&f);
  p = read_profile(&f, "export:main 1\nexport:main;g 3\n", "main;h 5\n", why, sizeof why);
  assert_null(p);
  assert_non_null(strstr(why, "line 1: the frame 'h' is not in"));
  assert_non_null(strstr(why, f.calls));
  remove_files(&f);
}

/* A line is at most WI_PROFILE_MAX_LINE bytes: one that long is read. */
static void line_length_limit(void **state) {
  (void)state;
  size_t size = WI_PROFILE_MAX_LINE;
  char *line = malloc(size + 2);
  assert_non_null(line);
  memset(line, 'x', size);
  memcpy(line + size - 2, " 1", 2); /* exactly the limit, then a newline */
  line[size] = '\n';
  files f;
  write_file(f.calls, line, size + 1);
  write_file(f.times, "y 1\n", 4);
  char why[256] = "";
  wi_profile *p = wi_profile_read(f.calls, f.times, why, sizeof why);
  assert_null(p); /* read whole: the times file's 'y' is not in it */
  assert_non_null(strstr(why, "the frame 'y' is not in"));
  remove_files(&f);
  line[size] = 'x'; /* one byte more */
  line[size + 1] = '\n';
  write_file(f.calls, line, size + 2);
  write_file(f.times, "y 1\n", 4);
  p = wi_profile_read(f.calls, f.times, why, sizeof why);
  assert_null(p);
  assert_non_null(strstr(why, "line 1: longer than the limit"));
  remove_files(&f);
  free(line);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(crlf_comments_and_a_last_line_without_newline),
      cmocka_unit_test(recursion_counts_a_stack_once),
      cmocka_unit_test(matching),
      cmocka_unit_test(a_share_of_the_run_is_kept),
      cmocka_unit_test(times_must_come_from_the_same_run),
      cmocka_unit_test(line_length_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
