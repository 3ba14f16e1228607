/* traced-run's OTLP/HTTP settings from its options and the standard
 * OpenTelemetry environment variables (the options win), by the rules of the
 * Node host (runtime-shim/node/otlp-env.mjs):
 *
 *   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT   used as is (but, as with --otlp, a URL
 *                                        with no path gets /v1/traces: the Node
 *                                        host posts to "/" then)
 *   OTEL_EXPORTER_OTLP_ENDPOINT          a base URL: "v1/traces" is added to its path
 *   OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL http/protobuf (default) or http/json
 *   OTEL_EXPORTER_OTLP_[TRACES_]HEADERS  "name=value,...", values %-encoded; the
 *                                        generic list, then the traces one, then
 *                                        --otlp-header: a later name wins
 *   OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT  ms per request (and for the last flush) */
#ifndef TRACED_RUN_OTEL_ENV_H
#define TRACED_RUN_OTEL_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  char *endpoint;    /* NULL: no OTLP/HTTP at all */
  bool json;         /* http/json, else http/protobuf */
  char **headers;    /* "Name: value" strings, NULL-terminated (never NULL itself) */
  size_t header_count;
  uint32_t timeout_ms; /* 0: the exporter's default */
} otel_settings;

/* Fills *out from the options (url: --otlp, may be NULL; protocol: NULL or
 * "http/protobuf" / "http/json"; option_headers: --otlp-header "Name=value"
 * strings) and the environment. Returns false with a one-line reason in `why`
 * (a bad variable or value, out of memory); *out then holds nothing to free.
 * Everything in *out is owned by it: otel_settings_free. */
bool otel_settings_read(const char *url, const char *protocol, char *const *option_headers,
                        size_t option_header_count, otel_settings *out, char *why, size_t why_size);
void otel_settings_free(otel_settings *s);

#endif
