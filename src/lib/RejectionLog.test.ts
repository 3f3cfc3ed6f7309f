import { mockServices } from '@backstage/backend-test-utils';
import { RejectionLog } from './RejectionLog';

describe('RejectionLog', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('warns at once about each new reason and token, and summarises repeats once per window', () => {
    const logger = mockServices.logger.mock();
    const log = RejectionLog.create({
      logger,
      source: 'gatehouse-static',
      windowMs: 60_000,
    });
    const warnings = () => logger.warn.mock.calls.map(c => c[0] as string);

    log.record({
      reason: 'token_expired_static',
      fingerprint: 'aaaaaaaa',
      plugin: 'catalog',
    });
    expect(warnings()).toEqual([
      'gatehouse-static rejected a token (token_expired_static, fingerprint aaaaaaaa); the same token again, or more than 5 tokens for one reason, is summarised every 60 s (LOG_LEVEL=debug logs each rejection)',
    ]);

    // A client retrying the same token: counted, not logged.
    for (let i = 0; i < 100; i++) {
      log.record({ reason: 'token_expired_static', fingerprint: 'aaaaaaaa' });
    }
    expect(warnings()).toHaveLength(1);
    // Another kind of failure right after: visible at once.
    log.record({ reason: 'unknown_token', fingerprint: 'bbbbbbbb' });
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]).toContain('(unknown_token, fingerprint bbbbbbbb)');
    // Another token, same reason: visible too, up to 5 tokens per reason.
    for (const fingerprint of ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']) {
      log.record({ reason: 'unknown_token', fingerprint });
    }
    expect(warnings()).toHaveLength(6);
    expect(warnings()[5]).toContain('fingerprint c4');
    expect(logger.debug).toHaveBeenCalledTimes(109);

    jest.advanceTimersByTime(60_000);
    expect(warnings()).toHaveLength(7);
    expect(warnings()[6]).toBe(
      'gatehouse-static rejected 103 more token(s) in the last 60 s: token_expired_static 100, unknown_token 3',
    );

    // A new window: the retried token is shown again, once.
    log.record({ reason: 'token_expired_static', fingerprint: 'aaaaaaaa' });
    log.record({ reason: 'token_expired_static', fingerprint: 'aaaaaaaa' });
    expect(warnings()).toHaveLength(8);
    // A window with nothing summarised ends without a summary.
    jest.advanceTimersByTime(60_000);
    expect(warnings()).toHaveLength(9);
    jest.advanceTimersByTime(120_000);
    expect(warnings()).toHaveLength(9);
    log.close();
  });

  it('warns about at most 5 tokens per reason and window, whatever a scanner sends', () => {
    const logger = mockServices.logger.mock();
    const log = RejectionLog.create({ logger, source: 'gatehouse-jwks' });
    for (let i = 0; i < 10_000; i++) {
      log.record({ reason: 'malformed', fingerprint: i.toString(16) });
    }
    expect(logger.warn).toHaveBeenCalledTimes(5);
    log.close();
  });

  it('logs each rejection at debug with its reason, fingerprint and plugin', () => {
    const logger = mockServices.logger.mock();
    const log = RejectionLog.create({ logger, source: 'gatehouse-static' });
    log.record({
      reason: 'token_expired_static',
      fingerprint: 'abcdef01',
      plugin: 'catalog',
      detail: 'expired at 2026-01-01T00:00:00.000Z',
    });
    expect(logger.debug).toHaveBeenCalledWith(
      'gatehouse-static rejected a token (token_expired_static): expired at 2026-01-01T00:00:00.000Z',
      {
        reason: 'token_expired_static',
        fingerprint: 'abcdef01',
        plugin: 'catalog',
      },
    );
    log.close();
  });
});
