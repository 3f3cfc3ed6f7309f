import { mockCredentials } from '@backstage/backend-test-utils';
import { generateKeyPair, SignJWT } from 'jose';
import type { CredentialLister } from '../inventory/credentialDefinition';
import { fingerprintOf, sha256Hex } from '../lib/tokenDigest';
import { identifyCaller } from './caller';
import { createManagedToken } from './managedTokenFormat';
import type { ManagedTokenTable } from './ManagedTokenTable';

/**
 * Which credential is calling: a service's subject is its maker's choice,
 * so the request's own bearer token is looked up. (Managed and static
 * callers through a real backend: delegation.test.ts.)
 */
describe('identifyCaller', () => {
  const service = mockCredentials.service('caller');
  const requestWith = (token?: string) =>
    ({
      headers: token ? { authorization: `Bearer ${token}` } : {},
    }) as never;
  const noManaged = { find: () => undefined } as unknown as ManagedTokenTable;
  const STATIC = 'gth_identify-static-0123456789abcdefghij';
  const staticLister: CredentialLister = {
    source: 'gatehouse-static',
    list: () => [],
    identify: digest =>
      digest === sha256Hex(STATIC)
        ? {
            id: 'gatehouse-static:1234abcd',
            source: 'gatehouse-static',
            subject: 'caller',
            definedAt: 'config',
            expiresAt: 1_900_000_000_000,
            usageRecorded: true,
          }
        : undefined,
  };
  const identify = (token?: string, table = noManaged) =>
    identifyCaller(requestWith(token), service, {
      table,
      listers: () => [staticLister],
    });

  async function jwt(header: object, exp: number) {
    const { privateKey } = await generateKeyPair('ES256');
    return new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'ES256', ...header })
      .setExpirationTime(exp)
      .sign(privateKey);
  }

  it('names a static token by its inventory id, with its expiry', () => {
    expect(identify(STATIC)).toMatchObject({
      type: 'service',
      name: 'caller',
      credential: 'gatehouse-static:1234abcd',
      expiresAt: 1_900_000_000_000,
      restricted: false,
    });
  });

  it("caps a JWT caller at the JWT's expiry and names it by fingerprint", async () => {
    const token = await jwt({ typ: 'JWT' }, 1_800_000_300);
    expect(identify(token)).toMatchObject({
      credential: `fingerprint:${fingerprintOf(token)}`,
      expiresAt: 1_800_000_300_000,
    });
  });

  it("takes a plugin's own token as the plugin, without a cap", async () => {
    const token = await jwt({ typ: 'vnd.backstage.plugin' }, 1_800_000_300);
    const caller = identifyCaller(
      requestWith(token),
      mockCredentials.service('plugin:scaffolder'),
      { table: noManaged, listers: () => [] },
    );
    expect(caller).toMatchObject({ credential: 'plugin:scaffolder' });
    expect((caller as { expiresAt?: number }).expiresAt).toBeUndefined();
  });

  it('refuses a managed token that is no longer active, and a service without a bearer token', () => {
    expect(() => identify(createManagedToken())).toThrow(
      "'caller' may not manage tokens: its managed token has been revoked or has expired",
    );
    expect(() => identify(undefined)).toThrow(
      "'caller' may not manage tokens: its credential did not come in the Authorization header",
    );
  });

  it('takes a user as the user', () => {
    expect(
      identifyCaller(requestWith(), mockCredentials.user('user:default/jane'), {
        table: noManaged,
        listers: () => [],
      }),
    ).toMatchObject({ type: 'user', name: 'user:default/jane' });
  });
});
