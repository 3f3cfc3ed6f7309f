import type { Knex } from 'knex';
import { statusOf } from '../inventory/inventoryRows';
import { filterRows, parseInventoryQuery } from '../inventory/inventoryQuery';
import {
  CredentialCriteria,
  criteriaForSource,
  meetsCriteria,
} from '../ownership/credentialCriteria';
import { TestDatabase, testDatabases } from '../testing/testDatabases';
import type { ManagedTokenQuery } from './managedTokenQuery';
import { ManagedTokenRecord, ManagedTokenStore } from './ManagedTokenStore';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 6, 12);

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const OWNERS = [
  undefined,
  'group:default/team-a',
  'group:default/team-b',
  'user:default/jane',
];
// Characters LIKE and GLOB read as their own, and case.
const SUBJECTS = [
  'ci-deploy',
  'ci_deploy',
  'CI-deploy',
  'ci%deploy',
  'a?b',
  'a[b]',
  'x*y',
  'back\\slash',
  'ci-',
];

function records(count: number): ManagedTokenRecord[] {
  const next = random(7);
  const pick = <T>(items: readonly T[]) =>
    items[Math.floor(next() * items.length)];
  return Array.from({ length: count }, (_, i) => {
    const createdAt = NOW - Math.floor(next() * 60) * DAY - i;
    // Expired, within days, in the last quarter or not, far away.
    const expiresAt =
      NOW + pick([-2 * DAY, 0, 1, 2 * DAY, 10 * DAY, 20 * DAY, 400 * DAY]);
    return {
      id: `id-${String(i).padStart(4, '0')}`,
      tokenHash: `${i}`.padStart(64, '0'),
      fingerprint: `${i}`.padStart(8, '0'),
      subject: pick(SUBJECTS),
      description: '',
      owner: pick(OWNERS),
      createdBy: 'user:default/admin',
      createdAt,
      // Every fourth made at the same instant as another: the order by id decides.
      ...(i % 4 === 0 ? { createdAt: NOW - 5 * DAY } : {}),
      expiresAt: Math.max(expiresAt, createdAt + 1),
      accessRestrictions: next() < 0.5 ? [{ plugin: 'catalog' }] : undefined,
      revokedAt: next() < 0.15 ? NOW - DAY : undefined,
      updatedAt: createdAt,
    };
  });
}

const ownerIs = (...values: string[]): CredentialCriteria => ({
  property: 'owner',
  values,
});
const sourceIs = (...values: string[]): CredentialCriteria => ({
  property: 'source',
  values,
});

/** Policies' conditions, as the rules' toQuery give them. */
const VISIBLE: Array<CredentialCriteria | undefined> = [
  undefined,
  ownerIs('group:default/team-a', 'user:default/jane'),
  ownerIs('GROUP:default/Team-A'),
  ownerIs(),
  { not: ownerIs('group:default/team-a') },
  { anyOf: [ownerIs('group:default/team-b'), sourceIs('gatehouse-managed')] },
  { allOf: [ownerIs('group:default/team-b'), sourceIs('gatehouse-static')] },
  {
    allOf: [
      sourceIs('gatehouse-managed'),
      { not: ownerIs('group:default/team-b') },
    ],
  },
];

/** Inventory queries, as the API is asked them. */
const QUERIES: Array<Record<string, string>> = [
  {},
  { status: 'active,expiring,not-yet-valid' },
  { status: 'expiring' },
  { status: 'expired,revoked' },
  { status: 'active' },
  { status: 'not-yet-valid' },
  { expiringWithin: '3d' },
  { expiringWithin: '30d', status: 'active' },
  { unrestricted: 'true' },
  { unrestricted: 'false', owner: 'none' },
  { owner: 'group:default/team-a,none' },
  { owner: 'GROUP:default/TEAM-B' },
  { subject: 'ci-deploy' },
  { subject: 'ci*' },
  { subject: 'c*-*' },
  { subject: '*deploy' },
  { subject: 'CI*' },
  { subject: 'ci%*' },
  { subject: 'ci_*' },
  { subject: 'a?b' },
  { subject: 'a[*' },
  { subject: '*\\*' },
  { subject: 'x*y' },
  { subject: '*' },
  { subject: 'ci-*', status: 'active,expiring', expiringWithin: '5d' },
  { id: 'gatehouse-managed:id-0005' },
  { id: 'gatehouse-managed:id-0006', owner: 'group:default/team-a' },
];

describe.each(testDatabases())(
  'managed tokens read by the database (%s) as the inventory filters them in memory',
  (_name, connect) => {
    let database: TestDatabase;
    let db: Knex;
    let store: ManagedTokenStore;
    const all = records(240);

    beforeAll(async () => {
      database = await connect();
      db = database.db;
      store = await ManagedTokenStore.create(db);
      for (const record of all) await store.insert(record);
    });
    afterAll(() => database.close());

    /** What the in-memory inventory shows, in the database's order. */
    function expected(
      query: Record<string, string>,
      visible?: CredentialCriteria,
    ) {
      const parsed = parseInventoryQuery(query);
      const rows = all.map(r => ({
        ...r,
        id: `gatehouse-managed:${r.id}`,
        source: 'gatehouse-managed' as const,
        definedAt: 'database',
        usageRecorded: false,
        builtIn: false,
        status: statusOf(r, NOW, parsed.expiringWithinMs),
      }));
      return filterRows(rows, parsed, NOW)
        .filter(row => !visible || meetsCriteria(visible, row))
        .sort(
          (a, b) =>
            b.createdAt! - a.createdAt! ||
            (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
        )
        .map(row => row.id.slice('gatehouse-managed:'.length));
    }

    function databaseQuery(
      query: Record<string, string>,
      visible?: CredentialCriteria,
    ): ManagedTokenQuery {
      const parsed = parseInventoryQuery(query);
      return {
        visible: visible && criteriaForSource(visible, 'gatehouse-managed'),
        owners: parsed.owners,
        statuses: parsed.statuses,
        expiringWithinMs: parsed.expiringWithinMs,
        onlyExpiring: parsed.onlyExpiring,
        unrestricted: parsed.unrestricted,
        subject: parsed.subjectPattern,
        id: parsed.id?.replace('gatehouse-managed:', ''),
      };
    }

    it('finds the same tokens for every query and policy, in one order, counted alike', async () => {
      const mismatches: string[] = [];
      let nonEmpty = 0;
      for (const visible of VISIBLE) {
        for (const query of QUERIES) {
          const want = expected(query, visible);
          if (want.length) nonEmpty++;
          const got = await store.select(databaseQuery(query, visible), NOW, {
            offset: 0,
          });
          const ids = got.records.map(r => r.id);
          if (got.total !== want.length || ids.join() !== want.join()) {
            mismatches.push(
              `${JSON.stringify(query)} visible ${JSON.stringify(visible)}: database ${got.total} [${ids.slice(0, 5)}...], memory ${want.length} [${want.slice(0, 5)}...]`,
            );
          }
        }
      }
      expect(mismatches).toEqual([]);
      // The cases mean something: most find tokens, and not all of them.
      expect(nonEmpty).toBeGreaterThan((VISIBLE.length * QUERIES.length) / 2);
    });

    it('pages: every token once, in order, across pages of any size', async () => {
      const query = { status: 'active,expiring,not-yet-valid' };
      const want = expected(query);
      for (const limit of [1, 7, 50]) {
        const seen: string[] = [];
        for (let offset = 0; offset < want.length + limit; offset += limit) {
          const page = await store.select(databaseQuery(query), NOW, {
            offset,
            limit,
          });
          expect(page.total).toBe(want.length);
          expect(page.records.length).toBeLessThanOrEqual(limit);
          seen.push(...page.records.map(r => r.id));
        }
        expect(seen).toEqual(want);
      }
    });

    it('reads tokens by id, and nothing for ids it does not have', async () => {
      const got = await store.getMany([
        'id-0003',
        'id-0100',
        'nope',
        "id' OR 1=1",
      ]);
      expect(got.map(r => r.id).sort()).toEqual(['id-0003', 'id-0100']);
    });
  },
);
