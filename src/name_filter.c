#define PCRE2_CODE_UNIT_WIDTH 8
#include "name_filter.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wi_name_filter {
  pcre2_code **includes;
  size_t include_count;
  pcre2_code **excludes;
  size_t exclude_count;
  pcre2_match_data *match;
};

static pcre2_code **compile_all(const char *const *patterns, size_t count, const char *option,
                                char *why, size_t why_size) {
  pcre2_code **codes = calloc(count ? count : 1, sizeof *codes);
  if (!codes) {
    snprintf(why, why_size, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < count; i++) {
    int error;
    PCRE2_SIZE offset;
    codes[i] = pcre2_compile((PCRE2_SPTR)patterns[i], PCRE2_ZERO_TERMINATED,
                             PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &error,
                             &offset, NULL);
    if (!codes[i]) {
      PCRE2_UCHAR message[160];
      pcre2_get_error_message(error, message, sizeof message);
      snprintf(why, why_size, "bad %s pattern '%s': %s at offset %zu", option, patterns[i],
               (const char *)message, (size_t)offset);
      for (size_t j = 0; j < i; j++) pcre2_code_free(codes[j]);
      free(codes);
      return NULL;
    }
    pcre2_jit_compile(codes[i], PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
  }
  return codes;
}

wi_name_filter *wi_name_filter_new(const char *const *includes, size_t include_count,
                                   const char *const *excludes, size_t exclude_count,
                                   char *why, size_t why_size) {
  wi_name_filter *f = calloc(1, sizeof *f);
  if (!f) {
    snprintf(why, why_size, "out of memory");
    return NULL;
  }
  f->includes = compile_all(includes, include_count, "--include", why, why_size);
  if (f->includes) f->include_count = include_count;
  if (f->includes) f->excludes = compile_all(excludes, exclude_count, "--exclude", why, why_size);
  if (f->excludes) f->exclude_count = exclude_count;
  if (f->excludes) f->match = pcre2_match_data_create(1, NULL);
  if (!f->match) {
    if (f->excludes && !why[0]) snprintf(why, why_size, "out of memory");
    wi_name_filter_free(f);
    return NULL;
  }
  return f;
}

void wi_name_filter_free(wi_name_filter *f) {
  if (!f) return;
  for (size_t i = 0; i < f->include_count; i++) pcre2_code_free(f->includes[i]);
  for (size_t i = 0; i < f->exclude_count; i++) pcre2_code_free(f->excludes[i]);
  free(f->includes);
  free(f->excludes);
  pcre2_match_data_free(f->match);
  free(f);
}

static bool any_matches(const wi_name_filter *f, pcre2_code *const *codes, size_t code_count,
                        const char *const *names, size_t name_count) {
  for (size_t i = 0; i < code_count; i++) {
    for (size_t j = 0; j < name_count; j++) {
      if (!names[j]) continue;
      /* A name section can hold invalid UTF-8: the patterns were compiled
       * with PCRE2_MATCH_INVALID_UTF, so such names are matched, not rejected. */
      int rc = pcre2_match(codes[i], (PCRE2_SPTR)names[j], strlen(names[j]), 0, 0, f->match,
                           NULL);
      if (rc >= 0) return true;
    }
  }
  return false;
}

bool wi_name_filter_has_includes(const wi_name_filter *f) { return f->include_count > 0; }

bool wi_name_filter_selects(const wi_name_filter *f, const char *const *names, size_t count) {
  if (f->include_count > 0 && !any_matches(f, f->includes, f->include_count, names, count))
    return false;
  return !any_matches(f, f->excludes, f->exclude_count, names, count);
}
