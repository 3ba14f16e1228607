/* OTLP/HTTP settings from options and the OpenTelemetry variables (otel_env.h). */
#define _POSIX_C_SOURCE 200809L

#include "otel_env.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The traces variable wins over the generic one; empty counts as unset. */
static const char *pick(const char *name) {
  char key[96];
  snprintf(key, sizeof key, "OTEL_EXPORTER_OTLP_TRACES_%s", name);
  const char *v = getenv(key);
  if (v && *v) return v;
  snprintf(key, sizeof key, "OTEL_EXPORTER_OTLP_%s", name);
  v = getenv(key);
  return v && *v ? v : NULL;
}

static bool say(char *why, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, size, fmt, ap);
  va_end(ap);
  return false;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = (char)tolower((unsigned char)c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Trims spaces off both ends of [*start, *end). */
static void trim(const char **start, const char **end) {
  while (*start < *end && isspace((unsigned char)**start)) (*start)++;
  while (*end > *start && isspace((unsigned char)(*end)[-1])) (*end)--;
}

/* An HTTP header name is a token (RFC 9110). */
static bool is_token(const char *name, size_t len) {
  static const char extra[] = "!#$%&'*+-.^_`|~";
  for (size_t i = 0; i < len; i++)
    if (!isalnum((unsigned char)name[i]) && !strchr(extra, name[i]) ) return false;
  return len > 0;
}

/* Sets header `name` (its first `name_len` bytes) to `value` (`value_len`
 * bytes, %-decoded when `encoded`), replacing one of the same name. A name
 * that is no token, or a value with a control character (a CR or LF would
 * start another header line), is refused. */
static bool set_header(otel_settings *s, const char *name, size_t name_len, const char *value,
                       size_t value_len, bool encoded, const char *what, char *why, size_t why_size) {
  if (!is_token(name, name_len))
    return say(why, why_size, "%s: \"%.*s\" is not a header name", what, (int)name_len, name);
  char *line = malloc(name_len + 2 + value_len + 1);
  if (!line) return say(why, why_size, "out of memory");
  memcpy(line, name, name_len);
  memcpy(line + name_len, ": ", 2);
  char *o = line + name_len + 2;
  for (size_t i = 0; i < value_len; i++) {
    if (encoded && value[i] == '%') {
      int hi = i + 2 < value_len ? hex_digit(value[i + 1]) : -1;
      int lo = hi >= 0 ? hex_digit(value[i + 2]) : -1;
      if (lo < 0) {
        free(line);
        return say(why, why_size, "%s: bad %%-encoding in \"%.*s\"", what, (int)name_len, name);
      }
      *o++ = (char)(hi * 16 + lo);
      i += 2;
    } else {
      *o++ = value[i];
    }
  }
  *o = '\0';
  for (const char *c = line + name_len + 2; c < o; c++) {
    if ((unsigned char)*c < 0x20 && *c != '\t') {
      free(line);
      return say(why, why_size, "%s: the value of \"%.*s\" has a control character", what,
                 (int)name_len, name);
    }
  }
  for (size_t k = 0; k < s->header_count; k++) {
    if (strncasecmp(s->headers[k], line, name_len + 1) == 0) { /* "Name:" */
      free(s->headers[k]);
      s->headers[k] = line;
      return true;
    }
  }
  char **grown = realloc(s->headers, (s->header_count + 2) * sizeof *grown);
  if (!grown) {
    free(line);
    return say(why, why_size, "out of memory");
  }
  s->headers = grown;
  s->headers[s->header_count++] = line;
  s->headers[s->header_count] = NULL;
  return true;
}

/* "name=value,name2=value2" (values %-encoded); an empty list is fine. */
static bool add_header_list(otel_settings *s, const char *text, const char *what, char *why,
                            size_t why_size) {
  while (text && *text) {
    const char *end = strchr(text, ',');
    if (!end) end = text + strlen(text);
    const char *eq = memchr(text, '=', (size_t)(end - text));
    const char *name = text, *name_end = eq ? eq : end;
    trim(&name, &name_end);
    if (name_end > name || eq) {
      if (!eq || name_end == name)
        return say(why, why_size, "%s: name=value items, not \"%.*s\"", what, (int)(end - text), text);
      const char *value = eq + 1, *value_end = end;
      trim(&value, &value_end);
      if (!set_header(s, name, (size_t)(name_end - name), value, (size_t)(value_end - value), true,
                      what, why, why_size))
        return false;
    }
    text = *end ? end + 1 : end;
  }
  return true;
}

bool otel_settings_read(const char *url, const char *protocol, char *const *option_headers,
                        size_t option_header_count, otel_settings *out, char *why, size_t why_size) {
  memset(out, 0, sizeof *out);
  const char *traces = getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  const char *base = getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
  if (url) {
    out->endpoint = strdup(url);
  } else if (traces && *traces) {
    out->endpoint = strdup(traces);
  } else if (base && *base) {
    /* "v1/traces" goes at the end of the path, before a query if any */
    size_t n = strcspn(base, "?#");
    size_t size = strlen(base) + sizeof "/v1/traces";
    out->endpoint = malloc(size);
    if (out->endpoint)
      snprintf(out->endpoint, size, "%.*s%s%s", (int)n, base,
               n && base[n - 1] == '/' ? "v1/traces" : "/v1/traces", base + n);
  } else {
    return true; /* no OTLP/HTTP */
  }
  out->headers = calloc(1, sizeof *out->headers);
  if (!out->endpoint || !out->headers) {
    otel_settings_free(out);
    return say(why, why_size, "out of memory");
  }
  if (!protocol) protocol = pick("PROTOCOL");
  if (protocol && strcmp(protocol, "http/protobuf") != 0 && strcmp(protocol, "http/json") != 0) {
    say(why, why_size, "OTLP protocol %s is not supported (http/protobuf or http/json)", protocol);
    otel_settings_free(out);
    return false;
  }
  out->json = protocol && strcmp(protocol, "http/json") == 0;
  bool ok = add_header_list(out, getenv("OTEL_EXPORTER_OTLP_HEADERS"), "OTEL_EXPORTER_OTLP_HEADERS",
                            why, why_size) &&
            add_header_list(out, getenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS"),
                            "OTEL_EXPORTER_OTLP_TRACES_HEADERS", why, why_size);
  for (size_t i = 0; ok && i < option_header_count; i++) {
    const char *h = option_headers[i], *eq = strchr(h, '=');
    if (!eq || eq == h) ok = say(why, why_size, "--otlp-header: NAME=VALUE, not %s", h);
    else ok = set_header(out, h, (size_t)(eq - h), eq + 1, strlen(eq + 1), false, "--otlp-header", why, why_size);
  }
  const char *timeout = pick("TIMEOUT");
  if (ok && timeout) {
    char *end;
    errno = 0;
    unsigned long ms = strtoul(timeout, &end, 10);
    if (errno || *end || ms == 0 || ms > UINT32_MAX || *timeout == '-')
      ok = say(why, why_size, "OTEL_EXPORTER_OTLP_TIMEOUT: milliseconds, not %s", timeout);
    else out->timeout_ms = (uint32_t)ms;
  }
  if (!ok) otel_settings_free(out);
  return ok;
}

void otel_settings_free(otel_settings *s) {
  for (size_t i = 0; i < s->header_count; i++) free(s->headers[i]);
  free(s->headers);
  free(s->endpoint);
  memset(s, 0, sizeof *s);
}
