import request from 'supertest';
import { BACKSTAGE_GUARDS_DELEGATION } from '../testing/backstageLine';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from '../testing/startGatehouseTestBackend';
import { authBackendForTests, getUserToken } from '../testing/userTokens';

/** Gatehouse's refusal where the line keeps no restrictions for other plugins. */
const UNKNOWN_RESTRICTIONS =
  "Access to target plugin 'other' cannot be delegated: the caller's token is restricted, and this Backstage version does not say which plugins it may reach";

const UNRESTRICTED = 'gth_plugin-request-unrestricted-0123456789';
const BOTH_PLUGINS = 'gth_plugin-request-both-plugins-0123456789';
const DEMO_ONLY = 'gth_plugin-request-demo-only-plugin-012345';
const LIMITED_TARGET = 'gth_plugin-request-limited-target-01234567';

/**
 * The demo plugin's `GET /call/<target>` calls a sibling through the plugin
 * request service; the sibling's `/whoami` says whom it saw.
 */
describe('plugin-to-plugin calls through a real backend', () => {
  let backend: GatehouseTestBackend;

  beforeAll(async () => {
    backend = await startGatehouseTestBackend({
      externalAccess: [
        {
          type: 'gatehouse-static',
          options: { subject: 'unrestricted', token: UNRESTRICTED },
        },
        {
          type: 'gatehouse-static',
          options: { subject: 'both-plugins', token: BOTH_PLUGINS },
          accessRestrictions: [{ plugin: 'demo' }, { plugin: 'other' }],
        },
        {
          type: 'gatehouse-static',
          options: { subject: 'demo-only', token: DEMO_ONLY },
          accessRestrictions: [{ plugin: 'demo' }],
        },
        {
          type: 'gatehouse-static',
          options: { subject: 'limited-target', token: LIMITED_TARGET },
          accessRestrictions: [
            { plugin: 'demo' },
            { plugin: 'other', permission: 'catalog.entity.read' },
          ],
        },
      ],
    });
  });
  afterAll(() => backend.stop());

  const call = (token: string, query: string, target = 'other') =>
    request(backend.server)
      .get(`/api/demo/call/${target}?${query}`)
      .set('Authorization', `Bearer ${token}`);

  it('calls a sibling as the plugin itself', async () => {
    const response = await call(UNRESTRICTED, 'as=self');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      plugin: 'demo',
      called: 'other',
      as: 'self',
      response: {
        plugin: 'other',
        principal: { type: 'service', subject: 'plugin:demo' },
      },
    });
  });

  it('calls on behalf of an external service when its restrictions allow delegation', async () => {
    // Backstage's plugin tokens carry a user (obo), but not another service:
    // the target sees the calling plugin, not the external caller. Lines
    // before backend-defaults 0.17.8 do not keep a token's restrictions for
    // other plugins, so a restricted caller is never delegated there.
    const delegated = BACKSTAGE_GUARDS_DELEGATION
      ? [UNRESTRICTED, BOTH_PLUGINS]
      : [UNRESTRICTED];
    for (const token of delegated) {
      const response = await call(token, 'as=caller');
      expect(response.status).toBe(200);
      expect(response.body.response.principal).toEqual({
        type: 'service',
        subject: 'plugin:demo',
      });
    }
    if (!BACKSTAGE_GUARDS_DELEGATION) {
      const refused = await call(BOTH_PLUGINS, 'as=caller');
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toBe(
        `Plugin 'demo' cannot call plugin 'other' on behalf of 'both-plugins': ${UNKNOWN_RESTRICTIONS}`,
      );
    }
  });

  it('refuses to delegate outside the caller restrictions, saying which one', async () => {
    const outside = await call(DEMO_ONLY, 'as=caller');
    expect(outside.status).toBe(403);
    expect(outside.body.error).toEqual({
      name: 'NotAllowedError',
      message: `Plugin 'demo' cannot call plugin 'other' on behalf of 'demo-only': ${
        BACKSTAGE_GUARDS_DELEGATION
          ? "Access to target plugin 'other' is not included in token's access restrictions"
          : UNKNOWN_RESTRICTIONS
      }`,
    });
    const limited = await call(LIMITED_TARGET, 'as=caller');
    expect(limited.status).toBe(403);
    expect(limited.body.error.message).toBe(
      `Plugin 'demo' cannot call plugin 'other' on behalf of 'limited-target': ${
        BACKSTAGE_GUARDS_DELEGATION
          ? "Access to target plugin 'other' is restricted and cannot be delegated"
          : UNKNOWN_RESTRICTIONS
      }`,
    );
  });

  it("passes the target's errors on with their status and message", async () => {
    const missing = await call(UNRESTRICTED, 'path=/no-such-route');
    expect(missing.status).toBe(404);
    expect(missing.body.error.name).toBe('ResponseError');
    expect(missing.body.error.message).toMatch(
      /^Request failed with 404 Not Found/,
    );

    // Chained calls (demo -> other -> demo): each hop sees the plugin before it.
    const nested = await call(
      UNRESTRICTED,
      `path=${encodeURIComponent('/call/demo?as=caller')}`,
    );
    expect(nested.status).toBe(200);
    expect(nested.body.response.response.principal.subject).toBe(
      'plugin:other',
    );
  });

  it('only takes paths, never URLs', async () => {
    for (const path of [
      '//evil.example.com/x',
      'http://evil.example.com/x',
      'whoami',
    ]) {
      const response = await call(
        UNRESTRICTED,
        `path=${encodeURIComponent(path)}`,
      );
      expect(response.status).toBe(400);
      expect(response.body.error.name).toBe('InputError');
    }
  });
});

describe('plugin-to-plugin calls on behalf of a real user', () => {
  let backend: GatehouseTestBackend;
  const authBackend = authBackendForTests({
    userEntityRef: 'user:default/jane',
  });

  beforeAll(async () => {
    backend = await startGatehouseTestBackend({
      features: authBackend.features,
      extraConfig: authBackend.config,
      externalAccess: [],
    });
  });
  afterAll(() => backend.stop());

  it('reaches the target as the user, and as the plugin when called as self', async () => {
    const { token } = await getUserToken(backend.server);
    const call = (query: string) =>
      request(backend.server)
        .get(`/api/demo/call/other?${query}`)
        .set('Authorization', `Bearer ${token}`);

    const asCaller = await call('as=caller');
    expect(asCaller.status).toBe(200);
    expect(asCaller.body.response.principal).toEqual({
      type: 'user',
      userEntityRef: 'user:default/jane',
      actor: { type: 'service', subject: 'plugin:demo' },
    });
    const asSelf = await call('as=self');
    expect(asSelf.body.response.principal).toEqual({
      type: 'service',
      subject: 'plugin:demo',
    });
  });
});
