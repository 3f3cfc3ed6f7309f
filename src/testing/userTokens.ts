import { DatabaseManager } from '@backstage/backend-defaults/database';
import {
  BackendFeature,
  coreServices,
  createServiceFactory,
  DatabaseService,
} from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import authPlugin from '@backstage/plugin-auth-backend';
import guestProviderModule from '@backstage/plugin-auth-backend-module-guest-provider';
import type { JsonObject } from '@backstage/types';
import type { Server } from 'node:http';
import request from 'supertest';

/** The guest provider's default user when `userEntityRef` is not configured. */
export const DEFAULT_GUEST_USER = 'user:development/guest';

type Knex = Awaited<ReturnType<DatabaseService['getClient']>>;

/**
 * `coreServices.database` with a private in-memory SQLite database per plugin,
 * destroyed when the plugin shuts down.
 *
 * The auth backend cannot run without a database, whatever its key store: at
 * startup it opens its database and runs its migrations (user info and OIDC
 * tables), and every sign-in writes the user's claims to `user_info`. The
 * default database service gives it in-memory SQLite but never destroys SQLite
 * clients on shutdown, so knex's pool reaper (a `setInterval` in tarn) keeps
 * Jest alive after the tests. This factory uses the same connector and destroys
 * the client on shutdown.
 */
export const closingSqliteDatabaseServiceFactory = createServiceFactory({
  service: coreServices.database,
  deps: {
    lifecycle: coreServices.lifecycle,
    rootLifecycle: coreServices.rootLifecycle,
    logger: coreServices.logger,
    pluginMetadata: coreServices.pluginMetadata,
  },
  createRootContext() {
    return DatabaseManager.fromConfig(
      new ConfigReader({
        backend: {
          database: { client: 'better-sqlite3', connection: ':memory:' },
        },
      }),
    );
  },
  factory(
    { lifecycle, rootLifecycle, logger, pluginMetadata },
    manager,
  ): DatabaseService {
    const database = manager.forPlugin(pluginMetadata.getId(), {
      lifecycle,
      logger,
    });
    let client: Promise<Knex> | undefined;
    // After every plugin's own shutdown hooks, which may still write (as
    // Backstage's DatabaseManager does it, on the root lifecycle).
    rootLifecycle.addShutdownHook(async () => {
      const opened = client;
      client = undefined;
      if (opened) {
        await (await opened).destroy();
      }
    });
    return {
      migrations: database.migrations,
      getClient: () => (client ??= database.getClient()),
    };
  },
});

export interface AuthBackendForTests {
  /** For `startGatehouseTestBackend({ features })`. */
  features: BackendFeature[];
  /** For `startGatehouseTestBackend({ extraConfig })`. */
  config: JsonObject;
}

/**
 * The real auth backend (`@backstage/plugin-auth-backend`) with the guest
 * provider, configured to run inside Jest: signing keys in memory, the guest
 * provider allowed although `NODE_ENV` is `test`, and an in-memory database
 * that is closed when the backend stops.
 *
 * @param options.userEntityRef - the user the guest signs in as
 *   (default `user:development/guest`)
 */
export function authBackendForTests(
  options: { userEntityRef?: string } = {},
): AuthBackendForTests {
  return {
    features: [
      authPlugin,
      guestProviderModule,
      closingSqliteDatabaseServiceFactory,
    ],
    config: {
      // Required by the auth backend (redirects and allowed origins).
      app: { baseUrl: 'http://localhost:3000' },
      auth: {
        // Signing keys for user tokens; the default `database` would work
        // with the closing database too, `memory` is simpler and faster.
        keyStore: { provider: 'memory' },
        providers: {
          guest: {
            // Without it the guest provider refuses to sign in unless
            // NODE_ENV is `development` (Jest sets `test`).
            dangerouslyAllowOutsideDevelopment: true,
            ...(options.userEntityRef
              ? { userEntityRef: options.userEntityRef }
              : {}),
          },
        },
      },
    },
  };
}

export interface UserToken {
  /** A Backstage user token (`typ: vnd.backstage.user`), with a `uip` claim. */
  token: string;
  userEntityRef: string;
  ownershipEntityRefs: string[];
}

/**
 * Signs in as the guest user the way the Backstage frontend does
 * (`GET /api/auth/guest/refresh`) and returns the Backstage identity token
 * the auth backend issued.
 */
export async function getUserToken(server: Server): Promise<UserToken> {
  const response = await request(server)
    .get('/api/auth/guest/refresh')
    .set('X-Requested-With', 'XMLHttpRequest');
  if (response.status !== 200) {
    throw new Error(
      `Guest sign-in failed with HTTP ${response.status}: ${response.text}`,
    );
  }
  const identity = (
    response.body as {
      backstageIdentity?: {
        token?: string;
        identity?: { userEntityRef?: string; ownershipEntityRefs?: string[] };
      };
    }
  ).backstageIdentity;
  if (!identity?.token || !identity.identity?.userEntityRef) {
    throw new Error('Guest sign-in answered without a Backstage identity');
  }
  return {
    token: identity.token,
    userEntityRef: identity.identity.userEntityRef,
    ownershipEntityRefs: identity.identity.ownershipEntityRefs ?? [],
  };
}
