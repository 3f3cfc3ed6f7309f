import { OTHER_SUBJECTS, UsageLedger } from './UsageLedger';

describe('UsageLedger', () => {
  let clock = 1_000;
  const now = () => clock;

  it('counts uses and keeps the last plugin, every plugin called and the last rejection per credential', () => {
    const ledger = new UsageLedger({ now });
    ledger.used('gatehouse-static', 'ab12cd34', 'catalog');
    clock += 1;
    ledger.used('gatehouse-static', 'ab12cd34', 'scaffolder');
    ledger.used('gatehouse-static', 'ab12cd34', 'catalog');
    ledger.used('gatehouse-static', 'ab12cd34', 'scaffolder');
    ledger.rejected('gatehouse-managed', 'id-1', 'restricted');
    expect(Object.fromEntries(ledger.drain())).toEqual({
      'gatehouse-static:ab12cd34': {
        uses: 4,
        lastUsedAt: 1_001,
        lastPlugin: 'scaffolder',
        plugins: ['catalog', 'scaffolder'],
        lastRejection: '',
        lastRejectionAt: 0,
      },
      'gatehouse-managed:id-1': {
        uses: 0,
        lastUsedAt: 0,
        lastPlugin: '',
        plugins: [],
        lastRejection: 'restricted',
        lastRejectionAt: 1_001,
      },
    });
    expect(ledger.drain().size).toBe(0);
  });

  it('counts rejections by reason and by fingerprint, at most 1,000 fingerprints an interval, the rest as one', () => {
    const ledger = new UsageLedger({ now });
    ledger.countRejection('unknown_token', 'aaaa0000');
    ledger.countRejection('unknown_token', 'aaaa0000');
    ledger.countRejection('expired');
    for (let i = 0; i < 1_500; i++) {
      ledger.countRejection('bad_signature', i.toString(16).padStart(8, '0'));
    }
    const { counts } = ledger.drainRejections();
    expect(counts.get('reason:unknown_token')).toBe(2);
    expect(counts.get('reason:expired')).toBe(1);
    expect(counts.get('reason:bad_signature')).toBe(1_500);
    expect(counts.get('fingerprint:aaaa0000')).toBe(2);
    expect(counts.get('fingerprint:*')).toBe(501);
    expect(counts.size).toBe(3 + 1_000 + 1);
    expect(ledger.drainRejections().counts.size).toBe(0);
  });

  it('counts JWT subjects per entry, at most subjectsPerEntry, the rest as one row', () => {
    const ledger = new UsageLedger({ now, subjectsPerEntry: 2 });
    for (const subject of ['a', 'b', 'c', 'd', 'a']) {
      ledger.usedSubject('entry1', subject, 'catalog');
    }
    const batch = ledger.drain();
    expect(batch.get('gatehouse-jwks:entry1')?.uses).toBe(5);
    expect(batch.get('gatehouse-jwks:entry1#a')?.uses).toBe(2);
    expect(batch.get('gatehouse-jwks:entry1#b')?.uses).toBe(1);
    expect(batch.get(`gatehouse-jwks:entry1#${OTHER_SUBJECTS}`)?.uses).toBe(2);
    expect(batch.size).toBe(4);
  });

  it('stays bounded under a flood of distinct subjects: cells capped, the rest dropped and counted', () => {
    const ledger = new UsageLedger({ now, subjectsPerEntry: 10, maxCells: 50 });
    for (let i = 0; i < 100_000; i++) {
      ledger.usedSubject(`entry${i % 10}`, `subject-${i}`, 'catalog');
    }
    const dropped = ledger.dropped;
    const batch = ledger.drain();
    expect(batch.size).toBeLessThanOrEqual(50);
    expect(dropped).toBeGreaterThan(0);
    expect(ledger.dropped).toBe(0);
  });

  it('records nothing when usage is off', () => {
    const ledger = new UsageLedger({ now, enabled: false });
    ledger.used('gatehouse-static', 'ab12cd34', 'catalog');
    ledger.rejected('gatehouse-static', 'ab12cd34', 'not_yet_valid');
    ledger.usedSubject('entry', 'sub', 'catalog');
    expect(ledger.drain().size).toBe(0);
  });

  it('takes back a batch that could not be written, merged with newer counts', () => {
    const ledger = new UsageLedger({ now });
    ledger.used('gatehouse-static', 'ab12cd34', 'catalog');
    ledger.usedSubject('entry', 'sub', 'catalog');
    const failed = ledger.drain();
    clock += 10;
    ledger.used('gatehouse-static', 'ab12cd34', 'scaffolder');
    ledger.restore(failed);
    const batch = ledger.drain();
    expect(batch.get('gatehouse-static:ab12cd34')).toMatchObject({
      uses: 2,
      lastPlugin: 'scaffolder',
    });
    expect(batch.get('gatehouse-jwks:entry#sub')?.uses).toBe(1);
    expect(batch.get('gatehouse-jwks:entry')?.uses).toBe(1);
  });
});
