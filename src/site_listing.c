#include "site_listing.h"

#include <inttypes.h>
#include <string.h>

#include "expr_children.h"
#include "huge_pages.h"
#include "job_report.h"

void wi_write_site_list(FILE *out, const wi_instrument *ctx, uint32_t first_id) {
  fprintf(out, "# id\tkind\tsize\tname\tsymbol\n");
  for (size_t i = 0; i < ctx->sites.count; i++) {
    const wi_site *s = &ctx->sites.items[i];
    fprintf(out, "%zu\t%s\t%u\t%s\t%s\n", first_id + i, wi_site_kind_name(s->kind),
            s->kind == WI_SITE_FUNCTION ? s->body_size : 0, s->display,
            s->symbol[0] && strcmp(s->symbol, s->display) != 0 ? s->symbol : "");
  }
  /* --from-profile's floor: the functions kept for their share of the run */
  for (uint32_t i = 0; ctx->from_profile && i < ctx->func_count; i++) {
    const wi_function_info *f = &ctx->funcs[i];
    if (!f->profile_kept || !f->selected) continue;
    fprintf(out,
            "# kept %s: %.2f%% of the run inclusive, %" PRIu64
            " calls (--profile-keep-percent %g)\n",
            f->display, 100.0 * (double)f->profile_ns / (double)ctx->profile_total_ns,
            f->profile_calls, ctx->profile_keep_percent);
  }
  for (size_t i = 0; i < ctx->skip_count; i++) {
    const wi_skip *k = &ctx->skips[i];
    const wi_function_info *f = &ctx->funcs[k->input_index];
    if (k->kind == WI_SKIP_SMALL)
      fprintf(out, "# skipped %s: %u instructions, no loop (--min-instructions %u)\n",
              f->display, k->instructions, ctx->min_instructions);
    else if (k->kind == WI_SKIP_PROFILE)
      fprintf(out,
              "# skipped %s: %" PRIu64 " calls, mean %.1f ns (--from-profile: at least %" PRIu64
              " calls, mean under %" PRIu64 " ns)\n",
              f->display, f->profile_calls, (double)f->profile_ns / (double)f->profile_calls,
              ctx->profile_min_calls, ctx->profile_below_ns);
    else
      fprintf(out, "# skipped %s: %s (%s)\n", f->display, k->reason,
              wi_expr_kind_name(k->opaque_id));
  }
}

static double percent(size_t before, size_t after) {
  return before ? 100.0 * ((double)after - (double)before) / (double)before : 0.0;
}

void wi_report_stats(FILE *report, const char *file, const wi_instrument *ctx,
                     const wi_size_and_time *m) {
  const wi_stats *s = &ctx->stats;
  wi_report_say(report,
                "wasm-instrument: stats: %s: %u defined functions: %u instrumented, %u not "
                "selected, %u skipped",
                file, s->functions_seen, s->functions_hooked, s->functions_not_selected,
                s->functions_uninspectable + s->functions_small + s->functions_profiled_out);
  if (s->functions_small)
    wi_report_say(report,
                  "wasm-instrument: stats: %s: skipped %u functions of fewer than %u instructions "
                  "with no loop (--min-instructions)",
                  file, s->functions_small, ctx->min_instructions);
  if (ctx->from_profile)
    wi_report_say(report,
                  "wasm-instrument: stats: %s: skipped %u functions called at least %" PRIu64
                  " times for a mean under %" PRIu64 " ns (--from-profile)",
                  file, s->functions_profiled_out, ctx->profile_min_calls, ctx->profile_below_ns);
  if (s->functions_kept_small)
    wi_report_say(report,
                  "wasm-instrument: stats: %s: kept %u functions under --min-instructions for "
                  "their share of the profiled run (--profile-keep-percent %g)",
                  file, s->functions_kept_small, ctx->profile_keep_percent);
  for (size_t i = 0; i < ctx->skip_count; i++) {
    const wi_skip *k = &ctx->skips[i];
    if (k->kind != WI_SKIP_OPAQUE) continue; /* counted above */
    wi_report_say(report, "wasm-instrument: stats: %s: skipped %s: %s (%s)", file,
                  ctx->funcs[k->input_index].display, k->reason, wi_expr_kind_name(k->opaque_id));
  }
  wi_report_say(report,
                "wasm-instrument: stats: %s: %zu sites; %u imports and %u exports wrapped; "
                "%u tail calls; %u memory.grow hooks; %u functions given extra locals",
                file, ctx->sites.count, s->imports_wrapped, s->exports_wrapped, s->tail_calls,
                s->memory_grows_hooked, s->functions_rebuilt);
  if (s->exports_shared)
    wi_report_say(report,
                  "wasm-instrument: stats: %s: %u export wrappers call one of %u shared entries",
                  file, s->exports_shared, s->shared_entries);
  if (s->invokes_repaired || s->exports_glue)
    wi_report_say(report,
                  "wasm-instrument: stats: %s: emscripten glue, no spans: %u invoke_* imports "
                  "given stack repair, %u runtime exports left unwrapped; %u functions cannot "
                  "throw, their hooks uncounted",
                  file, s->invokes_repaired, s->exports_glue, s->frames_uncounted);
  if (ctx->hooks.muted_table)
    wi_report_say(report,
                  "wasm-instrument: stats: %s: patchable: %u functions check their slot in the "
                  "exported table " WI_MUTED_SITES_EXPORT " (%u slots)",
                  file, s->functions_hooked, ctx->hooks.muted_slots);
  else if (ctx->patchable)
    wi_report_say(report, "wasm-instrument: stats: %s: no muted-sites table: no function instrumented", file);
  if (ctx->exceptions)
    wi_report_say(report,
                  "wasm-instrument: stats: %s: exception guards: %u placed, %u skipped (cannot "
                  "throw); throw analysis: %u of %u defined functions cannot throw, %.1f ms",
                  file, s->guards_placed, s->guards_skipped, ctx->throws.unable, s->functions_seen,
                  ctx->throws.ms);
  wi_report_say(report,
                "wasm-instrument: stats: %s: Binaryen reader workarounds: %u functions' locals "
                "coalesced, %u functions' typed-reference locals made funcref",
                file, s->locals_coalesced, s->locals_untyped);
  wi_report_say(report, "wasm-instrument: stats: %s: size %zu -> %zu bytes (%+.1f%%)", file,
                m->input_size, m->output_size, percent(m->input_size, m->output_size));
  if (m->input_code_size && m->output_code_size)
    wi_report_say(report, "wasm-instrument: stats: %s: code section %zu -> %zu bytes (%+.1f%%)",
                  file, m->input_code_size, m->output_code_size,
                  percent(m->input_code_size, m->output_code_size));
  wi_report_say(report,
                "wasm-instrument: stats: %s: time: read %.1f ms, instrument %.1f ms, validate "
                "%.1f ms, write %.1f ms%s",
                file, m->read_ms, m->instrument_ms, m->validate_ms, m->write_ms,
                wi_huge_pages_asked() ? " (huge pages asked of malloc)" : "");
}
