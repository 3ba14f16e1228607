/* A host of libwasm-observe built from the installed files alone (through
 * pkg-config: tests/install/run.sh): reads an instrumented module's site
 * table, plays one call of every site, each inside the one before, and writes
 * the spans as OTLP/JSON lines and the profile as folded stacks.
 *
 *   host MODULE.wasm TRACE.jsonl PROFILE.folded
 *
 * Prints "sites N spans N" on stdout; exit 1 on any error. */
#include <stdio.h>
#include <wasm_observe.h>

int main(int argc, char **argv) {
  if (argc != 4) {
    fputs("usage: host MODULE.wasm TRACE.jsonl PROFILE.folded\n", stderr);
    return 2;
  }
  wo_sites *sites = NULL;
  wo_status rc = wo_sites_from_file(argv[1], &sites);
  if (rc != WO_OK) {
    fprintf(stderr, "host: %s: %s\n", argv[1], wo_status_message(rc));
    return 1;
  }
  wo_exporter exporter;
  rc = wo_exporter_otlp_json_lines(argv[2], NULL, &exporter);
  if (rc != WO_OK) {
    fprintf(stderr, "host: %s: %s\n", argv[2], wo_status_message(rc));
    wo_sites_free(sites);
    return 1;
  }
  wo_options options = {.record = WO_RECORD_SPANS | WO_RECORD_PROFILE, .service_name = "install-test"};
  wo_recorder *recorder = NULL;
  rc = wo_recorder_new(&options, sites, &exporter, 1, &recorder);
  if (rc != WO_OK) {
    fprintf(stderr, "host: %s\n", wo_status_message(rc));
    wo_sites_free(sites);
    return 1;
  }
  uint32_t count = wo_sites_count(sites);
  for (uint32_t id = 0; id < count; id++) wo_enter(recorder, id);
  for (uint32_t id = count; id-- > 0;) wo_exit(recorder, id);
  rc = wo_recorder_finish(recorder);
  FILE *folded = fopen(argv[3], "w");
  if (rc != WO_OK || !folded || wo_profile_write_folded(wo_recorder_profile(recorder), folded) != WO_OK) {
    fprintf(stderr, "host: cannot write the trace or %s\n", argv[3]);
    return 1;
  }
  fclose(folded);
  wo_counters c = wo_recorder_counters(recorder);
  printf("sites %u spans %llu\n", count, (unsigned long long)c.spans_recorded);
  wo_recorder_free(recorder);
  wo_sites_free(sites);
  return 0;
}
