import { authServiceFactory } from '@backstage/backend-defaults/auth';
import request from 'supertest';
import {
  BACKEND_DEFAULTS_VERSION,
  BACKSTAGE_GUARDS_DELEGATION,
} from '../testing/backstageLine';
import { createManagedToken } from '../testing/requests';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from '../testing/startGatehouseTestBackend';
import { relayPlugin } from '../../dev/relayPlugin';
import { DELEGATION_UNGUARDED } from './delegationSelfCheck';

const ADMIN = 'gth_relay-admin-0123456789abcdefghijklmn';
const UNRESTRICTED = 'gth_relay-unrestricted-0123456789abcdefgh';
/** May reach relay, and other without limits. */
const PLUGINS_ONLY = 'gth_relay-plugins-only-0123456789abcdefgh';
/** May reach relay only. */
const RELAY_ONLY = 'gth_relay-relay-only-0123456789abcdefghij';
/** May reach relay, and one permission of other. */
const LIMITED_OTHER = 'gth_relay-limited-other-0123456789abcdefg';

const ACCESS = [
  { type: 'gatehouse-static', options: { subject: 'admin', token: ADMIN } },
  {
    type: 'gatehouse-static',
    options: { subject: 'unrestricted', token: UNRESTRICTED },
  },
  {
    type: 'gatehouse-static',
    options: { subject: 'plugins-only', token: PLUGINS_ONLY },
    accessRestrictions: [{ plugin: 'relay' }, { plugin: 'other' }],
  },
  {
    type: 'gatehouse-static',
    options: { subject: 'relay-only', token: RELAY_ONLY },
    accessRestrictions: [{ plugin: 'relay' }],
  },
  {
    type: 'gatehouse-static',
    options: { subject: 'limited-other', token: LIMITED_OTHER },
    accessRestrictions: [
      { plugin: 'relay' },
      { plugin: 'other', permission: 'other.thing.read' },
    ],
  },
  { type: 'gatehouse-managed', options: {} },
];

/**
 * Backstage before backend-defaults 0.17.8 answers a plugin's request for a
 * token on behalf of any service caller with the plugin's own, unrestricted
 * token: a token restricted to one plugin reached every other through it.
 * Gatehouse's coreServices.auth refuses, on every release line; the rule is
 * Backstage's own from 0.17.8, and where a line does not keep the token's
 * restrictions for other plugins, a restricted caller is never delegated.
 */
describe(`delegation of restricted callers (backend-defaults ${BACKEND_DEFAULTS_VERSION})`, () => {
  let backend: GatehouseTestBackend;

  beforeAll(async () => {
    backend = await startGatehouseTestBackend({
      externalAccess: ACCESS,
      features: [relayPlugin],
    });
  });
  afterAll(() => backend.stop());

  it('delegates an unrestricted caller, as the calling plugin', async () => {
    const response = await relay(backend, UNRESTRICTED);
    expect(response.status).toBe(200);
    expect(response.body.principal).toEqual({
      type: 'service',
      subject: 'plugin:relay',
    });
  });

  it('refuses a static token restricted away from the target, or to some of its permissions', async () => {
    const relayOnly = await relay(backend, RELAY_ONLY);
    expect(relayOnly.status).toBe(403);
    expect(relayOnly.body.error.name).toBe('NotAllowedError');
    expect(relayOnly.body.error.message).toBe(
      BACKSTAGE_GUARDS_DELEGATION
        ? "Access to target plugin 'other' is not included in token's access restrictions"
        : "Access to target plugin 'other' cannot be delegated: the caller's token is restricted, and this Backstage version does not say which plugins it may reach",
    );
    const limited = await relay(backend, LIMITED_OTHER);
    expect(limited.status).toBe(403);
    expect(limited.body.error.message).toMatch(
      BACKSTAGE_GUARDS_DELEGATION
        ? /is restricted and cannot be delegated$/
        : /cannot be delegated: the caller's token is restricted/,
    );
  });

  it('refuses a restricted managed token the same way', async () => {
    const { token } = await createManagedToken(backend, ADMIN, {
      subject: 'svc-relay-only',
      description: 'restricted to relay',
      accessRestrictions: [{ plugin: 'relay' }],
    });
    const response = await relay(backend, token);
    expect(response.status).toBe(403);
    expect(response.body.error.message).toMatch(/^Access to target plugin/);
  });

  it('delegates a token that may reach the target without limits only where Backstage says so', async () => {
    const response = await relay(backend, PLUGINS_ONLY);
    if (BACKSTAGE_GUARDS_DELEGATION) {
      expect(response.status).toBe(200);
      expect(response.body.principal.subject).toBe('plugin:relay');
    } else {
      expect(response.status).toBe(403);
    }
  });
});

/**
 * Where another coreServices.auth factory wins over Gatehouse's (Red Hat
 * Developer Hub's own unless ENABLE_CORE_AUTH_OVERRIDE=true, or a backend
 * that adds Backstage's), the gatehouse plugin asks that one at start-up and
 * stops the backend if it delegates a restricted caller. On lines where
 * Backstage refuses, the backend starts: which also pins the probe's
 * credentials to the shape Backstage reads.
 */
describe(`Backstage's own coreServices.auth on backend-defaults ${BACKEND_DEFAULTS_VERSION}`, () => {
  it(
    BACKSTAGE_GUARDS_DELEGATION
      ? 'starts: it refuses to delegate restricted callers itself'
      : 'does not start: it delegates restricted callers',
    async () => {
      const starting = startGatehouseTestBackend({
        externalAccess: ACCESS,
        authFactory: authServiceFactory,
        features: [relayPlugin],
      });
      if (BACKSTAGE_GUARDS_DELEGATION) {
        const backend = await starting;
        try {
          const response = await relay(backend, RELAY_ONLY);
          expect(response.status).toBe(403);
        } finally {
          await backend.stop();
        }
      } else {
        await expect(starting).rejects.toThrow(DELEGATION_UNGUARDED);
      }
    },
  );
});

/** The relay plugin calls `other` on behalf of the bearer of `token`. */
function relay(backend: GatehouseTestBackend, token: string) {
  return request(backend.server)
    .get('/api/relay/relay?target=other&path=/whoami')
    .set('Authorization', `Bearer ${token}`);
}
