import { mockServices } from '@backstage/backend-test-utils';
import { RejectionLog } from './RejectionLog';

describe('RejectionLog', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('warns at once, then summarises at most once per window', () => {
    const logger = mockServices.logger.mock();
    const log = RejectionLog.create({
      logger,
      source: 'gatehouse-static',
      windowMs: 60_000,
    });

    log.record({
      reason: 'unknown_token',
      fingerprint: 'aaaaaaaa',
      plugin: 'catalog',
    });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0][0]).toContain(
      'unknown_token, fingerprint aaaaaaaa',
    );

    for (let i = 0; i < 100; i++) {
      log.record({ reason: 'unknown_token', fingerprint: 'bbbbbbbb' });
    }
    log.record({ reason: 'token_expired_static', fingerprint: 'cccccccc' });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.debug).toHaveBeenCalledTimes(102);

    jest.advanceTimersByTime(60_000);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.warn.mock.calls[1][0]).toBe(
      'gatehouse-static rejected 101 more token(s) in the last 60 s: unknown_token 100, token_expired_static 1',
    );

    // A quiet window closes the cycle: the next rejection warns at once again.
    jest.advanceTimersByTime(60_000);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    log.record({ reason: 'unknown_token' });
    expect(logger.warn).toHaveBeenCalledTimes(3);
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
