#include "table_exports.h"

#include <stdbool.h>
#include <string.h>

#include "byte_reader.h"
#include "byte_writer.h"
#include "module_copy.h"

enum { EXPORT_SECTION = 7, KIND_TABLE = 1 };

/* The index of the table a table export names, or -1. Binaryen keeps
 * imported tables first, as the index space does. */
static int64_t table_index(BinaryenModuleRef m, const uint8_t *name, uint32_t len) {
  BinaryenIndex exports = BinaryenGetNumExports(m);
  for (BinaryenIndex i = 0; i < exports; i++) {
    BinaryenExportRef e = BinaryenGetExportByIndex(m, i);
    const char *export_name = BinaryenExportGetName(e);
    if (BinaryenExportGetKind(e) != BinaryenExternalTable() || strlen(export_name) != len ||
        memcmp(export_name, name, len) != 0)
      continue;
    const char *table = BinaryenExportGetValue(e);
    for (BinaryenIndex t = 0; t < BinaryenGetNumTables(m); t++)
      if (strcmp(BinaryenTableGetName(BinaryenGetTableByIndex(m, t)), table) == 0) return t;
  }
  return -1;
}

static bool rewrite_exports(BinaryenModuleRef m, wi_reader *r, wi_writer *w) {
  uint32_t n;
  if (!wi_read_u32(r, &n)) return false;
  wi_put_u32(w, n);
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *name;
    uint32_t len, index;
    uint8_t kind;
    if (!wi_read_name(r, &name, &len) || !wi_read_u8(r, &kind) || !wi_read_u32(r, &index))
      return false;
    int64_t real = kind == KIND_TABLE ? table_index(m, name, len) : -1;
    wi_put_name(w, name, len);
    wi_put_bytes(w, &kind, 1);
    wi_put_u32(w, real >= 0 ? (uint32_t)real : index);
  }
  return wi_reader_left(r) == 0;
}

/* wi_copy_module's callback: rewrites the export section. */
static wi_section_action fix_exports(void *ctx, wi_section *section, wi_writer *w) {
  BinaryenModuleRef m = ctx;
  if (section->id != EXPORT_SECTION || BinaryenGetNumTables(m) < 2) return WI_SECTION_COPY;
  wi_writer rewritten = {0};
  bool ok = rewrite_exports(m, &section->payload, &rewritten);
  wi_put_section(w, section->id, &rewritten);
  return ok ? WI_SECTION_REWRITTEN : WI_SECTION_MALFORMED;
}

uint8_t *wi_fix_table_exports(BinaryenModuleRef m, const uint8_t *binary, size_t size,
                              size_t *out_size) {
  wi_writer w = {0};
  bool ok = wi_copy_module(&w, binary, size, fix_exports, m);
  return wi_writer_take(&w, ok, out_size);
}
