import { mockServices } from '@backstage/backend-test-utils';
import { sha256Hex } from '../lib/tokenDigest';
import { testDatabases, TestDatabase } from '../testing/testDatabases';
import { CompromisedList } from './CompromisedList';
import { CompromisedStore, subjectMarkKey } from './CompromisedStore';

const MAX_STALE_MS = 60_000;

/**
 * Two replicas' lists on one database (SQLite; PostgreSQL too when
 * GATEHOUSE_TEST_PG is set): a mark made through one is seen by the other at
 * its next read; a list that cannot be read fails closed after maxStale.
 */
describe.each(testDatabases())('CompromisedList on %s', (_name, open) => {
  let database: TestDatabase;
  let store: CompromisedStore;
  let clock: number;
  const lists: CompromisedList[] = [];

  const newList = async () => {
    const list = new CompromisedList({
      logger: mockServices.rootLogger({ level: 'none' }),
      settings: { maxStaleMs: MAX_STALE_MS },
      now: () => clock,
    });
    await list.attach(store);
    list.close(); // the test reads by hand
    lists.push(list);
    return list;
  };

  beforeEach(async () => {
    database = await open();
    store = await CompromisedStore.create(database.db);
    clock = Date.now();
  });
  afterEach(async () => {
    lists.splice(0).forEach(l => l.close());
    await database?.close().catch(() => {});
  });

  const staticMark = (token: string) => ({
    key: sha256Hex(token),
    credentialId: `gatehouse-static:${sha256Hex(token).slice(0, 8)}`,
    source: 'gatehouse-static' as const,
    fingerprint: sha256Hex(token).slice(0, 8),
    markedBy: 'user:default/alice',
  });

  it('knows nothing and refuses nothing before it is attached (no gatehouse plugin)', () => {
    const list = new CompromisedList({
      logger: mockServices.rootLogger({ level: 'none' }),
    });
    expect(list.tokenMark(sha256Hex('anything'))).toBeUndefined();
    expect(list.subjectMark('entry', 'subject')).toBeUndefined();
  });

  it('carries a mark from one replica to another at its next read', async () => {
    const a = await newList();
    const b = await newList();
    const { mark } = await store.mark(staticMark('leaked-token'));
    a.apply(mark);
    expect(a.tokenMark(sha256Hex('leaked-token'))).toMatchObject({
      markedBy: 'user:default/alice',
    });
    expect(b.tokenMark(sha256Hex('leaked-token'))).toBeUndefined();
    await b.sync();
    expect(b.tokenMark(sha256Hex('leaked-token'))).toEqual(mark);
    expect(b.tokenMark(sha256Hex('another-token'))).toBeUndefined();
    // A replica started later reads it at start-up.
    const c = await newList();
    expect(c.tokenMark(sha256Hex('leaked-token'))).toEqual(mark);
  });

  it('keeps the first mark, and extends a subject refusal only to a later time', async () => {
    const first = await store.mark(staticMark('twice'));
    const second = await store.mark({
      ...staticMark('twice'),
      markedBy: 'user:default/bob',
      reason: 'again',
    });
    expect(first.changed).toBe(true);
    expect(second).toEqual({ mark: first.mark, changed: false });

    const subject = {
      key: subjectMarkKey('entry-key', 'external:idp:ci'),
      credentialId: 'gatehouse-jwks:entry-key',
      source: 'gatehouse-jwks' as const,
      subject: 'external:idp:ci',
      markedBy: 'user:default/alice',
    };
    await store.mark({ ...subject, until: clock + 10_000 });
    expect(
      (await store.mark({ ...subject, until: clock + 5_000 })).changed,
    ).toBe(false);
    const later = await store.mark({ ...subject, until: clock + 20_000 });
    expect(later.changed).toBe(true);
    expect(later.mark.until).toBe(clock + 20_000);
  });

  it('refuses a JWT subject at its entry only, and only until its time', async () => {
    const list = await newList();
    const { mark } = await store.mark({
      key: subjectMarkKey('entry-key', 'external:idp:ci'),
      credentialId: 'gatehouse-jwks:entry-key',
      source: 'gatehouse-jwks',
      subject: 'external:idp:ci',
      until: clock + 10_000,
      markedBy: 'user:default/alice',
    });
    await list.sync();
    expect(list.subjectMark('entry-key', 'external:idp:ci')).toEqual(mark);
    expect(list.subjectMark('other-entry', 'external:idp:ci')).toBeUndefined();
    expect(list.subjectMark('entry-key', 'external:idp:other')).toBeUndefined();
    expect(list.compromisedSubjects('entry-key')).toEqual([
      {
        subject: 'external:idp:ci',
        at: mark.markedAt,
        by: 'user:default/alice',
        until: clock + 10_000,
      },
    ]);
    clock += 10_001 - (list.now() - clock);
    expect(list.subjectMark('entry-key', 'external:idp:ci')).toBeUndefined();
    expect(list.compromisedSubjects('entry-key')).toEqual([]);
  });

  it('fails closed once the database has not been read for maxStale, and recovers', async () => {
    const list = await newList();
    const clean = sha256Hex('clean-token');
    await database.close(); // every read fails from now on
    await list.sync();
    clock += MAX_STALE_MS; // exactly maxStale: still trusted
    expect(list.tokenMark(clean)).toBeUndefined();
    clock += 1;
    expect(list.tokenMark(clean)).toBe('unavailable');
    expect(list.subjectMark('entry', 'subject')).toBe('unavailable');

    database = await open();
    store = await CompromisedStore.create(database.db);
    await list.attach(store);
    list.close();
    expect(list.tokenMark(clean)).toBeUndefined();
  });

  it('fails start-up when the list cannot be read at all', async () => {
    await database.close();
    const list = new CompromisedList({
      logger: mockServices.rootLogger({ level: 'none' }),
    });
    await expect(list.attach(store)).rejects.toThrow(
      /^The compromised-credentials list could not be read from the gatehouse database: /,
    );
    list.close();
  });
});
