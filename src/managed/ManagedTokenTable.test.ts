import { mockServices } from '@backstage/backend-test-utils';
import { fingerprintOfDigest, sha256Hex } from '../lib/tokenDigest';
import { createManagedToken } from './managedTokenFormat';
import type { ManagedTokenRecord } from './ManagedTokenStore';
import { ManagedTokenTable } from './ManagedTokenTable';

/**
 * Replicas compare times on the database's clock, never their own: a
 * replica whose clock is a minute slow neither keeps accepting an expired
 * token nor asks the database for changes from the wrong moment.
 */
describe('ManagedTokenTable', () => {
  const SKEW_MS = -61_000;
  let dbNow: number;
  let localNow: number;
  const asked: number[] = [];
  let rows: ManagedTokenRecord[];

  const store = {
    now: async () => dbNow,
    active: async (now: number) =>
      rows.filter(r => r.revokedAt === undefined && r.expiresAt > now),
    changedSince: async (since: number) => {
      asked.push(since);
      return rows.filter(r => r.updatedAt >= since);
    },
  };

  function record(token: string, expiresAt: number): ManagedTokenRecord {
    const tokenHash = sha256Hex(token);
    return {
      id: tokenHash.slice(0, 8),
      tokenHash,
      fingerprint: fingerprintOfDigest(tokenHash),
      subject: 'svc',
      description: 'test',
      createdBy: 'test',
      createdAt: dbNow,
      updatedAt: dbNow,
      expiresAt,
    };
  }

  async function skewedTable() {
    const table = new ManagedTokenTable({
      logger: mockServices.logger.mock(),
      now: () => localNow,
      settings: { overlapMs: 60_000 },
    });
    await table.attach(store as never);
    table.close(); // reads are driven by the test
    return table;
  }

  beforeEach(() => {
    dbNow = 1_800_000_000_000;
    localNow = dbNow + SKEW_MS;
    asked.length = 0;
    rows = [];
  });

  it('expires tokens on the database clock, not on a slow replica clock', async () => {
    const token = createManagedToken();
    rows = [record(token, dbNow + 30_000)];
    const table = await skewedTable();
    expect(table.verify(token).result).toBe('accepted');
    expect(table.now()).toBe(dbNow);
    // 31 s later the token has expired; the replica's clock says 30 s are left.
    dbNow += 31_000;
    localNow += 31_000;
    expect(table.verify(token).result).toBe('unknown');
    expect(table.find(sha256Hex(token))).toBeUndefined();
  });

  it('asks for changes from the database time of its last read, less the overlap', async () => {
    const table = await skewedTable();
    const firstRead = dbNow;
    dbNow += 1_000;
    localNow += 1_000;
    // A revocation written by another replica, stamped with the database's time.
    const token = createManagedToken();
    rows = [{ ...record(token, dbNow + 3_600_000), revokedAt: dbNow }];
    await table.sync();
    expect(asked).toEqual([firstRead - 60_000]);
    expect(table.verify(token).result).toBe('unknown');
  });
});
