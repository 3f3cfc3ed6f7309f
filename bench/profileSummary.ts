/**
 * Hot functions of a `--cpu-prof` profile of a backend child (BENCH_CPU_PROF):
 *
 *   npx tsx bench/profileSummary.ts <file.cpuprofile> [top=25] [filter]
 *
 * Prints self and inclusive time per function, largest self time first;
 * `filter` (a regular expression on "name url") keeps only matching rows.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url
    ? relative(process.cwd(), url.replace(/^file:\/\//, ''))
    : '(native)';
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

function main() {
  const [file, topArg, filterArg] = process.argv.slice(2);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }

  // Time per sample, attributed to the sampled node: its function's self
  // time, and inclusive time for every distinct function on its stack.
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    total += micros;
    const leaf = byId.get(id)!;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + micros);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const name = label(byId.get(n)!);
      if (!seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + micros);
      }
    }
  });

  const filter = filterArg ? new RegExp(filterArg) : undefined;
  const rows = [...inclusive.keys()]
    .filter(name => !filter || filter.test(name))
    .sort((a, b) =>
      filter
        ? inclusive.get(b)! - inclusive.get(a)!
        : (self.get(b) ?? 0) - (self.get(a) ?? 0),
    )
    .slice(0, Number(topArg ?? 25));
  const pct = (micros: number) => `${((100 * micros) / total).toFixed(1)}%`;
  const ms = (micros: number) => `${(micros / 1000).toFixed(0)}ms`;
  process.stdout.write(
    `${file}: ${(total / 1e6).toFixed(1)} s sampled (main thread only)\n   self  self ms   incl.  incl. ms  function\n`,
  );
  for (const name of rows) {
    const s = self.get(name) ?? 0;
    const i = inclusive.get(name)!;
    process.stdout.write(
      `${pct(s).padStart(7)} ${ms(s).padStart(8)} ${pct(i).padStart(7)} ${ms(i).padStart(9)}  ${name}\n`,
    );
  }
}

main();
