import { GatehouseConfigError } from '../lib/GatehouseConfigError';
import { parseNoticeSettings } from './noticeSettings';

const DAY = 86_400_000;

describe('gatehouse.notifications', () => {
  it('defaults to every notice: 14 and 3 days before expiry, on expiry, after 30 days unused, hourly', () => {
    expect(parseNoticeSettings(undefined)).toEqual({
      enabled: true,
      intervalMs: 3_600_000,
      expiringWithinMs: [14 * DAY, 3 * DAY],
      expired: true,
      unusedForMs: 30 * DAY,
    });
  });

  it('turns each notice off, and takes windows in any order', () => {
    expect(
      parseNoticeSettings({
        expiring: { within: ['1d', '7d', '1d'] },
        expired: { enabled: false },
        unused: { enabled: false },
      }),
    ).toMatchObject({
      expiringWithinMs: [7 * DAY, DAY],
      expired: false,
      unusedForMs: undefined,
    });
    expect(
      parseNoticeSettings({ expiring: { enabled: false } }).expiringWithinMs,
    ).toEqual([]);
  });

  it('names each bad key and the fix', () => {
    const error = (() => {
      try {
        parseNoticeSettings({
          interval: '10ms',
          expiring: { within: [] },
          unused: { for: 'a month' },
          expird: {},
        });
      } catch (e) {
        return e as GatehouseConfigError;
      }
      throw new Error('expected a config error');
    })();
    expect(error).toBeInstanceOf(GatehouseConfigError);
    expect(error.problems).toEqual([
      'gatehouse.notifications.interval: must be at least 1 second',
      'gatehouse.notifications.expiring.within: must list at least one window, or set enabled: false',
      expect.stringMatching(/^gatehouse\.notifications\.unused\.for: /),
      expect.stringMatching(
        /^gatehouse\.notifications\.expird: unknown key 'expird'; did you mean 'expired'\?/,
      ),
    ]);
  });
});
