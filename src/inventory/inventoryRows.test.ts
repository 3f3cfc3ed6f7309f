import type { CredentialDefinition } from './credentialDefinition';
import { filterRows, parseInventoryQuery } from './inventoryQuery';
import { inventoryRows, statusOf } from './inventoryRows';

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;
const TWO_WEEKS = 14 * DAY;

/**
 * "Expiring" is for credentials about to lapse, not for ones made
 * short-lived on purpose: a token made for a week must not show the chip
 * (or raise the gauge's alert) from the moment it is made.
 */
describe('statusOf', () => {
  const managed = (daysAgo: number, daysLeft: number) => ({
    createdAt: NOW - daysAgo * DAY,
    expiresAt: NOW + daysLeft * DAY,
  });

  it.each([
    ['a 7-day token just made', managed(0, 7), 'active'],
    ['a 7-day token with 2 of 7 days left', managed(5, 2), 'active'],
    ['a 7-day token in its last quarter', managed(5.5, 1.5), 'expiring'],
    ['a 90-day token with 13 days left', managed(77, 13), 'expiring'],
    ['a 90-day token with 15 days left', managed(75, 15), 'active'],
    [
      'a static token of unknown start, 10 days left',
      { expiresAt: NOW + 10 * DAY },
      'expiring',
    ],
    [
      'a static token valid from 2 days ago, 10 days left',
      { notBefore: NOW - 2 * DAY, expiresAt: NOW + 10 * DAY },
      'active',
    ],
    ['an expired one', managed(10, -1), 'expired'],
  ])('%s: %s', (_, credential, status) => {
    expect(statusOf(credential, NOW, TWO_WEEKS)).toBe(status);
  });

  it('still lists the short-lived ones when asked by the date (expiringWithin)', () => {
    const credential = (subject: string, daysAgo: number, daysLeft: number) =>
      ({
        id: `gatehouse-managed:${subject}`,
        source: 'gatehouse-managed',
        subject,
        definedAt: 'database',
        createdAt: NOW - daysAgo * DAY,
        expiresAt: NOW + daysLeft * DAY,
        usageRecorded: true,
      }) as CredentialDefinition;
    const query = parseInventoryQuery({ expiringWithin: '14d' });
    const rows = inventoryRows({
      credentials: [
        credential('weekly', 0, 7),
        credential('quarterly', 0, 90),
        credential('gone', 10, -1),
      ],
      usage: new Map(),
      now: NOW,
      expiringWithinMs: query.expiringWithinMs,
      subjectsPerEntry: 100,
    });
    expect(rows.map(r => [r.subject, r.status])).toEqual([
      ['weekly', 'active'],
      ['quarterly', 'active'],
      ['gone', 'expired'],
    ]);
    expect(filterRows(rows, query, NOW).map(r => r.subject)).toEqual([
      'weekly',
    ]);
  });
});
