/**
 * Run settings, from the environment so that a run can be shortened for a
 * smoke test (BENCH_QUICK=1) or lengthened on a noisy machine without edits.
 */
export interface BenchSettings {
  /** Length of one measured window, per scenario, variant and round. */
  seconds: number;
  /** Unmeasured load per scenario and variant before the first round (JIT, caches, key sets). */
  warmupSeconds: number;
  rounds: number;
  /** autocannon connections (concurrent requests in flight). */
  connections: number;
  /** Distinct pre-minted JWTs per pool; more than 2x the verified-token cache (10,000). */
  poolSize: number;
  /** Random tokens sent in the memory step. */
  memoryTokens: number;
  /** Only scenarios whose id matches, e.g. BENCH_ONLY='static|unauth'. */
  only?: RegExp;
  skipLoad: boolean;
  skipMemory: boolean;
  skipMicro: boolean;
  /** Iterations of the micro benchmark's slowest loops; the others scale from it. */
  microIterations: number;
  /** Directory for `--cpu-prof` profiles of the backend children, if set. */
  cpuProfDir?: string;
  /**
   * Another checkout of Gatehouse (a git worktree of an older commit, say):
   * the micro benchmark then runs its code and this checkout's interleaved,
   * and compares each case with the other's.
   */
  against?: string;
  quick: boolean;
}

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number, not '${raw}'`);
  }
  return value;
}

export function readSettings(): BenchSettings {
  const quick = process.env.BENCH_QUICK === '1';
  return {
    quick,
    seconds: numberFromEnv('BENCH_SECONDS', quick ? 1 : 2),
    warmupSeconds: numberFromEnv('BENCH_WARMUP_SECONDS', quick ? 0.5 : 2),
    rounds: Math.round(numberFromEnv('BENCH_ROUNDS', quick ? 2 : 8)),
    connections: Math.round(numberFromEnv('BENCH_CONNECTIONS', 10)),
    poolSize: Math.round(numberFromEnv('BENCH_POOL', quick ? 2_000 : 24_000)),
    memoryTokens: Math.round(
      numberFromEnv('BENCH_MEMORY_TOKENS', quick ? 20_000 : 1_000_000),
    ),
    only: process.env.BENCH_ONLY
      ? new RegExp(process.env.BENCH_ONLY)
      : undefined,
    skipLoad: process.env.BENCH_SKIP_LOAD === '1',
    skipMemory: process.env.BENCH_SKIP_MEMORY === '1',
    skipMicro: process.env.BENCH_SKIP_MICRO === '1',
    microIterations: Math.round(
      numberFromEnv('BENCH_MICRO_ITERATIONS', quick ? 500 : 5_000),
    ),
    cpuProfDir: process.env.BENCH_CPU_PROF || undefined,
    against: process.env.BENCH_AGAINST || undefined,
  };
}
