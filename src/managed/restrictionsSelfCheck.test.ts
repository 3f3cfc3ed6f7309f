import type { AuthService } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { NotAllowedError } from '@backstage/errors';
import { UsageLedger } from '../inventory/UsageLedger';
import { CompromisedList } from '../leaks/CompromisedList';
import { RejectionLog } from '../lib/RejectionLog';
import { fingerprintOfDigest, sha256Hex } from '../lib/tokenDigest';
import { createManagedToken } from './managedTokenFormat';
import { createManagedTokenHandler } from './managedTokenHandler';
import type { ManagedTokenRecord } from './ManagedTokenStore';
import { ManagedTokenTable } from './ManagedTokenTable';
import { checkRestrictionsHonoured } from './restrictionsSelfCheck';

/**
 * What happens if a Backstage version drops the restrictions a handler
 * returns: the self-check sees it through the auth service, and restricted
 * managed tokens are refused instead of let through unrestricted. (That
 * Backstage does apply them today is checked through a real backend in
 * managedTokens.test.ts, on every release line CI tests.)
 */
describe('the restrictions self-check', () => {
  const logger = mockServices.logger.mock();

  function record(token: string, restricted: boolean): ManagedTokenRecord {
    const tokenHash = sha256Hex(token);
    const now = Date.now();
    return {
      id: token.slice(-8),
      tokenHash,
      fingerprint: fingerprintOfDigest(tokenHash),
      subject: restricted ? 'restricted' : 'unrestricted',
      description: 'test',
      createdBy: 'test',
      createdAt: now,
      expiresAt: now + 60_000,
      updatedAt: now,
      ...(restricted
        ? {
            accessRestrictions: [{ plugin: 'demo', permission: ['demo.read'] }],
          }
        : {}),
    };
  }

  /** A table with one restricted and one unrestricted token, read from a fake store. */
  async function tableWith(records: ManagedTokenRecord[]) {
    const table = new ManagedTokenTable({ logger });
    await table.attach({
      now: async () => Date.now(),
      active: async () => records,
      changedSince: async () => [],
    } as never);
    table.close();
    return table;
  }

  /** An auth service whose principal is built as `build` says from the handler's result. */
  function authThrough(
    table: ManagedTokenTable,
    build: (result: Record<string, unknown>) => object,
  ): AuthService {
    const handler = createManagedTokenHandler({
      table,
      rejections: RejectionLog.create({ logger, source: 'test' }),
      metrics: { accepted() {}, rejected() {} } as never,
      ledger: new UsageLedger(),
      compromised: new CompromisedList({ logger }),
      pluginId: 'gatehouse',
    });
    return {
      async authenticate(token: string) {
        const result = await handler.verifyToken(token, undefined);
        return {
          $$type: '@backstage/BackstageCredentials',
          principal: build(result!),
        };
      },
    } as unknown as AuthService;
  }

  it('passes when the principal carries the returned restrictions, as Backstage does today', async () => {
    const table = await tableWith([]);
    const auth = authThrough(table, result => ({
      type: 'service',
      subject: result.subject,
      accessRestrictions: result.accessRestrictions,
    }));
    expect(
      await checkRestrictionsHonoured({
        auth,
        table,
        logger,
        pluginId: 'gatehouse',
      }),
    ).toBe(true);
    expect(table.restrictionsHonoured).toBe(true);
  });

  it('fails closed when the restrictions are dropped: restricted tokens refused, others accepted', async () => {
    const restricted = createManagedToken();
    const unrestricted = createManagedToken();
    const table = await tableWith([
      record(restricted, true),
      record(unrestricted, false),
    ]);
    const auth = authThrough(table, result => ({
      type: 'service',
      subject: result.subject, // accessRestrictions dropped
    }));
    expect(
      await checkRestrictionsHonoured({
        auth,
        table,
        logger,
        pluginId: 'gatehouse',
      }),
    ).toBe(false);
    expect(table.restrictionsHonoured).toBe(false);
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining(
        'does not apply the access restrictions a token handler returns',
      ),
    );
    const handler = createManagedTokenHandler({
      table,
      rejections: RejectionLog.create({ logger, source: 'test' }),
      metrics: { accepted() {}, rejected() {} } as never,
      ledger: new UsageLedger(),
      compromised: new CompromisedList({ logger }),
      pluginId: 'demo',
    });
    await expect(handler.verifyToken(restricted, undefined)).rejects.toThrow(
      NotAllowedError,
    );
    await expect(handler.verifyToken(unrestricted, undefined)).resolves.toEqual(
      {
        subject: 'unrestricted',
      },
    );
  });
});
