/**
 * Usage recording under floods: the ledger's memory after a million JWTs
 * with distinct subjects (spread over five entries) and a million random
 * tokens through the gatehouse-static handler, within one flush interval
 * (the worst case: nothing drained meanwhile).
 */
import { attachedCompromisedList } from './compromisedList';
import { mockServices } from '@backstage/backend-test-utils';
import { heapUsedAfterGc } from './heap';
import { UsageLedger } from '../src/inventory/UsageLedger';
import { RejectionLog } from '../src/lib/RejectionLog';
import { createStaticTokenHandler } from '../src/static/staticTokenHandler';
import { StaticTokenRegistry } from '../src/static/StaticTokenRegistry';
import { log } from './log';
import { randomStaticToken } from './tokens';

export interface UsageMemoryResult {
  distinctSubjects: number;
  subjectsHeapMb: number;
  subjectsCells: number;
  randomTokens: number;
  randomHeapMb: number;
  randomCells: number;
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

  const config = mockServices.rootConfig({
    data: {
      backend: {
        auth: {
          externalAccess: [
            {
              type: 'gatehouse-static',
              options: { subject: 'ci', token: randomStaticToken() },
            },
          ],
        },
      },
    },
  });
  const logger = mockServices.rootLogger({ level: 'none' });
  const registry = await StaticTokenRegistry.create({ config, logger });
  registry.close();
  const randomLedger = new UsageLedger();
  const rejections = RejectionLog.create({ logger, source: 'bench' });
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
  return {
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
  ].join('\n');
}
