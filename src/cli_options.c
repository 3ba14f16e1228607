#include "cli_options.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime-shim/guest/guest_abi.h"
#include "diagnostics.h"
#include "version.h"

void wi_print_usage(void) {
  fputs(
      "usage: wasm-instrument INPUT [-o OUTPUT] [options]\n"
      "\n"
      "Adds enter/exit hook calls around the functions of a WebAssembly module, its\n"
      "calls into imports, and its entries through exports. INPUT is a .wasm binary,\n"
      "a .wat text module, or - for stdin.\n"
      "\n"
      "  -o, --output FILE      write the instrumented module to FILE (- for stdout)\n"
      "  -S, --emit-text        write the text format instead of a binary\n"
      "      --list             print the sites that would be instrumented; write nothing\n"
      "      --include RE       instrument only functions whose name matches RE\n"
      "                         (PCRE2 syntax; repeatable; a name matches if any RE does)\n"
      "      --exclude RE       never instrument functions whose name matches RE\n"
      "                         (repeatable; wins over --include)\n"
      "      --no-functions     no spans for the module's own functions: only the\n"
      "                         import and export boundaries\n"
      "      --min-instructions N  leave out functions of fewer than N instructions\n"
      "                         with no loop (LLVM XRay's rule); --include names,\n"
      "                         imports and exports stay spans\n"
      "      --from-profile FILE  leave out the functions a profile shows called often\n"
      "                         and briefly: FILE is a host's --folded-calls file\n"
      "                         (call counts); --profile-times names the --folded file\n"
      "                         (self times, ns) of the same run. Functions absent from\n"
      "                         it stay; --include names, imports and exports stay spans\n"
      "      --profile-times FILE  the self times for --from-profile (required with it)\n"
      "      --profile-min-calls N  --from-profile leaves out a function called at least\n"
      "                         N times (default 10000) ...\n"
      "      --profile-below-ns T  ... for a mean inclusive time under T ns (default 1000)\n"
      "      --profile-keep-percent P  but keeps a function with at least P%% of the\n"
      "                         run inclusive (default 0.25; 0: no floor), even under\n"
      "                         --min-instructions\n"
      "      --patchable        let the host patch out the functions it mutes: each\n"
      "                         instrumented function checks its slot in a table the\n"
      "                         module exports (wasm-instrument:muted-sites) before its\n"
      "                         hook calls; a muted one then makes none (core modules,\n"
      "                         default ABI; adds reference types)\n"
      "      --no-patchable     not even with --production\n"
      "      --production       the preset for a build left on in production:\n"
      "                         --min-instructions 200 (an explicit one wins) and\n"
      "                         --patchable; with --from-profile, both rules apply (and\n"
      "                         the profile keeps the functions that hold its share)\n"
      "      --no-imports       do not make calls into imports spans of their own\n"
      "      --no-exports       do not mark entries through exports\n"
      "      --abi ABI          hook interface: default (wasm-instrument:hooks/trace@0.1.0)\n"
      "                         or observe-sdk (dylibso:observe/instrument)\n"
      "      --exceptions MODE  close spans when an exception propagates out:\n"
      "                         auto (if the module uses exception handling), on, off\n"
      "      --no-validate      skip validating the input and the output\n"
      "      --stats            print what was done on stderr\n"
      "  -h, --help             show this help\n"
      "      --version          show the version\n"
      "\n"
      "Components (detected by their header; every core module inside is\n"
      "instrumented with the options above, nested components too):\n"
      "      --link MODE        how the hooks reach a tracer: wasi-otel (default: a guest\n"
      "                         shim inside the component calls wasi:otel/tracing),\n"
      "                         wasi-observe (the same onto wasi:observe/tracer), or\n"
      "                         hooks (the component imports wasm-instrument:hooks/trace)\n"
      "      --all-modules      also instrument the modules that component tooling adds\n"
      "                         (the WASI preview1 adapter, wit-component's shim and fixups)\n"
      "      --guest-mute-after N|never  components, --link wasi-otel: the guest shim\n"
      "                         mutes a site whose spans, from the Nth on (default 1000),\n"
      "                         average under --guest-mute-below-ns T (default 1000);\n"
      "                         never keeps every span\n"
      "\n"
      "Names are matched in demangled and in raw form. Exit codes: 0 success,\n"
      "1 bad input, 2 usage error, 3 internal error.\n",
      stdout);
}

static bool push(const char ***list, size_t *count, const char *item) {
  const char **grown = realloc(*list, (*count + 1) * sizeof *grown);
  if (!grown) return false;
  grown[(*count)++] = item;
  *list = grown;
  return true;
}

/* Matches "--name VALUE" and "--name=VALUE"; advances *i past the value. */
static bool takes_value(int argc, char **argv, int *i, const char *name, const char **value,
                        bool *missing) {
  const char *arg = argv[*i];
  size_t len = strlen(name);
  if (strncmp(arg, name, len) != 0) return false;
  if (arg[len] == '=') {
    *value = arg + len + 1;
    return true;
  }
  if (arg[len] != '\0') return false;
  if (*i + 1 >= argc) {
    *missing = true;
    return true;
  }
  *value = argv[++*i];
  return true;
}

/* A whole number in [1, max]; false for anything else. */
static bool parse_count(const char *value, uint64_t max, uint64_t *out) {
  if (!value || value[0] < '0' || value[0] > '9') return false;
  char *end = NULL;
  errno = 0;
  unsigned long long n = strtoull(value, &end, 10);
  if (*end || errno || n == 0 || n > max) return false;
  *out = n;
  return true;
}

/* A decimal number in [0, 100], as written by a person ("1", "0.5"); false
 * for anything else (no sign, exponent, hex, inf or nan). */
static bool parse_percent(const char *value, double *out) {
  if (!value || !value[0] || strspn(value, "0123456789.") != strlen(value)) return false;
  char *end = NULL;
  errno = 0;
  double v = strtod(value, &end);
  if (*end || errno || v < 0 || v > 100) return false;
  *out = v;
  return true;
}

static wi_options_result usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "wasm-instrument: error: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " (see --help)\n");
  return WI_OPTIONS_ERROR;
}

wi_options_result wi_parse_options(int argc, char **argv, wi_options *o) {
  memset(o, 0, sizeof *o);
  o->hook_functions = o->hook_imports = o->hook_exports = o->validate = true;
  o->guest_mute_after = WI_GUEST_MUTE_AFTER;
  o->guest_mute_below_ns = WI_GUEST_MUTE_BELOW_NS;
  bool only_positional = false, production = false, min_instructions_given = false;
  int patchable = -1; /* --patchable 1, --no-patchable 0, neither -1 */
  const char *profile_knob = NULL, *guest_knob = NULL;
  o->profile_min_calls = WI_PROFILE_MIN_CALLS;
  o->profile_below_ns = WI_PROFILE_BELOW_NS;
  o->profile_keep_percent = WI_PROFILE_KEEP_PERCENT;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *value = NULL;
    bool missing = false;
    if (only_positional || arg[0] != '-' || strcmp(arg, "-") == 0) {
      if (o->input) return usage_error("more than one input: '%s'", arg);
      o->input = arg;
    } else if (strcmp(arg, "--") == 0) {
      only_positional = true;
    } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
      wi_print_usage();
      return WI_OPTIONS_DONE;
    } else if (strcmp(arg, "--version") == 0) {
      printf("wasm-instrument %s (Binaryen C API)\n", WI_VERSION);
      return WI_OPTIONS_DONE;
    } else if (strcmp(arg, "-S") == 0 || strcmp(arg, "--emit-text") == 0) {
      o->emit_text = true;
    } else if (strcmp(arg, "--list") == 0) {
      o->list = true;
    } else if (strcmp(arg, "--stats") == 0) {
      o->stats = true;
    } else if (strcmp(arg, "--production") == 0) {
      production = true;
    } else if (strcmp(arg, "--patchable") == 0) {
      patchable = 1;
    } else if (strcmp(arg, "--no-patchable") == 0) {
      patchable = 0;
    } else if (strcmp(arg, "--no-functions") == 0) {
      o->hook_functions = false;
    } else if (strcmp(arg, "--no-imports") == 0) {
      o->hook_imports = false;
    } else if (strcmp(arg, "--no-exports") == 0) {
      o->hook_exports = false;
    } else if (strcmp(arg, "--all-modules") == 0) {
      o->all_modules = true;
    } else if (strcmp(arg, "--no-validate") == 0) {
      o->validate = false;
    } else if (takes_value(argc, argv, &i, "-o", &value, &missing) ||
               takes_value(argc, argv, &i, "--output", &value, &missing)) {
      if (missing) return usage_error("%s needs a file name", arg);
      o->output = value;
    } else if (takes_value(argc, argv, &i, "--include", &value, &missing)) {
      if (missing) return usage_error("%s needs a regular expression", arg);
      if (!push(&o->includes, &o->include_count, value)) return usage_error("%s", "out of memory");
    } else if (takes_value(argc, argv, &i, "--exclude", &value, &missing)) {
      if (missing) return usage_error("%s needs a regular expression", arg);
      if (!push(&o->excludes, &o->exclude_count, value)) return usage_error("%s", "out of memory");
    } else if (takes_value(argc, argv, &i, "--abi", &value, &missing)) {
      if (missing) return usage_error("%s needs default or observe-sdk", arg);
      if (strcmp(value, "default") == 0) o->abi = WI_ABI_DEFAULT;
      else if (strcmp(value, "observe-sdk") == 0) o->abi = WI_ABI_OBSERVE_SDK;
      else return usage_error("unknown --abi '%s' (default or observe-sdk)", value);
    } else if (takes_value(argc, argv, &i, "--link", &value, &missing)) {
      if (missing) return usage_error("%s needs wasi-otel, wasi-observe or hooks", arg);
      if (strcmp(value, "wasi-otel") == 0) o->link = WI_LINK_WASI_OTEL;
      else if (strcmp(value, "wasi-observe") == 0) o->link = WI_LINK_WASI_OBSERVE;
      else if (strcmp(value, "hooks") == 0) o->link = WI_LINK_HOOKS;
      else return usage_error("unknown --link '%s' (wasi-otel, wasi-observe or hooks)", value);
      o->link_given = true;
    } else if (takes_value(argc, argv, &i, "--min-instructions", &value, &missing)) {
      char *end = NULL;
      errno = 0;
      unsigned long n = missing ? 0 : strtoul(value, &end, 10);
      if (missing || !*value || *end || errno || n > UINT32_MAX || value[0] == '-')
        return usage_error("%s needs a number of instructions", arg);
      o->min_instructions = (uint32_t)n;
      min_instructions_given = true;
    } else if (takes_value(argc, argv, &i, "--from-profile", &value, &missing)) {
      if (missing) return usage_error("%s needs a file (a host's --folded-calls output)", arg);
      o->from_profile = value;
    } else if (takes_value(argc, argv, &i, "--profile-times", &value, &missing)) {
      if (missing) return usage_error("%s needs a file (a host's --folded output)", arg);
      o->profile_times = value;
    } else if (takes_value(argc, argv, &i, "--profile-min-calls", &value, &missing)) {
      if (missing || !parse_count(value, UINT64_MAX, &o->profile_min_calls))
        return usage_error("%s needs a number of calls (1 or more)", arg);
      profile_knob = arg;
    } else if (takes_value(argc, argv, &i, "--profile-below-ns", &value, &missing)) {
      if (missing || !parse_count(value, UINT64_MAX, &o->profile_below_ns))
        return usage_error("%s needs a time in nanoseconds (1 or more)", arg);
      profile_knob = arg;
    } else if (takes_value(argc, argv, &i, "--profile-keep-percent", &value, &missing)) {
      if (missing || !parse_percent(value, &o->profile_keep_percent))
        return usage_error("%s needs a share of the run from 0 to 100 (percent)", arg);
      profile_knob = arg;
    } else if (takes_value(argc, argv, &i, "--guest-mute-after", &value, &missing)) {
      uint64_t n = 0;
      if (!missing && strcmp(value, "never") == 0) n = 0;
      else if (missing || !parse_count(value, UINT32_MAX, &n))
        return usage_error("%s needs a number of spans (1 or more) or never", arg);
      o->guest_mute_after = (uint32_t)n;
      guest_knob = arg;
    } else if (takes_value(argc, argv, &i, "--guest-mute-below-ns", &value, &missing)) {
      uint64_t n = 0;
      if (missing || !parse_count(value, UINT32_MAX, &n))
        return usage_error("%s needs a time in nanoseconds (1 or more)", arg);
      o->guest_mute_below_ns = (uint32_t)n;
      guest_knob = arg;
    } else if (takes_value(argc, argv, &i, "--exceptions", &value, &missing)) {
      if (missing) return usage_error("%s needs auto, on or off", arg);
      if (strcmp(value, "auto") == 0) o->exceptions = WI_EH_AUTO;
      else if (strcmp(value, "on") == 0) o->exceptions = WI_EH_ON;
      else if (strcmp(value, "off") == 0) o->exceptions = WI_EH_OFF;
      else return usage_error("unknown --exceptions '%s' (auto, on or off)", value);
    } else {
      return usage_error("unknown option '%s'", arg);
    }
  }
  /* The preset's values (README, "In production"); an explicit option wins. */
  if (production && !min_instructions_given) o->min_instructions = WI_PRODUCTION_MIN_INSTRUCTIONS;
  /* The observe-sdk ABI's ids are renumbered after the fact: no table of them.
   * The preset leaves such a build unpatchable rather than refusing it. */
  if (patchable == 1 && o->abi == WI_ABI_OBSERVE_SDK)
    return usage_error("%s", "--patchable needs the default ABI (its ids index the muted-sites table)");
  o->patchable = patchable == 1 || (patchable == -1 && production && o->abi == WI_ABI_DEFAULT);
  if (!o->input) return usage_error("%s", "no input file");
  /* Calls alone cannot tell a short function from a long one. */
  if (o->from_profile && !o->profile_times)
    return usage_error("%s", "--from-profile needs --profile-times FILE too: the --folded self "
                       "times written in the same run as the call counts");
  if (!o->from_profile && o->profile_times)
    return usage_error("%s", "--profile-times goes with --from-profile FILE (the call counts)");
  if (!o->from_profile && profile_knob)
    return usage_error("%s applies to --from-profile, which is not given", profile_knob);
  /* Only wasi-otel's guest shim times spans, so only it mutes. */
  o->guest_mute_given = guest_knob != NULL;
  if (guest_knob && o->link_given && o->link != WI_LINK_WASI_OTEL)
    return usage_error("%s applies to --link wasi-otel (the guest shim that times spans)", guest_knob);
  if (o->list && (o->output || o->emit_text))
    return usage_error("%s", "--list writes no module: drop -o and -S");
  if (!o->list && !o->output && !o->emit_text)
    return usage_error("%s", "no output: give -o FILE (or -o - for stdout), -S or --list");
  return WI_OPTIONS_RUN;
}

void wi_options_free(wi_options *o) {
  free(o->includes);
  free(o->excludes);
  o->includes = o->excludes = NULL;
}
