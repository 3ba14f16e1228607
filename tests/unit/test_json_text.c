/* Unit tests: the JSON text writers (runtime-shim/src/json_text.c), the
 * batch buffer (text_buffer.c), and the exact bytes of the OTLP/JSON lines and
 * Chrome trace exporters (export_otlp_json.c, export_chrome_trace.c). The
 * expected files were written by the exporters before they formatted into a
 * buffer (through stdio, a call per piece): the output must not change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json_text.h"
#include "text_buffer.h"
#include "wasm_observe.h"

/* The buffer's text as a NUL-terminated string (for assert_string_equal). */
static const char *text(wo_buf *b) {
  wo_buf_append(b, "", 1);
  b->size--;
  return b->data;
}

static void integers_match_printf(void **state) {
  (void)state;
  uint64_t values[64 * 3 + 3];
  size_t n = 0;
  uint64_t p = 1;
  for (int k = 0; k < 20; k++, p *= 10) { /* every length, at both of its ends */
    values[n++] = p - 1;
    values[n++] = p;
    values[n++] = p + 1;
  }
  values[n++] = UINT64_MAX;
  values[n++] = UINT64_MAX - 1;
  values[n++] = 1ULL << 63;
  for (size_t i = 0; i < n; i++) {
    wo_buf b = {0};
    char want[32];
    snprintf(want, sizeof want, "%" PRIu64, values[i]);
    wo_json_u64(&b, values[i]);
    assert_false(b.failed);
    assert_string_equal(text(&b), want);
    wo_buf_free(&b);
  }
}

static void micros_are_exact(void **state) {
  (void)state;
  const uint64_t values[] = {0, 1, 9, 999, 1000, 1001, 123456789, UINT64_MAX};
  for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
    wo_buf b = {0};
    char want[40];
    snprintf(want, sizeof want, "%" PRIu64 ".%03" PRIu64, values[i] / 1000, values[i] % 1000);
    wo_json_micros(&b, values[i]);
    assert_string_equal(text(&b), want);
    wo_buf_free(&b);
  }
}

static void hex_of_any_length(void **state) {
  (void)state;
  uint8_t bytes[21];
  for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = (uint8_t)(i * 37 + 0x0f);
  bytes[3] = 0x00;
  bytes[4] = 0xff;
  bytes[5] = 0x9a;
  for (size_t n = 0; n <= sizeof bytes; n++) {
    wo_buf b = {0};
    char want[64] = "";
    for (size_t i = 0; i < n; i++) snprintf(want + 2 * i, 3, "%02x", bytes[i]);
    wo_json_hex(&b, bytes, n);
    assert_int_equal(b.size, 2 * n);
    if (n) assert_string_equal(text(&b), want);
    wo_buf_free(&b);
  }
}

static void strings_are_escaped_and_valid_utf8(void **state) {
  (void)state;
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"", "\"\""},
      {"plain name_1", "\"plain name_1\""},
      {"q\"b\\", "\"q\\\"b\\\\\""},
      {"\x01\x1f\x7f\t\n", "\"\\u0001\\u001f\\u007f\\u0009\\u000a\""},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
       "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
      {"\xc0\xaf", "\"\\ufffd\\ufffd\""},             /* overlong */
      {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},     /* a surrogate */
      {"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""}, /* above U+10FFFF */
      {"a\xe2\x82", "\"a\\ufffd\\ufffd\""},              /* cut short at the end */
      {"\xff", "\"\\ufffd\""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    wo_buf b = {0};
    wo_json_string(&b, cases[i].in);
    assert_string_equal(text(&b), cases[i].out);
    /* The worst case fits the bound the cursor writers rely on. */
    assert_true(b.size <= wo_json_string_max(strlen(cases[i].in)));
    wo_buf_free(&b);
  }
  char worst[64];
  memset(worst, 0x01, sizeof worst - 1);
  worst[sizeof worst - 1] = 0;
  wo_buf b = {0};
  wo_json_string(&b, worst);
  assert_int_equal(b.size, wo_json_string_max(strlen(worst)));
  wo_buf_free(&b);
}

static void buffer_grows_clears_and_hands_over(void **state) {
  (void)state;
  wo_buf b = {0};
  for (int i = 0; i < 100000; i++) WO_BUF_LITERAL(&b, "0123456789");
  assert_false(b.failed);
  assert_int_equal(b.size, 1000000);
  assert_true(b.capacity >= b.size);
  for (size_t i = 0; i < b.size; i += 4999) assert_int_equal(b.data[i], '0' + (int)(i % 10));
  size_t capacity = b.capacity;
  wo_buf_clear(&b);
  assert_int_equal(b.size, 0);
  assert_int_equal(b.capacity, capacity); /* kept for the next batch */
  WO_BUF_LITERAL(&b, "abc");
  size_t size;
  char *data = wo_buf_take(&b, &size);
  assert_int_equal(size, 3);
  assert_memory_equal(data, "abc", 3);
  assert_null(b.data);
  assert_int_equal(b.size, 0);
  free(data);
  /* A size that cannot be represented fails and says so, and keeps the text. */
  WO_BUF_LITERAL(&b, "x");
  assert_null(wo_buf_reserve(&b, SIZE_MAX));
  assert_true(b.failed);
  assert_int_equal(b.size, 1);
  wo_buf_clear(&b);
  assert_false(b.failed);
  wo_buf_free(&b);
  assert_null(wo_buf_take(&b, &size));
  assert_int_equal(size, 0);
}

/* ---- the exporters' bytes ---- */

static const char expected_otlp_lines[] =
    "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"st"
    "ringValue\":\"svc \\\"one\\\"\"}},{\"key\":\"wasm.module.name\",\"value\":{\"stringValue\":"
    "\"app.wasm\"}},{\"key\":\"telemetry.sdk.name\",\"value\":{\"stringValue\":\"wasm-observe\"}}"
    ",{\"key\":\"telemetry.sdk.language\",\"value\":{\"stringValue\":\"cpp\"}}]},\"scopeSpans\":["
    "{\"scope\":{\"name\":\"wasm-instrument\",\"version\":\"0.1.0\"},\"spans\":[{\"traceId\":\"00"
    "112233445566778899aabbccddeeff\",\"spanId\":\"a0a1a2a3a4a5a6a7\",\"parentSpanId\":\"ffffffff"
    "ffffffff\",\"name\":\"env.log\",\"kind\":3,\"startTimeUnixNano\":\"18446744073709551615\",\""
    "endTimeUnixNano\":\"18446744073709551615\",\"attributes\":[{\"key\":\"code.function.name\","
    "\"value\":{\"stringValue\":\"env.log\"}},{\"key\":\"wasm.function.index\",\"value\":{\"intVa"
    "lue\":\"0\"}},{\"key\":\"wasm.import.module\",\"value\":{\"stringValue\":\"env\"}},{\"key\":"
    "\"wasm.import.name\",\"value\":{\"stringValue\":\"lo\\ufffdg\\ufffd\\ufffd\\ufffd\\ufffd\\uf"
    "ffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"}},{\"key\":\"thread.id\",\"value\":{\"intVal"
    "ue\":\"4294967295\"}}],\"status\":{\"code\":2,\"message\":\"unwound: the span did not end th"
    "rough its exit\"}},{\"traceId\":\"00112233445566778899aabbccddeeff\",\"spanId\":\"a0a1a2a3a4"
    "a5a60f\",\"parentSpanId\":\"00ffffffffffffff\",\"name\":\"ns::f<\\\"q\\\"\\\\>\\u0001\\u007f"
    " caf\303\251 \342\202\254 \360\237\230\200\",\"kind\":1,\"startTimeUnixNano\":\"100000000000"
    "0000000\",\"endTimeUnixNano\":\"9999999999999999999\",\"attributes\":[{\"key\":\"code.functi"
    "on.name\",\"value\":{\"stringValue\":\"ns::f<\\\"q\\\"\\\\>\\u0001\\u007f caf\303\251 \342"
    "\202\254 \360\237\230\200\"}},{\"key\":\"wasm.function.index\",\"value\":{\"intValue\":\"429"
    "4967295\"}},{\"key\":\"wasm.function.symbol\",\"value\":{\"stringValue\":\"_ZN2ns1fE\"}},{\""
    "key\":\"thread.id\",\"value\":{\"intValue\":\"10\"}}],\"status\":{\"code\":0}},{\"traceId\":"
    "\"00000000000000000000000000000001\",\"spanId\":\"0100000000000000\",\"name\":\"main\",\"kin"
    "d\":2,\"startTimeUnixNano\":\"0\",\"endTimeUnixNano\":\"9\",\"attributes\":[{\"key\":\"code."
    "function.name\",\"value\":{\"stringValue\":\"main\"}},{\"key\":\"wasm.function.index\",\"val"
    "ue\":{\"intValue\":\"7\"}},{\"key\":\"wasm.export.name\",\"value\":{\"stringValue\":\"_start"
    "\"}},{\"key\":\"thread.id\",\"value\":{\"intValue\":\"0\"}}],\"status\":{\"code\":0}}]}]}]}"
    "\n{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\""
    "stringValue\":\"svc\"}},{\"key\":\"telemetry.sdk.name\",\"value\":{\"stringValue\":\"wasm-ob"
    "serve\"}},{\"key\":\"telemetry.sdk.language\",\"value\":{\"stringValue\":\"cpp\"}}]},\"scope"
    "Spans\":[{\"scope\":{\"name\":\"wasm-instrument\",\"version\":\"0.1.0\"},\"spans\":[{\"trace"
    "Id\":\"00000000000000000000000000000001\",\"spanId\":\"0100000000000000\",\"name\":\"main\","
    "\"kind\":2,\"startTimeUnixNano\":\"0\",\"endTimeUnixNano\":\"9\",\"attributes\":[{\"key\":\""
    "code.function.name\",\"value\":{\"stringValue\":\"main\"}},{\"key\":\"wasm.function.index\","
    "\"value\":{\"intValue\":\"7\"}},{\"key\":\"wasm.export.name\",\"value\":{\"stringValue\":\"_"
    "start\"}},{\"key\":\"thread.id\",\"value\":{\"intValue\":\"0\"}}],\"status\":{\"code\":0}}]}"
    "]}]}\n{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\""
    ":{\"stringValue\":\"svc\"}},{\"key\":\"telemetry.sdk.name\",\"value\":{\"stringValue\":\"was"
    "m-observe\"}},{\"key\":\"telemetry.sdk.language\",\"value\":{\"stringValue\":\"cpp\"}}]},\"s"
    "copeSpans\":[{\"scope\":{\"name\":\"wasm-instrument\",\"version\":\"0.1.0\"},\"spans\":[]}]}"
    "]}\n";

static const char expected_chrome_trace[] =
    "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n{\"name\":\"env.log\",\"cat\":\"import\",\"ph"
    "\":\"X\",\"ts\":18446744073709551.610,\"dur\":0.000,\"pid\":1,\"tid\":4294967295,\"args\":{"
    "\"function_index\":0,\"status\":\"unwound\"}},\n{\"name\":\"ns::f<\\\"q\\\"\\\\>\\u0001\\u00"
    "7f caf\303\251 \342\202\254 \360\237\230\200\",\"cat\":\"function\",\"ph\":\"X\",\"ts\":9999"
    "99999999999.995,\"dur\":8999999999999999.999,\"pid\":1,\"tid\":10,\"args\":{\"function_index"
    "\":4294967295}},\n{\"name\":\"main\",\"cat\":\"export\",\"ph\":\"X\",\"ts\":0.000,\"dur\":0."
    "009,\"pid\":1,\"tid\":0,\"args\":{\"function_index\":7}},\n{\"name\":\"ns::f<\\\"q\\\"\\\\>"
    "\\u0001\\u007f caf\303\251 \342\202\254 \360\237\230\200\",\"cat\":\"function\",\"ph\":\"X\""
    ",\"ts\":999999999999999.995,\"dur\":8999999999999999.999,\"pid\":1,\"tid\":10,\"args\":{\"fu"
    "nction_index\":4294967295}}\n]}\n";

static char *read_all(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  char *data = malloc(1 << 16);
  *size = fread(data, 1, 1 << 16, f);
  fclose(f);
  return data;
}

static void exporters_write_the_same_bytes(void **state) {
  (void)state;
  wo_site sites[3] = {
      {WO_SITE_EXPORT, 7, "main", "", "", "_start"},
      {WO_SITE_FUNCTION, 4294967295u,
       "ns::f<\"q\"\\>\x01\x7f caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "_ZN2ns1fE", "", ""},
      {WO_SITE_IMPORT, 0, "env.log", "", "env",
       "lo\xffg\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82"},
  };
  /* An import span closed by an unwind, with every number at its largest;
   * a function span with odd names; a root export span. */
  wo_span spans[3] = {0};
  for (int i = 0; i < 16; i++) spans[0].trace_id[i] = (uint8_t)(i * 17);
  for (int i = 0; i < 8; i++) spans[0].span_id[i] = (uint8_t)(0xa0 + i);
  memset(spans[0].parent_span_id, 0xff, 8);
  spans[0].site = &sites[2];
  spans[0].kind = WO_KIND_CLIENT;
  spans[0].start_unix_ns = spans[0].end_unix_ns = UINT64_MAX;
  spans[0].error = true;
  spans[0].thread = UINT32_MAX;
  spans[0].depth = 2;
  spans[1] = spans[0];
  spans[1].site = &sites[1];
  spans[1].kind = WO_KIND_INTERNAL;
  spans[1].error = false;
  spans[1].start_unix_ns = 1000000000000000000ULL;
  spans[1].end_unix_ns = 9999999999999999999ULL;
  spans[1].thread = 10;
  spans[1].span_id[7] = 0x0f;
  spans[1].parent_span_id[0] = 0;
  spans[2].trace_id[15] = 1;
  spans[2].span_id[0] = 1;
  spans[2].site = &sites[0];
  spans[2].kind = WO_KIND_SERVER;
  spans[2].end_unix_ns = 9;
  wo_resource r1 = {"svc \"one\"", "app.wasm", 5}, r2 = {"svc", "", 5};

  char otlp_path[] = "/tmp/wo-test-otlp-XXXXXX", chrome_path[] = "/tmp/wo-test-chrome-XXXXXX";
  int fd1 = mkstemp(otlp_path), fd2 = mkstemp(chrome_path);
  assert_true(fd1 >= 0 && fd2 >= 0);
  close(fd1);
  close(fd2);
  wo_exporter e, c;
  assert_int_equal(wo_exporter_otlp_json_lines(otlp_path, NULL, &e), WO_OK);
  assert_int_equal(wo_exporter_chrome_trace(chrome_path, NULL, &c), WO_OK);
  assert_int_equal(e.export_spans(e.state, &r1, spans, 3), WO_OK);
  assert_int_equal(e.export_spans(e.state, &r2, spans + 2, 1), WO_OK);
  assert_int_equal(e.export_spans(e.state, &r2, spans, 0), WO_OK);
  assert_int_equal(c.export_spans(c.state, &r1, spans, 0), WO_OK); /* no comma for nothing */
  assert_int_equal(c.export_spans(c.state, &r1, spans, 3), WO_OK);
  /* Before close, the Chrome trace is already a whole document: the footer
   * follows the last batch (a killed process leaves a file that loads). */
  size_t size;
  char *got = read_all(chrome_path, &size);
  const char *last_event = strrchr(expected_chrome_trace, '\n');
  while (last_event > expected_chrome_trace && strncmp(last_event, ",\n{", 3) != 0) last_event--;
  size_t events = (size_t)(last_event - expected_chrome_trace);
  assert_int_equal(size, events + strlen("\n]}\n"));
  assert_memory_equal(got, expected_chrome_trace, events);
  assert_memory_equal(got + events, "\n]}\n", size - events);
  free(got);
  assert_int_equal(c.export_spans(c.state, &r2, spans + 1, 1), WO_OK);
  e.destroy(e.state);
  c.destroy(c.state);

  got = read_all(otlp_path, &size);
  assert_int_equal(size, sizeof expected_otlp_lines - 1);
  assert_memory_equal(got, expected_otlp_lines, size);
  free(got);
  got = read_all(chrome_path, &size);
  assert_int_equal(size, sizeof expected_chrome_trace - 1);
  assert_memory_equal(got, expected_chrome_trace, size);
  free(got);
  unlink(otlp_path);
  unlink(chrome_path);
}

/* A write that fails (here /dev/full: no space) makes every later export and
 * flush fail too: the file's end is unknown, nothing more goes into it. */
static void file_write_errors_stick(void **state) {
  (void)state;
  FILE *probe = fopen("/dev/full", "w");
  if (!probe) {
    skip();
    return;
  }
  fclose(probe);
  wo_site site = {WO_SITE_FUNCTION, 1, "f", "", "", ""};
  wo_span spans[64] = {0};
  for (int i = 0; i < 64; i++) spans[i].site = &site;
  wo_resource r = {"svc", "", 0};
  wo_exporter e;
  assert_int_equal(wo_exporter_otlp_json_lines("/dev/full", NULL, &e), WO_OK);
  /* 64 spans make a line longer than stdio's buffer: written at once */
  assert_int_equal(e.export_spans(e.state, &r, spans, 64), WO_ERR_IO);
  assert_int_equal(e.flush(e.state), WO_ERR_IO);
  assert_int_equal(e.export_spans(e.state, &r, spans, 1), WO_ERR_IO);
  e.destroy(e.state);
}

/* A file never goes over its size limit: a batch that would is dropped whole
 * and counted; the reserve is announced by WO_OUTPUT_FULL; the Chrome trace
 * stays a document (its footer counted in) and gets no stray comma after a
 * dropped batch. */
static void files_keep_their_size_limit(void **state) {
  (void)state;
  wo_site site = {WO_SITE_FUNCTION, 1, "f", "", "", ""};
  wo_span spans[8] = {0};
  for (int i = 0; i < 8; i++) spans[i].site = &site;
  wo_resource r = {"svc", "", 0};
  char otlp_path[] = "/tmp/wo-test-limit-XXXXXX", chrome_path[] = "/tmp/wo-test-limitc-XXXXXX";
  int fd1 = mkstemp(otlp_path), fd2 = mkstemp(chrome_path);
  assert_true(fd1 >= 0 && fd2 >= 0);
  close(fd1);
  close(fd2);

  /* one span makes an OTLP line of `line` bytes */
  wo_exporter e;
  wo_file_options unlimited = {.max_bytes = WO_UNLIMITED};
  assert_int_equal(wo_exporter_otlp_json_lines(otlp_path, &unlimited, &e), WO_OK);
  assert_int_equal(e.export_spans(e.state, &r, spans, 1), WO_OK);
  wo_file_stats st;
  assert_int_equal(wo_file_exporter_read_stats(&e, &st), WO_OK);
  uint64_t line = st.bytes_written;
  assert_true(line > 100);
  e.destroy(e.state);

  /* room for 16 lines; full once the reserve (an eighth: two) and one more
   * line would not fit */
  wo_file_stats final = {0};
  wo_file_options limited = {.max_bytes = 16 * line, .final_stats = &final};
  assert_int_equal(wo_exporter_otlp_json_lines(otlp_path, &limited, &e), WO_OK);
  int ok = 0, full = 0, dropped = 0;
  for (int i = 0; i < 20; i++) {
    wo_status rc = e.export_spans(e.state, &r, spans, 1);
    if (rc == WO_OK) ok++;
    else if (rc == WO_OUTPUT_FULL) full++;
    else if (rc == WO_OUTPUT_DROPPED) dropped++;
    else fail();
  }
  assert_int_equal(ok, 13);
  assert_int_equal(full, 3);
  assert_int_equal(dropped, 4);
  assert_int_equal(wo_file_exporter_read_stats(&e, &st), WO_OK);
  assert_int_equal(st.spans_dropped, 4);
  assert_int_equal(st.batches_dropped, 4);
  assert_int_equal(st.max_bytes, 16 * line);
  e.destroy(e.state);
  size_t size;
  char *got = read_all(otlp_path, &size);
  assert_int_equal(size, 16 * line);
  assert_int_equal(final.bytes_written, size);
  assert_int_equal(got[size - 1], '\n');
  free(got);

  /* Chrome: a first batch too big for the file is dropped; the next fits */
  wo_exporter c;
  wo_file_options small = {.max_bytes = 400, .final_stats = &final};
  assert_int_equal(wo_exporter_chrome_trace(chrome_path, &small, &c), WO_OK);
  assert_int_equal(c.export_spans(c.state, &r, spans, 8), WO_OUTPUT_DROPPED);
  wo_status rc = c.export_spans(c.state, &r, spans, 1);
  assert_true(rc == WO_OK || rc == WO_OUTPUT_FULL);
  c.destroy(c.state);
  got = read_all(chrome_path, &size);
  const char *head = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n{\"name\":\"f\"";
  assert_true(size <= 400);
  assert_int_equal(final.bytes_written, size);
  assert_memory_equal(got, head, strlen(head));
  assert_memory_equal(got + size - 4, "\n]}\n", 4);
  free(got);
  /* a limit below the header and footer is refused */
  wo_file_options tiny = {.max_bytes = 10};
  assert_int_equal(wo_exporter_chrome_trace(chrome_path, &tiny, &c), WO_ERR_INVALID_ARGUMENT);
  unlink(otlp_path);
  unlink(chrome_path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(integers_match_printf),
      cmocka_unit_test(micros_are_exact),
      cmocka_unit_test(hex_of_any_length),
      cmocka_unit_test(strings_are_escaped_and_valid_utf8),
      cmocka_unit_test(buffer_grows_clears_and_hands_over),
      cmocka_unit_test(exporters_write_the_same_bytes),
      cmocka_unit_test(file_write_errors_stick),
      cmocka_unit_test(files_keep_their_size_limit),
  };
  return cmocka_run_group_tests_name("json_text", tests, NULL, NULL);
}
