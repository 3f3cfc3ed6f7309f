/**
 * Usage recording under floods: the ledger's memory after a million JWTs
 * with distinct subjects (spread over five entries) and a million random
 * tokens through the gatehouse-static handler, within one flush interval
 * (the worst case: nothing drained meanwhile). And a million requests of
 * normal use after the learning period: the memory they take, and the
 * signals they raise (none).
 */
import { attachedCompromisedList } from './compromisedList';
import { mockServices } from '@backstage/backend-test-utils';
import { heapUsedAfterGc } from './heap';
import { UsageLedger } from '../src/inventory/UsageLedger';
import { RejectionLog } from '../src/lib/RejectionLog';
import { createStaticTokenHandler } from '../src/static/staticTokenHandler';
import { StaticTokenRegistry } from '../src/static/StaticTokenRegistry';
import { log } from './log';
import knex from 'knex';
import { SignalDetector } from '../src/signals/SignalDetector';
import { parseSignalSettings } from '../src/signals/signalSettings';
import { SignalStore } from '../src/signals/SignalStore';
import { randomStaticToken } from './tokens';

export interface UsageMemoryResult {
  distinctSubjects: number;
  subjectsHeapMb: number;
  subjectsCells: number;
  randomTokens: number;
  randomHeapMb: number;
  randomCells: number;
  normalRequests: number;
  normalHeapMb: number;
  normalCells: number;
  normalSignals: number;
}

export async function runUsageMemory(
  count = 1_000_000,
): Promise<UsageMemoryResult> {
  log(`usage ledger: ${count} distinct JWT subjects, ${count} random tokens`);
  const subjectsLedger = new UsageLedger();
  let before = heapUsedAfterGc();
  for (let i = 0; i < count; i++) {
    subjectsLedger.usedSubject(`entry${i % 5}`, `repo:org/app-${i}`, 'catalog');
  }
  const subjectsHeapMb = (heapUsedAfterGc() - before) / 2 ** 20;
  const subjectsCells = subjectsLedger.peek().size;

  const { config, registry, logger } = await staticTokens([
    randomStaticToken(),
  ]);
  const randomLedger = new UsageLedger();
  // As the handlers' factories make it: rejections counted in the ledger.
  const rejections = RejectionLog.create({
    logger,
    source: 'bench',
    counter: randomLedger,
  });
  const handler = createStaticTokenHandler({
    registry,
    rejections,
    metrics: { accepted() {}, rejected() {} },
    ledger: randomLedger,
    compromised: await attachedCompromisedList(),
    pluginId: 'bench',
    restrictedAway: new Set<number>(),
  });
  const context = handler.initialize({
    options: config
      .getConfigArray('backend.auth.externalAccess')[0]
      .getConfig('options'),
  });
  before = heapUsedAfterGc();
  for (let i = 0; i < count; i++) {
    await handler.verifyToken(randomStaticToken(), context);
  }
  const randomHeapMb = (heapUsedAfterGc() - before) / 2 ** 20;
  rejections.close();
  const normal = await runNormalUse(count);
  return {
    ...normal,
    distinctSubjects: count,
    subjectsHeapMb,
    subjectsCells,
    randomTokens: count,
    randomHeapMb,
    randomCells: randomLedger.peek().size,
  };
}

export function usageMemoryTable(r: UsageMemoryResult): string {
  const n = (value: number) => value.toLocaleString('en');
  return [
    '| flood, within one flush interval | ledger cells | heap growth |',
    '| --- | ---: | ---: |',
    `| ${n(r.distinctSubjects)} JWTs with distinct subjects, 5 entries | ${n(r.subjectsCells)} | ${r.subjectsHeapMb.toFixed(2)} MB |`,
    `| ${n(r.randomTokens)} random tokens (gatehouse-static handler) | ${n(r.randomCells)} | ${r.randomHeapMb.toFixed(2)} MB |`,
    `| ${n(r.normalRequests)} requests of normal use (100 tokens, 3 plugins each, after learning): ${n(r.normalSignals)} signals | ${n(r.normalCells)} | ${r.normalHeapMb.toFixed(2)} MB |`,
  ].join('\n');
}

/**
 * 100 static tokens, each calling its three plugins, a million requests in
 * one interval, after an interval that taught Gatehouse those plugins a
 * learning period earlier: the ledger's growth, and the signals the
 * detector raises from it (on SQLite in memory).
 */
async function runNormalUse(count: number) {
  log(`signals: ${count} requests of normal use`);
  const tokens = Array.from({ length: 100 }, randomStaticToken);
  const { config, registry, logger } = await staticTokens(tokens);
  const t0 = Date.UTC(2026, 11, 1);
  let now = t0;
  const ledger = new UsageLedger({ now: () => now });
  const rejections = RejectionLog.create({
    logger,
    source: 'bench',
    counter: ledger,
  });
  const compromised = await attachedCompromisedList();
  const handlers = ['catalog', 'scaffolder', 'techdocs'].map(pluginId =>
    createStaticTokenHandler({
      registry,
      rejections,
      metrics: { accepted() {}, rejected() {} },
      ledger,
      compromised,
      pluginId,
      restrictedAway: new Set<number>(),
    }),
  );
  const options = config
    .getConfigArray('backend.auth.externalAccess')[0]
    .getConfig('options');
  const contexts = handlers.map(h => h.initialize({ options }));
  const call = (i: number) =>
    handlers[i % 3].verifyToken(tokens[i % tokens.length], contexts[i % 3]);

  const db = knex({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  let signals = 0;
  const detector = new SignalDetector({
    settings: parseSignalSettings({}),
    store: await SignalStore.create(db),
    raise: async () => {
      signals += 1;
    },
  });
  const examine = async () => {
    const batch = ledger.drain();
    const before = new Map([...batch.keys()].map(id => [id, now - 60_000]));
    await detector.examine(batch, before, ledger.drainRejections(), now);
  };
  for (let i = 0; i < 300; i++) await call(i); // learning
  await examine();
  now = t0 + 8 * 24 * 60 * 60_000;
  const before = heapUsedAfterGc();
  for (let i = 0; i < count; i++) await call(i);
  const normalHeapMb = (heapUsedAfterGc() - before) / 2 ** 20;
  const normalCells = ledger.peek().size;
  await examine();
  rejections.close();
  await db.destroy();
  return {
    normalRequests: count,
    normalHeapMb,
    normalCells,
    normalSignals: signals,
  };
}

/** A gatehouse-static entry of these tokens, its registry (timers stopped) and a silent logger. */
async function staticTokens(tokens: string[]) {
  const config = mockServices.rootConfig({
    data: {
      backend: {
        auth: {
          externalAccess: [
            {
              type: 'gatehouse-static',
              options: {
                subject: 'ci',
                tokens: tokens.map(token => ({ token })),
              },
            },
          ],
        },
      },
    },
  });
  const logger = mockServices.rootLogger({ level: 'none' });
  const registry = await StaticTokenRegistry.create({ config, logger });
  registry.close(); // only its timers: verify keeps working
  return { config, registry, logger };
}
