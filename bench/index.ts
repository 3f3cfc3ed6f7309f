/**
 * `npm run bench`: Gatehouse's token types side by side with Backstage's
 * built-in `static` and `jwks`, in one run, on loopback. See BENCHMARKS.md.
 *
 * 1. Five real OpenID providers (dev/identityProvider) start; tokens are
 *    minted with their private keys.
 * 2. Every backend variant starts in its own child process; autocannon loads
 *    each scenario on each variant for a fixed time, round after round, and
 *    the children report their CPU time per window.
 * 3. Memory step: a million random tokens against a Gatehouse backend.
 * 4. Micro benchmark: the handlers alone against the floor; then managed
 *    tokens at scale, the usage ledger under floods and the usage tables at
 *    scale (bench/usageScale.ts, which also runs alone).
 *
 * The report (Markdown) goes to stdout, and to $BENCH_OUT if set; progress to
 * stderr.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  staticPluginKeyStore,
  writeStaticPluginKey,
} from '../src/testing/staticPluginKeys';
import { startProviders } from './identityProviders';
import { log } from './log';
import { MemoryResult, runMemoryStep } from './memory';
import { MicroResult, runMicro } from './micro';
import {
  fetchTable,
  loadTable,
  memoryTable,
  microTable,
  summarizeAll,
  targets,
  targetTable,
} from './report';
import { runRounds } from './rounds';
import { defineScenarios } from './scenarios';
import { managedScaleTable, runManagedScale } from './managedScale';
import { runUsageMemory, usageMemoryTable } from './usageMemory';
import { runUsageScale, usageScaleTable } from './usageScale';
import { readSettings } from './settings';

function backstageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@backstage/backend-defaults/package.json').version;
}

function machine(): string {
  const [cpu] = cpus();
  return `${cpus().length} × ${cpu.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}; @backstage/backend-defaults ${backstageVersion()}`;
}

const loadAverage = () =>
  loadavg()
    .map(l => l.toFixed(2))
    .join(' / ');

async function main() {
  const settings = readSettings();
  const startedAt = Date.now();
  const loadAtStart = loadAverage();
  const keyDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const pluginKeyStore = staticPluginKeyStore([
    await writeStaticPluginKey(keyDir, 'bench-key'),
  ]);

  log('starting 5 identity providers');
  const providers = await startProviders(5);
  try {
    log(`minting pools of ${settings.poolSize} tokens`);
    const { backends, scenarios, pools } = defineScenarios(
      providers,
      settings.poolSize,
    );
    const selected = settings.skipLoad
      ? []
      : scenarios.filter(s => !settings.only || settings.only.test(s.id));

    const results = await runRounds({
      settings,
      backends,
      scenarios: selected,
      providers,
      pluginKeyStore,
    });
    const summaries = summarizeAll(results);

    let memory: MemoryResult | undefined;
    if (!settings.skipMemory) {
      memory = await runMemoryStep({
        providers,
        pluginKeyStore,
        count: settings.memoryTokens,
        connections: settings.connections,
      });
    }
    let micro: MicroResult[] | undefined;
    if (!settings.skipMicro) {
      log('micro benchmark');
      micro = await runMicro({
        providers,
        pools,
        iterations: settings.microIterations,
        against: settings.against,
      });
    }

    const managedScale = settings.skipMicro
      ? undefined
      : await runManagedScale();
    const usageMemory = settings.skipMicro
      ? undefined
      : await runUsageMemory(settings.quick ? 100_000 : 1_000_000);
    const usageScale = settings.skipMicro ? undefined : await runUsageScale();

    const minutes = ((Date.now() - startedAt) / 60_000).toFixed(1);
    const report = [
      `# Benchmark run ${new Date().toISOString()}`,
      '',
      `Machine: ${machine()}. Load average (1/5/15 min) at start ${loadAtStart}, at end ${loadAverage()}.`,
      `Settings: ${settings.rounds} rounds × ${settings.seconds} s per scenario and type, after ${settings.warmupSeconds} s warm-up; ${settings.connections} connections; pools of ${settings.poolSize} distinct JWTs${settings.quick ? '; QUICK MODE (smoke test, numbers not meaningful)' : ''}. Run time ${minutes} min.`,
      '',
      '## Load (server CPU per request, medians over rounds)',
      '',
      loadTable(selected, summaries),
      '',
      '## JWKS requests',
      '',
      fetchTable(selected, summaries, settings.rounds * settings.seconds),
      '',
      '## Targets',
      '',
      targetTable(targets(summaries, settings, memory)),
      ...(memory ? ['', '## Memory', '', memoryTable(memory)] : []),
      ...(micro
        ? [
            '',
            '## Micro benchmark (CPU time per call)',
            '',
            ...(settings.against
              ? [
                  `Paired with the checkout at ${settings.against}: each case of this checkout is compared with the same case there, run interleaved in this process.`,
                  '',
                ]
              : []),
            microTable(micro),
          ]
        : []),
      ...(managedScale
        ? [
            '',
            '## Managed tokens at scale (one replica, SQLite)',
            '',
            managedScaleTable(managedScale),
          ]
        : []),
      ...(usageMemory
        ? [
            '',
            '## Usage recording under floods (memory of the ledger)',
            '',
            usageMemoryTable(usageMemory),
          ]
        : []),
      ...(usageScale
        ? [
            '',
            '## Usage tables at scale (inventory read and pruning, SQLite)',
            '',
            usageScaleTable(usageScale),
          ]
        : []),
      '',
    ].join('\n');
    process.stdout.write(report);
    if (process.env.BENCH_OUT) {
      writeFileSync(process.env.BENCH_OUT, report);
    }
  } finally {
    await Promise.all(providers.map(p => p.process.stop()));
    rmSync(keyDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
