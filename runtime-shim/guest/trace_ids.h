/* Trace and span ids for wasi-otel: a splitmix64 generator seeded once from
 * the host's random source, and lowercase hex (what wasi:otel carries). */
#ifndef WI_GUEST_TRACE_IDS_H
#define WI_GUEST_TRACE_IDS_H

#include <stdint.h>

void trace_ids_seed(uint64_t seed);
/* 16 lowercase hex digits of a random non-zero 64-bit id. */
void trace_ids_new_span(char out[16]);
/* 32 lowercase hex digits of a random non-zero 128-bit id. */
void trace_ids_new_trace(char out[32]);
/* 1 when [text, text + len) is exactly `digits` lowercase hex digits, not all
 * zero (a valid W3C trace or span id). */
int trace_ids_valid(const char *text, uint32_t len, uint32_t digits);

#endif
