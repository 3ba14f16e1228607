/* --include / --exclude: PCRE2 patterns matched against function names. */
#ifndef WI_NAME_FILTER_H
#define WI_NAME_FILTER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct wi_name_filter wi_name_filter;

/* Compiles the patterns (JIT where available). Returns NULL and writes a
 * one-line reason naming the bad pattern to `why` on failure. */
wi_name_filter *wi_name_filter_new(const char *const *includes, size_t include_count,
                                   const char *const *excludes, size_t exclude_count,
                                   char *why, size_t why_size);
void wi_name_filter_free(wi_name_filter *filter);

/* A function with these names (display, raw symbol, ...; NULLs skipped) is
 * selected if some include pattern matches one of them (or there are no
 * include patterns) and no exclude pattern matches any of them. */
bool wi_name_filter_selects(const wi_name_filter *filter, const char *const *names, size_t count);
/* Whether there are include patterns: a function they select is asked for by
 * name (it wins over size thresholds). */
bool wi_name_filter_has_includes(const wi_name_filter *filter);

#endif
