#include "wasm_observe.h"

const char *wo_status_message(wo_status status) {
  switch (status) {
    case WO_OK: return "ok";
    case WO_ERR_NO_MEMORY: return "out of memory";
    case WO_ERR_INVALID_ARGUMENT: return "invalid argument";
    case WO_ERR_NOT_WASM: return "not a core WebAssembly module";
    case WO_ERR_NO_SITE_TABLE: return "no site table and no name section: not instrumented?";
    case WO_ERR_MALFORMED: return "malformed site table or name section";
    case WO_ERR_UNSUPPORTED_VERSION: return "unsupported site table version";
    case WO_ERR_IO: return "write error";
    case WO_OUTPUT_FULL: return "output full: no new spans";
    case WO_OUTPUT_DROPPED: return "batch dropped: over the output's size limit";
  }
  return "unknown status";
}
