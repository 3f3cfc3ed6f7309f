import { mockServices } from '@backstage/backend-test-utils';
import { ExpiryNotices } from './ExpiryNotices';
import { StaticTokenRecord } from './StaticTokenTable';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 10, 23);

function record(digest: string, expiresAt?: number): StaticTokenRecord {
  return {
    digest,
    fingerprint: digest.slice(0, 8),
    subject: 'ci',
    origin: `backend.auth.externalAccess[0].options.tokens[${digest[0]}]`,
    entryIndex: 0,
    expiresAt,
    short: false,
    stored: 'hash',
    usageKey: digest.slice(0, 8),
  };
}

describe('ExpiryNotices', () => {
  it('warns once a day about tokens within 7 days of expiry and expired ones', () => {
    const logger = mockServices.logger.mock();
    const notices = new ExpiryNotices(logger);
    const records = [
      record('1aaaaaaa', NOW + 3 * DAY),
      record('2bbbbbbb', NOW + 30 * DAY),
      record('3ccccccc'),
      record('4ddddddd', NOW - DAY),
    ];

    notices.check(records, NOW);
    expect(logger.warn.mock.calls.map(c => c[0])).toEqual([
      "gatehouse-static token 1aaaaaaa for 'ci' at backend.auth.externalAccess[0].options.tokens[1] expires at 2026-11-26T00:00:00.000Z (in about 3 days); add its replacement next to it, hand that out, then remove this one",
      "gatehouse-static token 4ddddddd for 'ci' at backend.auth.externalAccess[0].options.tokens[4] expired at 2026-11-22T00:00:00.000Z and is rejected; remove it from the configuration",
    ]);

    notices.check(records, NOW + 23 * 60 * 60 * 1000);
    expect(logger.warn).toHaveBeenCalledTimes(2);

    notices.check(records, NOW + DAY);
    expect(logger.warn).toHaveBeenCalledTimes(4);
  });
});
