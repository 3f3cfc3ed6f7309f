import type { InventoryRow } from '../inventory/inventoryRows';
import { parseNoticeSettings } from './noticeSettings';
import { noticesDue } from './noticesDue';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-06T12:00:00Z');
const settings = parseNoticeSettings({});

const row = (fields: Partial<InventoryRow>): InventoryRow => ({
  id: 'gatehouse-managed:1',
  source: 'gatehouse-managed',
  subject: 'deployer',
  owner: 'group:default/payments',
  definedAt: 'database',
  usageRecorded: true,
  builtIn: false,
  status: 'active',
  createdAt: NOW - 60 * DAY,
  usage: { lastUsedAt: NOW - DAY, uses24h: 1, uses30d: 10 },
  ...fields,
});

const kinds = (rows: InventoryRow[], firstSeen = new Map<string, number>()) =>
  noticesDue(rows, settings, NOW, firstSeen).map(n => n.kind);

describe('noticesDue', () => {
  it('gives the shortest window a credential is in, once it is in one', () => {
    expect(kinds([row({ expiresAt: NOW + 20 * DAY })])).toEqual([]);
    expect(kinds([row({ expiresAt: NOW + 10 * DAY })])).toEqual([
      `expiring:${14 * DAY}`,
    ]);
    expect(kinds([row({ expiresAt: NOW + 2 * DAY })])).toEqual([
      `expiring:${3 * DAY}`,
    ]);
  });

  it('skips windows as long as the lifetime: a token made for a week is not expiring the day it is made', () => {
    const week = row({ createdAt: NOW - DAY, expiresAt: NOW + 6 * DAY });
    expect(kinds([week])).toEqual([]);
    // Five days on, two left: within 3 days, which is shorter than its week.
    expect(
      kinds([{ ...week, createdAt: NOW - 5 * DAY, expiresAt: NOW + 2 * DAY }]),
    ).toEqual([`expiring:${3 * DAY}`]);
    // A static token's start is unknown unless it has notBefore.
    expect(
      kinds([
        row({
          source: 'gatehouse-static',
          createdAt: undefined,
          expiresAt: NOW + 10 * DAY,
        }),
      ]),
    ).toEqual([`expiring:${14 * DAY}`]);
  });

  it('says expired for a recent expiry only, and nothing for revoked, replaced or unowned credentials', () => {
    expect(kinds([row({ expiresAt: NOW - DAY, status: 'expired' })])).toEqual([
      'expired',
    ]);
    expect(
      kinds([row({ expiresAt: NOW - 30 * DAY, status: 'expired' })]),
    ).toEqual([]);
    for (const gone of [
      { revokedAt: NOW - DAY, status: 'revoked' as const },
      { replacedBy: 'gatehouse-managed:2', status: 'expired' as const },
      { owner: undefined },
    ]) {
      expect(kinds([row({ expiresAt: NOW - DAY, ...gone })])).toEqual([]);
    }
  });

  it('says unused from the last use, the creation or the first sighting, once per dormancy', () => {
    const since = (lastUsedAt?: number) =>
      row({ usage: { lastUsedAt, uses24h: 0, uses30d: 0 } });
    expect(kinds([since(NOW - 31 * DAY)])).toEqual([
      `unused:${NOW - 31 * DAY}`,
    ]);
    expect(kinds([since(NOW - 29 * DAY)])).toEqual([]);
    expect(kinds([since(undefined)])).toEqual(['unused:never']);
    expect(kinds([row({ ...since(undefined), createdAt: NOW - DAY })])).toEqual(
      [],
    );
    // A static token: from when Gatehouse first saw it.
    const fresh = row({
      ...since(undefined),
      createdAt: undefined,
      source: 'gatehouse-static',
    });
    expect(kinds([fresh])).toEqual([]);
    expect(kinds([fresh], new Map([[fresh.id, NOW - 31 * DAY]]))).toEqual([
      'unused:never',
    ]);
    // Backstage's built-in types record no usage: never "unused".
    expect(kinds([row({ usage: undefined })])).toEqual([]);
  });

  it('writes what to do, and the link target, in the notice', () => {
    const [notice] = noticesDue(
      [row({ expiresAt: NOW + 2 * DAY, fingerprint: '0a1b2c3d' })],
      settings,
      NOW,
      new Map(),
    );
    expect(notice).toMatchObject({
      credentialId: 'gatehouse-managed:1',
      owner: 'group:default/payments',
      severity: 'high',
      title: 'Credential deployer expires within 3 days',
      description:
        "The managed token 'deployer' (fingerprint 0a1b2c3d), owned by group:default/payments, expires at 2026-12-08T12:00:00.000Z. Rotate it before then, on the Service access page or with gatehouse tokens rotate.",
    });
  });
});
