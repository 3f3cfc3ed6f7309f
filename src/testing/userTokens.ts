import type { BackendFeature } from '@backstage/backend-plugin-api';
import type { JsonObject } from '@backstage/types';
import authPlugin from '@backstage/plugin-auth-backend';
import guestProvider from '@backstage/plugin-auth-backend-module-guest-provider';
import request from 'supertest';
import type { GatehouseTestBackend } from './startGatehouseTestBackend';

export function authBackendForTests(): {
  features: BackendFeature[];
  config: JsonObject;
} {
  return {
    features: [authPlugin, guestProvider],
    config: {
      app: { baseUrl: 'http://localhost:3000' },
      auth: {
        keyStore: { provider: 'memory' },
        providers: { guest: { dangerouslyAllowOutsideDevelopment: true } },
      },
    },
  };
}

export async function getUserToken(
  backend: Pick<GatehouseTestBackend, 'server'>,
) {
  const res = await request(backend.server)
    .get('/api/auth/guest/refresh')
    .set('X-Requested-With', 'XMLHttpRequest');
  if (res.status !== 200) {
    throw new Error(`guest refresh failed: ${res.status} ${res.text}`);
  }
  const identity = res.body.backstageIdentity;
  return {
    token: identity.token as string,
    userEntityRef: identity.identity.userEntityRef as string,
    body: res.body,
  };
}
