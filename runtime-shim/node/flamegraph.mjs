// Folded stacks to an SVG flame graph with Brendan Gregg's flamegraph.pl,
// where it is installed: $FLAMEGRAPH_PL, else flamegraph.pl on the PATH, else
// the copy Debian's libdevel-nytprof-perl ships (as traced-run's
// flame_graph.c does).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const NYTPROF_COPY = '/usr/share/perl5/Devel/NYTProf/flamegraph.pl';
const isFile = (p) => { try { return fs.statSync(p).isFile(); } catch { return false; } };

export function findFlameGraphScript(env = process.env) {
  if (env.FLAMEGRAPH_PL) return isFile(env.FLAMEGRAPH_PL) ? env.FLAMEGRAPH_PL : null;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isFile(path.join(dir, 'flamegraph.pl'))) return path.join(dir, 'flamegraph.pl');
  }
  return isFile(NYTPROF_COPY) ? NYTPROF_COPY : null;
}

// Writes the SVG of `folded` (text, self time in ns) to `svgPath`, through a
// temporary file renamed on success. Returns null, or a one-line reason.
export function writeFlameGraph(folded, svgPath, title) {
  const script = findFlameGraphScript();
  if (!script) return 'flamegraph.pl not found (set FLAMEGRAPH_PL, put it on the PATH, or install libdevel-nytprof-perl)';
  const r = spawnSync('perl', [script, `--title=${title}`, '--countname=ns', '-'], {
    input: Buffer.from(folded, 'latin1'), maxBuffer: 1 << 30,
  });
  if (r.error) return `perl: ${r.error.message}`;
  if (r.status !== 0) return `${script} failed: ${String(r.stderr).split('\n')[0]}`;
  const tmp = `${svgPath}.tmp.${process.pid}`;
  try {
    fs.writeFileSync(tmp, r.stdout);
    fs.renameSync(tmp, svgPath);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    return e.message;
  }
  return null;
}
