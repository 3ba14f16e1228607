/* A test fixture shared by the shim's C tests (tests/unit/test_recorder.c,
 * tests/shim/otlp-http/emit.c): a module holding only a site table. */
#ifndef WI_TEST_SITES_FIXTURE_H
#define WI_TEST_SITES_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

/* A malloc'd module whose site table has 4 sites: 0 export entry `main`,
 * 1 function `main`, 2 function `work` (symbol `_Z4workv`), 3 import
 * `env.log`. Its size goes to *size. */
uint8_t *test_module_with_sites(size_t *size);

#endif
