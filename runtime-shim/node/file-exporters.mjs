// The span exporters that write files: OTLP/JSON lines and the Chrome trace
// (Perfetto) JSON, each bounded by a size limit (the span budget's).
import fs from 'node:fs';
import { encodeOtlpJson, jsonString } from './otlp-json.mjs';
import { OUTPUT_FULL, OUTPUT_DROPPED, DEFAULT_FILE_MAX_BYTES, WasmObserveError, budgetLimit } from './observe-common.mjs';
import { micros } from './profile-output.mjs';

// ---- exporters --------------------------------------------------------------------
//
// An exporter is { exportSpans(resource, batch, count), flush(), close() }.
// `batch` holds `count` finished spans in the order they ended (a child before
// its parent), in typed arrays valid only during the call:
//   traceId  Uint32Array  4 words per span   spanId, parentSpanId  Uint32Array 2 words
//   site     Int32Array   site index          start, duration       Float64Array, ns
//   error    Uint8Array                       depth                 Uint32Array
// `start` is nanoseconds since the recorder began (resource.startUnixNs, a BigInt,
// is when it began); batch.sites is the site table.

const FILE_RESERVE_BYTES = 8 * 1024 * 1024;

class FileSink {
  // `trailer`: what closes the document (Chrome's '\n]}\n'), counted in the
  // size from the start; maxBytes: the size limit (Infinity: none).
  constructor(path, maxBytes = DEFAULT_FILE_MAX_BYTES, trailer = '') {
    this.isStdout = path === '-';
    this.fd = this.isStdout ? 1 : fs.openSync(path, 'w');
    // positional writes only in a regular file (not a pipe or /dev/stdout)
    this.seekable = !this.isStdout && fs.fstatSync(this.fd).isFile();
    this.pos = 0; // where the next write goes, in a file
    this.maxBytes = maxBytes;
    this.reserve = Math.min(FILE_RESERVE_BYTES, maxBytes / 8);
    this.used = Buffer.byteLength(trailer); // bytes written, with the trailer to come
    this.stats = { bytesWritten: 0, batchesDropped: 0, spansDropped: 0, maxBytes };
  }
  write(s) {
    this.pos += this.writeAt(s, this.seekable ? this.pos : null);
  }
  // A batch's text: written whole if it fits under the limit, else dropped
  // and counted. Returns what exportSpans returns (undefined: written).
  writeBatch(s, spans) {
    const buf = Buffer.from(s, 'utf8');
    if (this.used + buf.length > this.maxBytes) {
      this.stats.batchesDropped++;
      this.stats.spansDropped += spans;
      return OUTPUT_DROPPED;
    }
    this.write(buf);
    this.used += buf.length;
    // full once the reserve and another batch this size would not fit
    return this.maxBytes - this.used < this.reserve + buf.length ? OUTPUT_FULL : undefined;
  }
  // Writes `trailer` after what was written without moving past it: the next
  // write replaces it. A file stays a complete document after every batch, so
  // a thread killed before close (a worker at process exit) leaves one.
  writeTrailer(trailer) {
    if (this.seekable) this.writeAt(trailer, this.pos);
  }
  writeAt(s, position) {
    const buf = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    let off = 0;
    while (off < buf.length) {
      off += fs.writeSync(this.fd, buf, off, buf.length - off, position === null ? null : position + off);
    }
    return buf.length;
  }
  close() { if (!this.isStdout) fs.closeSync(this.fd); }
}


// OTLP/JSON lines: one TracesData object per batch per line (export_otlp_json.c).
// options: { maxBytes (the file's size limit; default DEFAULT_FILE_MAX_BYTES,
// Infinity for none) }; stats() as wo_file_stats.
export function otlpJsonLinesExporter(path, options = {}) {
  const sink = new FileSink(path, budgetLimit(options.maxBytes, DEFAULT_FILE_MAX_BYTES, 'maxBytes'));
  return {
    exportSpans(resource, b, count) { return sink.writeBatch(encodeOtlpJson(resource, b, count) + '\n', count); },
    flush() {},
    close() { sink.close(); },
    stats() { return { ...sink.stats, bytesWritten: sink.used }; },
  };
}

// Chrome trace event JSON: X events, exact decimal microseconds since the
// recorder began (export_chrome_trace.c).
// options and stats() as otlpJsonLinesExporter's; the closing bracket is
// counted in the size limit.
export function chromeTraceExporter(path, options = {}) {
  const trailer = '\n]}\n';
  const header = '{"displayTimeUnit":"ns","traceEvents":[';
  const maxBytes = budgetLimit(options.maxBytes, DEFAULT_FILE_MAX_BYTES, 'maxBytes');
  if (maxBytes < header.length + trailer.length) throw new WasmObserveError('INVALID_ARGUMENT', `maxBytes: ${maxBytes} is less than an empty trace`);
  const sink = new FileSink(path, maxBytes, trailer);
  let written = false;
  sink.writeBatch(header, 0);
  sink.writeTrailer(trailer);
  const category = ['function', 'import', 'export'];
  return {
    exportSpans(resource, b, count) {
      let out = '';
      for (let i = 0; i < count; i++) {
        const site = b.sites[b.site[i]];
        out += written || i ? ',\n{"name":' : '\n{"name":';
        out += `${jsonString(site.name)},"cat":"${category[site.kind]}","ph":"X","ts":${micros(b.start[i])},"dur":${micros(b.duration[i])},"pid":1,"tid":0,"args":{"function_index":${site.functionIndex}`;
        out += b.error[i] ? ',"status":"unwound"}}' : '}}';
      }
      const status = sink.writeBatch(out, count);
      if (status === OUTPUT_DROPPED) return status; // no comma owed: nothing reached the file
      if (count) written = true;
      sink.writeTrailer(trailer);
      return status;
    },
    flush() {},
    close() {
      if (!sink.seekable) sink.write(trailer);
      sink.close();
    },
    stats() { return { ...sink.stats, bytesWritten: sink.used }; },
  };
}
