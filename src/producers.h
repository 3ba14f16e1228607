/* The `producers` custom section (WebAssembly tool conventions): the input's
 * section with `processed-by: wasm-instrument VERSION` added. */
#ifndef WI_PRODUCERS_H
#define WI_PRODUCERS_H

#include <stddef.h>
#include <stdint.h>

/* `old` is the input section's payload (NULL if it had none). Returns a
 * malloc'd payload (size in *size), or NULL when out of memory. A malformed
 * old section is replaced by a fresh one and *was_malformed is set. */
uint8_t *wi_producers_add_self(const uint8_t *old, size_t old_size, size_t *size,
                               int *was_malformed);

#endif
