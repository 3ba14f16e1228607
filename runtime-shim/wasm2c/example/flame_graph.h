/* Renders folded stacks as an SVG flame graph with Brendan Gregg's
 * flamegraph.pl, where it is installed: $FLAMEGRAPH_PL, else flamegraph.pl
 * on the PATH, else the copy Debian's libdevel-nytprof-perl ships. */
#ifndef TRACED_RUN_FLAME_GRAPH_H
#define TRACED_RUN_FLAME_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

/* Runs flamegraph.pl on the file `folded` (self time in ns) and writes its SVG
 * to `svg` (through a temporary file beside it, renamed on success: no partial
 * SVG is left). On failure returns false with a one-line reason in `why`. */
bool render_flame_graph(const char *folded, const char *svg, const char *title, char *why,
                        size_t why_size);

#endif
