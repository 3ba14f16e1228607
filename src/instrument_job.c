#include "instrument_job.h"

#include <binaryen-c.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exit_codes.h"
#include "file_io.h"
#include "function_names.h"
#include "instrument.h"
#include "job_report.h"
#include "module_scan.h"
#include "name_section.h"
#include "output_names.h"
#include "producers.h"
#include "profile_selection.h"
#include "site_listing.h"
#include "table_exports.h"
#include "component_job.h"
#include "element_segments.h"

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* A text module starts, after blanks and comments, with '('. */
static bool looks_like_text(const uint8_t *data, size_t size) {
  for (size_t i = 0; i < size; i++) {
    if (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') continue;
    if (data[i] == ';' && i + 1 < size && data[i + 1] == ';') {
      while (i < size && data[i] != '\n') i++;
      continue;
    }
    return data[i] == '(';
  }
  return false;
}

/* Turns a text module into a binary with a name section, so that both inputs
 * take one path. Binaryen ends the process on a parse error; the sandbox
 * reports it. */
static uint8_t *text_to_binary(const uint8_t *text, size_t *size) {
  BinaryenModuleRef m = BinaryenModuleParse((const char *)text);
  BinaryenModuleSetFeatures(m, BinaryenFeatureAll());
  BinaryenModuleAllocateAndWriteResult r = BinaryenModuleAllocateAndWrite(m, NULL);
  free(r.sourceMap);
  uint8_t *fixed = wi_fix_table_exports(m, r.binary, r.binaryBytes, size);
  BinaryenModuleDispose(m);
  free(r.binary);
  return fixed;
}

typedef struct {
  const wi_module_task *task;
  FILE *report;
  FILE *listing;
  const char *file;
  wi_module_scan scan;
  uint8_t *converted; /* binary made from a text input */
  const uint8_t *input; /* the input binary (the caller's, or `converted`) */
  size_t input_size;
  BinaryenModuleRef module;
  BinaryenFeatures input_features; /* what the input's target_features declared */
  wi_input_counts input_counts;    /* its tables, globals and element segments */
  wi_module_names names;
  wi_instrument ctx;
  wi_size_and_time measures;
  wi_profile_match profile_match; /* --from-profile */
} job_state;

static void job_state_free(job_state *s) {
  wi_instrument_free(&s->ctx);
  wi_module_names_free(&s->names);
  /* Freeing a giant module's IR node by node takes about 1% of its run. */
  if (s->module && !s->task->process_ends) BinaryenModuleDispose(s->module);
  wi_scan_free(&s->scan);
  free(s->converted);
}

static int fail(job_state *s, int code, bool detail, const char *message) {
  wi_report_fail(s->report, code, detail, "wasm-instrument: error: %s: %s", s->file, message);
  return code;
}

static int scan_input(job_state *s, const uint8_t *data, size_t size) {
  char why[256];
  wi_report_phase(s->report, "scanning");
  int rc = wi_scan_module(data, size, &s->scan, why, sizeof why);
  if (rc == WI_SCAN_NO_MEMORY) return fail(s, WI_EXIT_INTERNAL, false, why);
  if (rc != WI_SCAN_OK) return fail(s, WI_EXIT_BAD_INPUT, false, why);
  if (s->scan.is_relocatable)
    return fail(s, WI_EXIT_BAD_INPUT, false,
                "a relocatable object file (it has a linking section): instrument the linked "
                "module instead");
  if (s->scan.already_instrumented)
    return fail(s, WI_EXIT_BAD_INPUT, false,
                "already instrumented (it has a wasm-instrument site table or hook imports)");
  if (s->scan.debug_section_count > 0)
    wi_report_say(s->report,
                  "wasm-instrument: warning: %s: removed %zu debug info section(s) (DWARF, "
                  "source map URL): their code offsets would be wrong after instrumenting",
                  s->file, s->scan.debug_section_count);
  return 0;
}

/* Binaryen's module of the input without its debug and producers sections.
 * The stripped copy is freed once read: on a giant module it is tens of MB
 * that the rest of the run does not need; with nothing to strip, Binaryen
 * reads the input itself (it makes its own copy). NULL when out of memory. */
static BinaryenModuleRef read_stripped(job_state *s) {
  if (!wi_strip_changes(&s->scan, true, true))
    return BinaryenModuleRead((char *)s->input, s->input_size);
  size_t size;
  uint8_t *stripped = wi_strip_custom_sections(s->input, s->input_size, &s->scan, true, true, &size);
  if (!stripped) return NULL;
  BinaryenModuleRef module = BinaryenModuleRead((char *)stripped, size);
  free(stripped);
  return module;
}

static int read_module(job_state *s) {
  wi_report_phase(s->report, "reading");
  double t0 = now_ms();
  s->module = read_stripped(s);
  s->measures.read_ms = now_ms() - t0;
  if (!s->module) return fail(s, WI_EXIT_INTERNAL, false, "out of memory");
  s->input_counts = wi_count_input_elements(s->module);
  return 0;
}

/* Runs Binaryen's validator; with `quiet`, its messages go nowhere. */
static bool binaryen_validates(BinaryenModuleRef module, bool quiet) {
  int saved_out = -1, saved_err = -1, null_fd = -1;
  if (quiet) {
    fflush(NULL);
    saved_out = dup(STDOUT_FILENO);
    saved_err = dup(STDERR_FILENO);
    null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null_fd >= 0) {
      dup2(null_fd, STDOUT_FILENO);
      dup2(null_fd, STDERR_FILENO);
      close(null_fd);
    }
  }
  bool valid = BinaryenModuleValidate(module);
  if (quiet) {
    fflush(NULL);
    if (saved_out >= 0) {
      dup2(saved_out, STDOUT_FILENO);
      close(saved_out);
    }
    if (saved_err >= 0) {
      dup2(saved_err, STDERR_FILENO);
      close(saved_err);
    }
  }
  return valid;
}

/* Validating is as costly as reading, so it is done once, on the output.
 * Only when the output fails is the input read again and validated, to tell
 * a bad input (exit 1) from a bug of ours (exit 3); Binaryen's first message
 * then goes into the one-line error. */
static int validate_output(job_state *s) {
  if (!s->task->options->validate) return 0;
  wi_report_phase(s->report, "validating output");
  double t0 = now_ms();
  bool valid = binaryen_validates(s->module, true);
  s->measures.validate_ms = now_ms() - t0;
  if (valid) return 0;
  wi_report_phase(s->report, "validating input");
  BinaryenModuleRef input = read_stripped(s);
  if (!input) return fail(s, WI_EXIT_INTERNAL, false, "out of memory");
  BinaryenModuleSetFeatures(input, BinaryenFeatureAll());
  bool input_valid = binaryen_validates(input, false);
  BinaryenModuleDispose(input);
  if (!input_valid) return fail(s, WI_EXIT_BAD_INPUT, true, "the input module is not valid");
  binaryen_validates(s->module, false);
  return fail(s, WI_EXIT_INTERNAL, true,
              "the instrumented module does not validate (a bug in wasm-instrument)");
}

static bool use_exceptions(const job_state *s) {
  switch (s->task->options->exceptions) {
    case WI_EH_ON: return true;
    case WI_EH_OFF: return false;
    case WI_EH_AUTO: break;
  }
  return s->scan.uses_exceptions;
}

/* --from-profile: marks the functions the rule leaves out. A profile that
 * names none of the module's functions is another module's: an error, since
 * the build it asked for would silently keep every span. */
static int select_from_profile(job_state *s) {
  const wi_options *o = s->task->options;
  wi_profile_rule rule = {o->profile_min_calls, o->profile_below_ns, o->profile_keep_percent};
  wi_profile_match *m = &s->profile_match;
  if (wi_profile_select(s->task->profile, &rule, &s->names, s->scan.imported_funcs, m) != 0)
    return fail(s, WI_EXIT_INTERNAL, false, "out of memory");
  if (m->matched + m->ambiguous == 0) {
    wi_report_fail(s->report, WI_EXIT_BAD_INPUT, false,
                   "wasm-instrument: error: %s: none of its %zu functions is a function of %s "
                   "(a profile of another module?)",
                   o->from_profile, m->profile_functions, s->file);
    return WI_EXIT_BAD_INPUT;
  }
  if (m->unmatched > 0)
    wi_report_say(s->report,
                  "wasm-instrument: warning: %s: %zu of its %zu functions are not in %s (a "
                  "profile of another build?); they are ignored",
                  o->from_profile, m->unmatched, m->profile_functions, s->file);
  return 0;
}

static int instrument(job_state *s) {
  const wi_options *o = s->task->options;
  int rc = wi_describe_functions(s->module, &s->scan, s->task->filter, &s->names);
  if (rc == -2)
    return fail(s, WI_EXIT_INTERNAL, false,
                "Binaryen's function count differs from the module's (internal error)");
  if (rc != 0) return fail(s, WI_EXIT_INTERNAL, false, "out of memory");
  if (!o->hook_functions) /* --no-functions: the filter still picks imports and exports */
    for (uint32_t i = s->scan.imported_funcs; i < s->names.func_count; i++)
      s->names.funcs[i].selected = false;
  if (s->task->profile && (rc = select_from_profile(s)) != 0) return rc;
  wi_instrument *ctx = &s->ctx;
  ctx->module = s->module;
  ctx->funcs = s->names.funcs;
  ctx->func_count = s->names.func_count;
  ctx->exports = s->names.exports;
  ctx->export_count = s->names.export_count;
  ctx->start_index = s->scan.has_start ? (int32_t)s->scan.start_index : -1;
  ctx->abi = o->abi;
  ctx->exceptions = use_exceptions(s);
  ctx->hook_imports = o->hook_imports;
  ctx->hook_exports = o->hook_exports;
  ctx->first_site_id = s->task->first_site_id;
  ctx->quiet_exports = s->task->quiet_exports;
  ctx->quiet_export_count = s->task->quiet_export_count;
  ctx->site_table_section = !s->task->in_component;
  ctx->min_instructions = o->min_instructions;
  /* components: their hosts reach the hooks through the guest shim or WIT,
   * which have no way to the table yet (the ABI is checked with the options) */
  ctx->patchable = o->patchable && !s->task->in_component;
  ctx->from_profile = s->task->profile != NULL;
  ctx->profile_min_calls = o->profile_min_calls;
  ctx->profile_below_ns = o->profile_below_ns;
  ctx->profile_keep_percent = o->profile_keep_percent;
  ctx->profile_total_ns = s->task->profile ? wi_profile_total_ns(s->task->profile) : 0;
  /* A second table (the shared export entries') needs reference types: where
   * the input declares its features, only if they include them; where it does
   * not, only if it uses exception handling, which every engine that has it
   * runs alongside reference types (otherwise its exports keep a wrapper each). */
  ctx->may_add_table = s->scan.has_target_features
                           ? (s->input_features & BinaryenFeatureReferenceTypes()) != 0
                           : s->scan.uses_exceptions;
  ctx->untyped_references = !s->scan.uses_typed_references &&
                            !(s->input_features & (BinaryenFeatureGC() |
                                                   BinaryenFeatureTypedFunctionReferences()));
  wi_report_phase(s->report, "instrumenting");
  double t0 = now_ms();
  rc = wi_instrument_run(ctx);
  s->measures.instrument_ms = now_ms() - t0;
  if (rc != 0) return fail(s, WI_EXIT_INTERNAL, false, ctx->error);

  int malformed;
  size_t size;
  uint8_t *producers = wi_producers_add_self(s->scan.producers, s->scan.producers_size, &size,
                                             &malformed);
  if (!producers) return fail(s, WI_EXIT_INTERNAL, false, "out of memory");
  if (malformed)
    wi_report_say(s->report, "wasm-instrument: warning: %s: replaced a malformed producers section",
                  s->file);
  BinaryenAddCustomSection(s->module, "producers", (const char *)producers, (BinaryenIndex)size);
  free(producers);
  return 0;
}

/* Binaryen's binary of the module, with the fix-ups: the function names, the
 * table exports' indices, the element segments' items (redirected to the
 * import wrappers; *redirected tells whether any was). NULL with a message. */
static uint8_t *encode_binary(job_state *s, size_t *out_size, bool *redirected,
                              const char **error) {
  /* Binaryen writes the name section only where ours needs its (output_names.h). */
  wi_added_names added;
  bool own_names = wi_collect_added_names(s->module, &s->scan, &s->input_counts, &added);
  bool debug_info = BinaryenGetDebugInfo();
  BinaryenSetDebugInfo(debug_info && !own_names);
  BinaryenModuleAllocateAndWriteResult r = BinaryenModuleAllocateAndWrite(s->module, NULL);
  BinaryenSetDebugInfo(debug_info);
  free(r.sourceMap);
  size_t size;
  uint8_t *binary =
      own_names ? wi_insert_name_section(r.binary, r.binaryBytes, s->ctx.output_names,
                                         s->ctx.output_name_count, added.subsections, 3, &size)
                : wi_replace_function_names(r.binary, r.binaryBytes, s->ctx.output_names,
                                            s->ctx.output_name_count, &size);
  wi_added_names_free(&added);
  free(r.binary);
  *redirected = false;
  if (!binary) {
    *error = "cannot rewrite the name section";
    return NULL;
  }
  uint8_t *fixed = wi_fix_table_exports(s->module, binary, size, &size);
  free(binary);
  if (!fixed) {
    *error = "cannot rewrite the export section";
    return NULL;
  }
  if (s->ctx.element_redirect_count > 0) {
    uint8_t *redirect = wi_redirect_element_items(fixed, size, s->ctx.element_redirects,
                                                  s->ctx.element_redirect_count,
                                                  s->ctx.declare_redirected, redirected, &size);
    free(fixed);
    fixed = redirect;
    if (!fixed) {
      *error = "cannot rewrite the element section";
      return NULL;
    }
  }
  *out_size = size;
  return fixed;
}

/* The text format of the output. Binaryen's module does not hold the element
 * segments' redirected items; when there are any, the text is that of the
 * output binary read back. */
static char *encode_text(job_state *s, const char **error) {
  if (s->ctx.element_redirect_count == 0) return BinaryenModuleAllocateAndWriteText(s->module);
  size_t size;
  bool redirected;
  uint8_t *binary = encode_binary(s, &size, &redirected, error);
  if (!binary) return NULL;
  if (!redirected) {
    free(binary);
    return BinaryenModuleAllocateAndWriteText(s->module);
  }
  BinaryenModuleRef output = BinaryenModuleRead((char *)binary, size);
  free(binary);
  char *text = BinaryenModuleAllocateAndWriteText(output);
  BinaryenModuleDispose(output);
  return text;
}

/* Encodes the output (or the listing, or the text format) into s->result. */
static int write_output(job_state *s, wi_module_result *out) {
  const wi_options *o = s->task->options;
  wi_report_phase(s->report, "writing");
  double t0 = now_ms();
  if (s->task->in_component) {
    out->site_table = wi_site_table_encode(&s->ctx.sites, &out->site_table_size);
    if (!out->site_table) return fail(s, WI_EXIT_INTERNAL, false, "out of memory");
  }
  out->site_count = (uint32_t)s->ctx.sites.count;
  const char *error = "out of memory";
  if (o->list) {
    if (s->listing) wi_write_site_list(s->listing, &s->ctx, s->task->first_site_id);
  } else if (o->emit_text) {
    char *text = encode_text(s, &error);
    if (!text) return fail(s, WI_EXIT_INTERNAL, false, error);
    s->measures.output_size = strlen(text);
    out->bytes = (uint8_t *)text;
    out->size = s->measures.output_size;
  } else {
    size_t size;
    bool redirected;
    uint8_t *fixed = encode_binary(s, &size, &redirected, &error);
    if (!fixed) return fail(s, WI_EXIT_INTERNAL, false, error);
    s->measures.output_size = size;
    if (o->stats) {
      wi_module_scan out_scan;
      char why[128];
      if (wi_scan_module(fixed, size, &out_scan, why, sizeof why) == WI_SCAN_OK)
        s->measures.output_code_size = out_scan.code_section_size;
      wi_scan_free(&out_scan);
    }
    out->bytes = fixed;
    out->size = size;
  }
  s->measures.write_ms = now_ms() - t0;
  return 0;
}

void wi_module_result_free(wi_module_result *r) {
  free(r->bytes);
  free(r->site_table);
  memset(r, 0, sizeof *r);
}

int wi_instrument_module(const wi_module_task *task, const uint8_t *data, size_t size,
                         FILE *report, FILE *listing, wi_module_result *out) {
  memset(out, 0, sizeof *out);
  job_state s = {.task = task, .report = report, .listing = listing, .file = task->label};
  if (!(size >= 4 && memcmp(data, "\0asm", 4) == 0) && looks_like_text(data, size)) {
    wi_report_phase(report, "parsing text");
    /* The input buffer ends with a NUL byte (wi_read_all). */
    s.converted = text_to_binary(data, &size);
    if (!s.converted) return fail(&s, WI_EXIT_INTERNAL, false, "out of memory");
    data = s.converted;
  }
  s.measures.input_size = size;
  s.input = data;
  s.input_size = size;
  int rc = scan_input(&s, data, size);
  if (rc == 0) rc = read_module(&s);
  if (rc == 0) {
    s.measures.input_code_size = s.scan.code_section_size;
    BinaryenFeatures input_features = BinaryenModuleGetFeatures(s.module);
    s.input_features = input_features;
    /* The reader accepts every opcode but records only the target_features
     * section's features; validate and rewrite with all of them on. */
    BinaryenModuleSetFeatures(s.module, BinaryenFeatureAll());
    rc = instrument(&s);
    if (rc == 0 && s.scan.has_target_features) {
      /* Declare what the input declared, plus exception handling if we added
       * it; with exceptions on, even where no guard was placed: the input's
       * tags need the feature, which its target_features may fail to name. */
      BinaryenFeatures added = s.ctx.exceptions ? BinaryenFeatureExceptionHandling() : 0;
      /* A second table (the shared export entries') needs reference types. */
      if (s.ctx.added_table) added |= BinaryenFeatureReferenceTypes();
      BinaryenModuleSetFeatures(s.module, input_features | added);
    }
    if (rc == 0) rc = validate_output(&s);
    if (rc == 0 && !s.scan.has_target_features) {
      /* Nothing says which features the module uses, so it was validated with
       * all of them; but the writer adds a DataCount section whenever bulk
       * memory is on, which engines without bulk memory reject. */
      BinaryenFeatures features = BinaryenFeatureAll();
      if (!s.scan.has_data_count) features &= ~BinaryenFeatureBulkMemory();
      BinaryenModuleSetFeatures(s.module, features);
    }
    if (rc == 0) rc = write_output(&s, out);
    if (rc == 0 && task->options->stats) {
      wi_report_stats(report, s.file, &s.ctx, &s.measures);
      if (task->profile)
        wi_report_say(report,
                      "wasm-instrument: stats: %s: profile %s: %u functions found in it (%u kept "
                      "as their name is shared), %zu of its %zu functions not in the module",
                      s.file, task->options->from_profile, s.profile_match.matched,
                      s.profile_match.ambiguous, s.profile_match.unmatched,
                      s.profile_match.profile_functions);
      if (task->profile && task->options->profile_keep_percent > 0)
        wi_report_say(report,
                      "wasm-instrument: stats: %s: profile %s: %u functions hold at least %g%% "
                      "of the run inclusive and are kept (--profile-keep-percent)",
                      s.file, task->options->from_profile, s.profile_match.kept,
                      task->options->profile_keep_percent);
    }
  }
  if (rc != 0) wi_module_result_free(out);
  job_state_free(&s);
  return rc;
}

int wi_run_job(void *arg, FILE *report) {
  wi_job *job = arg;
  BinaryenSetDebugInfo(true); /* keeps the name section */
  BinaryenSetColorsEnabled(false);
  if (wi_is_component(job->input, job->input_size)) {
    if (job->profile) {
      wi_report_fail(report, WI_EXIT_BAD_INPUT, false,
                     "wasm-instrument: error: %s: --from-profile applies to core modules; a "
                     "component is not supported yet", job->input_label);
      return WI_EXIT_BAD_INPUT;
    }
    return wi_run_component_job(job, report);
  }
  if (job->options->link_given || job->options->all_modules || job->options->guest_mute_given)
    wi_report_say(report, "wasm-instrument: warning: %s: --link, --all-modules and "
                  "--guest-mute-* apply to components; ignored for a core module", job->input_label);
  /* (this runs in the sandbox's child, which exits once the output is written) */
  wi_module_task task = {.options = job->options, .filter = job->filter,
                         .profile = job->profile, .label = job->input_label,
                         .process_ends = true};
  FILE *listing = NULL;
  if (job->options->list) {
    listing = fdopen(dup(job->output_fd), "w");
    if (!listing) {
      wi_report_fail(report, WI_EXIT_INTERNAL, false, "wasm-instrument: error: %s: %s",
                     job->input_label, "cannot write the listing");
      return WI_EXIT_INTERNAL;
    }
  }
  wi_module_result result;
  int rc = wi_instrument_module(&task, job->input, job->input_size, report, listing, &result);
  if (listing && fclose(listing) != 0 && rc == 0) {
    wi_report_fail(report, WI_EXIT_BAD_INPUT, false, "wasm-instrument: error: %s: %s",
                   job->input_label, "cannot write the listing");
    rc = WI_EXIT_BAD_INPUT;
  }
  if (rc == 0 && result.bytes && wi_write_all(job->output_fd, result.bytes, result.size) != 0) {
    wi_report_fail(report, WI_EXIT_BAD_INPUT, false, "wasm-instrument: error: %s: %s",
                   job->input_label, "cannot write the output");
    rc = WI_EXIT_BAD_INPUT;
  }
  wi_module_result_free(&result);
  return rc;
}
