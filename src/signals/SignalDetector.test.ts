import { UsageLedger } from '../inventory/UsageLedger';
import { testDatabases, TestDatabase } from '../testing/testDatabases';
import { SignalDetector } from './SignalDetector';
import { parseSignalSettings } from './signalSettings';
import { Signal, SignalStore } from './SignalStore';

const DAY = 24 * 60 * 60_000;
const settings = parseSignalSettings({
  learningPeriod: '7d',
  dormantFor: '30d',
  burst: { window: '5m', perFingerprint: 10, perReason: 100 },
});

/**
 * Two replicas' detectors on one database (SQLite; PostgreSQL too when
 * GATEHOUSE_TEST_PG is set): what both see is raised once, and normal use
 * raises nothing however much of it there is.
 */
describe.each(testDatabases())('SignalDetector on %s', (_name, open) => {
  let database: TestDatabase;
  let raised: Array<{ replica: string; signal: Signal }>;
  let replicas: SignalDetector[];

  beforeEach(async () => {
    database = await open();
    raised = [];
    // One store per replica; migrated one after the other, as replicas do.
    replicas = [];
    for (const replica of ['A', 'B']) {
      replicas.push(
        new SignalDetector({
          settings,
          store: await SignalStore.create(database.db),
          raise: async signal => {
            raised.push({ replica, signal });
          },
        }),
      );
    }
  });
  afterEach(() => database?.close());

  /** One replica's interval: `uses` of the credentials, each by its plugins. */
  function interval(
    now: number,
    uses: Array<[key: string, plugins: string[], count?: number]>,
    rejections: Array<
      [reason: string, fingerprint: string, count: number]
    > = [],
  ) {
    const ledger = new UsageLedger({ now: () => now });
    // Each plugin at least once.
    for (const [key, plugins, count = plugins.length] of uses) {
      for (let i = 0; i < count; i++) {
        ledger.used('gatehouse-static', key, plugins[i % plugins.length]);
      }
    }
    for (const [reason, fingerprint, count] of rejections) {
      for (let i = 0; i < count; i++)
        ledger.countRejection(reason, fingerprint);
    }
    return { batch: ledger.drain(), tally: ledger.drainRejections() };
  }

  const both = (
    now: number,
    before: Map<string, number>,
    work: ReturnType<typeof interval>,
  ) =>
    Promise.all(
      replicas.map(r => r.examine(work.batch, before, work.tally, now)),
    );

  const kinds = () =>
    raised.map(r => `${r.signal.kind} ${r.signal.credentialId ?? '-'}`);

  it('raises each signal once when both replicas see it at the same time', async () => {
    const t0 = Date.UTC(2026, 11, 1);
    await both(t0, new Map(), interval(t0, [['ci', ['catalog']]]));
    expect(raised).toEqual([]); // learning

    const later = t0 + 8 * DAY;
    await both(
      later,
      new Map([['gatehouse-static:ci', t0]]),
      interval(
        later,
        [['ci', ['catalog', 'scaffolder']]],
        [['unknown_token', 'abcd1234', 6]],
      ),
    );
    // Each replica added 6 rejections: 12 in the window, past 10.
    expect(kinds().sort()).toEqual([
      'new_plugin gatehouse-static:ci',
      'rejection_burst -',
    ]);
    expect(
      raised.find(r => r.signal.kind === 'new_plugin')!.signal.detail,
    ).toBe(
      "gatehouse-static:ci called plugin 'scaffolder', which it had not called in the 8 days it has been used",
    );

    raised = [];
    const muchLater = later + 31 * DAY;
    await both(
      muchLater,
      new Map([['gatehouse-static:ci', later]]),
      interval(muchLater, [['ci', ['catalog']]]),
    );
    expect(kinds()).toEqual(['dormant_reuse gatehouse-static:ci']);
  });

  it('raises nothing for a million requests of normal use after the learning period', async () => {
    const t0 = Date.UTC(2026, 11, 1);
    const usual: Array<[string, string[]]> = [
      ['ci', ['catalog', 'scaffolder']],
      ['deploy', ['kubernetes']],
      ['docs', ['techdocs', 'catalog']],
    ];
    await both(t0, new Map(), interval(t0, usual));
    const now = t0 + 8 * DAY;
    const work = interval(
      now,
      usual.map(([key, plugins]) => [key, plugins, 333_334]),
      // A client retrying a dead token a few times: under the threshold.
      [['unknown_token', 'dead0000', 3]],
    );
    expect([...work.batch.values()].reduce((n, c) => n + c.uses, 0)).toBe(
      1_000_002,
    );
    // Memory is per credential and plugin, not per request.
    expect([...work.batch.values()].map(c => c.plugins.length)).toEqual([
      2, 1, 2,
    ]);
    await both(
      now,
      new Map(usual.map(([key]) => [`gatehouse-static:${key}`, now - DAY])),
      work,
    );
    expect(raised).toEqual([]);
  });
  it("shows a JWT entry its subjects' signals, and no other entry's", async () => {
    const { store } = replicas[0];
    const signal = (credentialId: string, detail: string) =>
      store.claim(
        { kind: 'new_plugin', credentialId, detail, identity: detail },
        Date.UTC(2026, 11, 1),
      );
    await signal('gatehouse-jwks:e_1#repo:org/a', 'its subject');
    await signal('gatehouse-jwks:e_1', 'itself');
    // Would match an unescaped LIKE ('_' is any character; SQLite ignores case).
    await signal('gatehouse-jwks:eX1#repo:org/b', 'another entry');
    await signal('gatehouse-jwks:E_1#repo:org/c', 'another entry, by case');
    const recent = await store.recent(['gatehouse-jwks:e_1']);
    expect([...recent.keys()]).toEqual(['gatehouse-jwks:e_1']);
    expect(
      recent
        .get('gatehouse-jwks:e_1')!
        .map(s => s.detail)
        .sort(),
    ).toEqual(['its subject', 'itself']);
  });
});
