#include "sites_fixture.h"

#include <stdlib.h>

#include "byte_writer.h"
#include "site_table.h"

uint8_t *test_module_with_sites(size_t *size) {
  wi_site_table t = {0};
  wi_site sites[] = {
      {WI_SITE_EXPORT, 0, 1, 3, "main", "main", "", "", "main", 0},
      {WI_SITE_FUNCTION, WI_FLAG_NAMED, 1, 3, "main", "main", "", "", "", 10},
      {WI_SITE_FUNCTION, WI_FLAG_NAMED, 2, 4, "work", "work", "_Z4workv", "", "", 10},
      {WI_SITE_IMPORT, 0, 0, 0, "log", "env.log", "", "env", "log", 0},
  };
  for (size_t i = 0; i < 4; i++) wi_site_table_add(&t, &sites[i]);
  size_t payload_size;
  uint8_t *payload = wi_site_table_encode(&t, &payload_size);
  wi_writer section = {0}, module = {0};
  wi_put_cstr(&section, WI_SITE_TABLE_SECTION);
  wi_put_bytes(&section, payload, payload_size);
  const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  wi_put_bytes(&module, header, 8);
  uint8_t id = 0;
  wi_put_bytes(&module, &id, 1);
  wi_put_name(&module, section.data, section.size);
  free(section.data);
  free(payload);
  wi_site_table_free(&t);
  *size = module.size;
  return module.data;
}
