import { createBackendModule } from '@backstage/backend-plugin-api';
import { AuthenticationError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthenticator,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';
import request from 'supertest';
import type { Server } from 'node:http';

/** The header the test sign-in provider reads the user's name from. */
const USER_HEADER = 'x-test-user';

/**
 * An auth provider module for tests with several users: a proxy provider
 * (as Backstage's oauth2-proxy and IAP providers are: a trusted proxy in
 * front has authenticated the user and names it in a header) that signs
 * the named user in through the catalog, so that the user's ownership refs
 * are the catalog's (its groups). Everything after the header is the real
 * auth backend: its tokens, its user info.
 */
export const headerSignInModule = createBackendModule({
  pluginId: 'auth',
  moduleId: 'test-header-provider',
  register(reg) {
    reg.registerInit({
      deps: { providers: authProvidersExtensionPoint },
      async init({ providers }) {
        providers.registerProvider({
          providerId: 'test-header',
          factory: createProxyAuthProviderFactory({
            authenticator: createProxyAuthenticator({
              defaultProfileTransform: async () => ({ profile: {} }),
              initialize: () => undefined,
              async authenticate({ req }) {
                const user = req.header(USER_HEADER);
                if (!user) {
                  throw new AuthenticationError(`No ${USER_HEADER} header`);
                }
                return { result: { user } };
              },
            }),
            signInResolver: async ({ result }, ctx) =>
              ctx.signInWithCatalogUser({ entityRef: { name: result.user } }),
          }),
        });
      },
    });
  },
});

/** The auth backend's config for the provider (with the rest of authBackendForTests'). */
export const HEADER_SIGN_IN_CONFIG = { 'test-header': {} };

/**
 * Signs `user` (a User entity's name in the catalog) in as the frontend
 * would, and returns its Backstage token; undefined while the catalog does
 * not know the user yet.
 */
export async function signInAs(
  server: Server,
  user: string,
): Promise<string | undefined> {
  const response = await request(server)
    .get('/api/auth/test-header/refresh')
    .set(USER_HEADER, user)
    .set('X-Requested-With', 'XMLHttpRequest');
  return response.status === 200
    ? (response.body?.backstageIdentity?.token as string | undefined)
    : undefined;
}
