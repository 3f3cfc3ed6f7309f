import { authServiceFactory } from '@backstage/backend-defaults/auth';
import type {
  AuthService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { startGatehouseTestBackend } from '../testing/startGatehouseTestBackend';
import { DelegationGuardedAuthService } from './DelegationGuardedAuthService';
import {
  assertDelegationRefused,
  DELEGATION_UNGUARDED,
} from './delegationSelfCheck';
import {
  authFactoryInternals,
  CANNOT_WRAP_AUTH,
  createGatehouseAuthServiceFactory,
} from './gatehouseAuthServiceFactory';

/**
 * An auth service that issues a token on behalf of anyone, as Backstage's
 * did before backend-defaults 0.17.8 (the matrix runs restrictedDelegation.test.ts
 * on those lines for real); here it shows the guard does not rely on the
 * line it wraps.
 */
function delegatingAnyone(): AuthService & { issued: string[] } {
  const issued: string[] = [];
  return {
    issued,
    async getPluginRequestToken({ targetPluginId }) {
      issued.push(targetPluginId);
      return { token: `plugin-token-for-${targetPluginId}` };
    },
  } as AuthService & { issued: string[] };
}

function serviceCaller(
  accessRestrictions?: object,
  allAccessRestrictions?: Map<string, object>,
): BackstageCredentials {
  const credentials = {
    $$type: '@backstage/BackstageCredentials',
    version: 'v1',
    principal: { type: 'service', subject: 'caller', accessRestrictions },
  };
  if (allAccessRestrictions) {
    Object.defineProperty(credentials, 'allAccessRestrictions', {
      enumerable: false,
      value: allAccessRestrictions,
    });
  }
  return credentials as BackstageCredentials;
}

describe('DelegationGuardedAuthService over an auth service that delegates anyone', () => {
  const ask = (onBehalfOf: BackstageCredentials, targetPluginId = 'other') => {
    const inner = delegatingAnyone();
    const guarded = new DelegationGuardedAuthService(inner);
    return {
      inner,
      result: guarded.getPluginRequestToken({ onBehalfOf, targetPluginId }),
    };
  };

  it('passes unrestricted services and users through', async () => {
    const { inner, result } = ask(serviceCaller());
    await expect(result).resolves.toEqual({
      token: 'plugin-token-for-other',
    });
    expect(inner.issued).toEqual(['other']);
    const user = {
      $$type: '@backstage/BackstageCredentials',
      version: 'v1',
      principal: { type: 'user', userEntityRef: 'user:default/jane' },
    } as BackstageCredentials;
    await expect(ask(user).result).resolves.toBeDefined();
  });

  it('never asks the inner service for a restricted caller it may not delegate', async () => {
    const restricted = { permissionNames: ['demo.read'] };
    const cases: Array<[BackstageCredentials, RegExp]> = [
      // A line that keeps only the current plugin's restrictions.
      [serviceCaller(restricted), /does not say which plugins it may reach/],
      [
        serviceCaller(restricted, new Map([['demo', restricted]])),
        /is not included in token's access restrictions/,
      ],
      [
        serviceCaller(
          restricted,
          new Map<string, object>([
            ['demo', restricted],
            ['other', { permissionNames: ['other.read'] }],
          ]),
        ),
        /is restricted and cannot be delegated/,
      ],
      [
        serviceCaller(
          restricted,
          new Map<string, object>([
            ['other', { permissionAttributes: { action: ['read'] } }],
          ]),
        ),
        /is restricted and cannot be delegated/,
      ],
    ];
    for (const [caller, message] of cases) {
      const { inner, result } = ask(caller);
      await expect(result).rejects.toThrow(NotAllowedError);
      await expect(result).rejects.toThrow(message);
      expect(inner.issued).toEqual([]);
    }
  });

  it('delegates a restricted caller to a plugin its token reaches without limits', async () => {
    const { inner, result } = ask(
      serviceCaller(
        { permissionNames: ['demo.read'] },
        new Map([['other', {}]]),
      ),
    );
    await expect(result).resolves.toBeDefined();
    expect(inner.issued).toEqual(['other']);
  });
});

describe('the start-up delegation check', () => {
  it('passes only when the auth service refuses its restricted probe', async () => {
    await expect(
      assertDelegationRefused(
        new DelegationGuardedAuthService(delegatingAnyone()),
      ),
    ).resolves.toBeUndefined();
    await expect(assertDelegationRefused(delegatingAnyone())).rejects.toThrow(
      DELEGATION_UNGUARDED,
    );
  });

  it('fails closed when the probe cannot be judged', async () => {
    const broken = {
      async getPluginRequestToken() {
        throw new Error('Invalid credential version v1');
      },
    } as unknown as AuthService;
    await expect(assertDelegationRefused(broken)).rejects.toThrow(
      /could not check that restricted callers are never delegated \(Error: Invalid credential version v1\); refusing to start/,
    );
  });
});

describe("wrapping Backstage's authServiceFactory", () => {
  it("finds the deps and factory it wraps in this line's factory", () => {
    const internals = authFactoryInternals(authServiceFactory);
    expect(internals).toBeDefined();
    expect(Object.values(internals!.deps).map(ref => ref.id)).toEqual(
      expect.arrayContaining([
        'core.rootConfig',
        'core.auth.externalTokenHandlers',
      ]),
    );
  });

  it('stops the backend, saying why, if the factory is not what it wraps', async () => {
    expect(authFactoryInternals({ service: { id: 'core.auth' } })).toBe(
      undefined,
    );
    await expect(
      startGatehouseTestBackend({
        externalAccess: [],
        authFactory: createGatehouseAuthServiceFactory({
          ...authServiceFactory,
          factory: undefined,
        }),
      }),
    ).rejects.toThrow(CANNOT_WRAP_AUTH);
  });
});
