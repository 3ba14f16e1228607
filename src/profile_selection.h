/* --from-profile: leave out the functions that a profile of an earlier run
 * shows to be called often and briefly (README, "In production").
 *
 * The input is the two files a host writes in one run: the call counts
 * (`--folded-calls`: "frame;frame;... CALLS", import and export sites
 * prefixed "import:"/"export:") and the self times (`--folded`:
 * "frame;frame;... NANOSECONDS", no prefixes). A frame is a site's display
 * name with ';' written ':' and control bytes '?'. For each function frame:
 * calls = the sum of the counts of the call paths that end in it; inclusive
 * time = the sum of the self times of the stacks that hold it, each stack
 * once however often it recurses. The profile is read in the parent process,
 * before the module, so a bad file fails early. */
#ifndef WI_PROFILE_SELECTION_H
#define WI_PROFILE_SELECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "function_names.h"

/* Limits of the reader (documented in the README): a longer line or a
 * larger file is refused, so memory stays bounded by the distinct names. */
enum { WI_PROFILE_MAX_LINE = 16 << 20 };
#define WI_PROFILE_MAX_FILE ((uint64_t)1 << 30)

typedef struct wi_profile wi_profile;

/* Reads both files. NULL on failure, with "FILE: problem" in `why`. */
wi_profile *wi_profile_read(const char *calls_path, const char *times_path, char *why,
                            size_t why_size);
void wi_profile_free(wi_profile *profile);

typedef struct {
  uint64_t min_calls; /* left out when called at least this often ... */
  uint64_t below_ns;  /* ... for a mean inclusive time under this */
  double keep_percent; /* kept, whatever the rules say, when its inclusive time is at
                          least this share of the profile's total (0: no such floor) */
} wi_profile_rule;

typedef struct {
  uint32_t matched;            /* defined functions the profile names */
  uint32_t left_out;           /* of those, the ones the rule leaves out */
  uint32_t ambiguous;          /* functions kept: their frame names several functions */
  uint32_t kept;               /* of the selected, those at or over keep_percent */
  size_t profile_functions;    /* function frames in the profile */
  size_t unmatched;            /* of those, the ones no function of the module has */
} wi_profile_match;

/* The sum of the profile's self times: the run's recorded time. */
uint64_t wi_profile_total_ns(const wi_profile *profile);

/* Matches the defined functions of `names` (from index `first_defined`) to
 * the profile by display name, else by raw symbol, and sets their
 * profile_* fields; a function an --include names is never left out, nor
 * one whose inclusive time reaches rule->keep_percent of the total (it
 * matters to the run; profile_kept also tells the size rule to keep it).
 * Returns 0, or -1 when out of memory. */
int wi_profile_select(wi_profile *profile, const wi_profile_rule *rule, wi_module_names *names,
                      uint32_t first_defined, wi_profile_match *out);

#endif
