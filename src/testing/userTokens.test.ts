import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { Router } from 'express';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import request from 'supertest';
import { whoami } from './requests';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from './startGatehouseTestBackend';
import {
  DEFAULT_GUEST_USER,
  UserToken,
  authBackendForTests,
  getUserToken,
} from './userTokens';

/**
 * A plugin that calls the `demo` plugin on behalf of its caller, as a plugin
 * serving a user's request would: `GET /relay` answers with what `demo`'s
 * `/whoami` saw, and with the shape (not the value) of the token it sent.
 */
const callerPlugin = createBackendPlugin({
  pluginId: 'caller',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
      },
      async init({ httpRouter, httpAuth, auth, discovery }) {
        const router = Router();
        router.get('/relay', async (req, res) => {
          const credentials = await httpAuth.credentials(req, {
            allow: ['user'],
          });
          const { token } = await auth.getPluginRequestToken({
            onBehalfOf: credentials,
            targetPluginId: 'demo',
          });
          const response = await fetch(
            `${await discovery.getBaseUrl('demo')}/whoami`,
            { headers: { Authorization: `Bearer ${token}` } },
          );
          const claims = decodeJwt(token);
          res.json({
            status: response.status,
            body: await response.json(),
            sentToken: {
              typ: decodeProtectedHeader(token).typ,
              sub: claims.sub,
              aud: claims.aud,
              hasObo: typeof claims.obo === 'string',
            },
          });
        });
        httpRouter.use(router);
      },
    });
  },
});

let backend: GatehouseTestBackend;
let user: UserToken;

beforeAll(async () => {
  const { features, config } = authBackendForTests();
  backend = await startGatehouseTestBackend({
    externalAccess: [],
    extraConfig: config,
    features: [...features, callerPlugin],
  });
  user = await getUserToken(backend.server);
});

afterAll(async () => {
  await backend?.stop();
});

describe('user tokens from the real auth backend', () => {
  it('signs in as the guest user and gets a Backstage user token with a uip claim', () => {
    expect(user.userEntityRef).toBe(DEFAULT_GUEST_USER);
    expect(user.ownershipEntityRefs).toEqual([DEFAULT_GUEST_USER]);
    expect(decodeProtectedHeader(user.token)).toMatchObject({
      typ: 'vnd.backstage.user',
      alg: 'ES256',
    });
    const claims = decodeJwt(user.token);
    expect(claims).toMatchObject({
      sub: DEFAULT_GUEST_USER,
      aud: 'backstage',
      iss: expect.stringMatching(/^http:\/\/localhost:\d+\/api\/auth$/),
    });
    expect(typeof claims.uip).toBe('string');
  });

  it('authenticates a request to a plugin as the user', async () => {
    const response = await whoami(backend, user.token);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      plugin: 'demo',
      principal: { type: 'user', userEntityRef: DEFAULT_GUEST_USER },
    });
  });

  it('rejects a tampered user token', async () => {
    const [header, payload, signature] = user.token.split('.');
    const flipped = signature[0] === 'A' ? 'B' : 'A';
    const response = await whoami(
      backend,
      [header, payload, flipped + signature.slice(1)].join('.'),
    );

    expect(response.status).toBe(401);
  });

  it('carries the user through a plugin-to-plugin call made on their behalf', async () => {
    const response = await request(backend.server)
      .get('/api/caller/relay')
      .set('Authorization', `Bearer ${user.token}`);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      status: 200,
      body: {
        plugin: 'demo',
        // The user, with the calling plugin recorded as the actor.
        principal: {
          type: 'user',
          userEntityRef: DEFAULT_GUEST_USER,
          actor: { type: 'service', subject: 'plugin:caller' },
        },
      },
      // A plugin token from `caller` to `demo`, carrying the user's limited
      // token in `obo`, not the user's token forwarded as is.
      sentToken: {
        typ: 'vnd.backstage.plugin',
        sub: 'caller',
        aud: 'demo',
        hasObo: true,
      },
    });
  });

  it("carries the user through Gatehouse's plugin request service (demo's /call)", async () => {
    const response = await request(backend.server)
      .get('/api/demo/call/other?as=caller')
      .set('Authorization', `Bearer ${user.token}`);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      plugin: 'demo',
      called: 'other',
      as: 'caller',
      response: {
        plugin: 'other',
        principal: {
          type: 'user',
          userEntityRef: DEFAULT_GUEST_USER,
          actor: { type: 'service', subject: 'plugin:demo' },
        },
      },
    });
  });

  it('refuses the relay without a user', async () => {
    const response = await request(backend.server).get('/api/caller/relay');

    expect(response.status).toBe(401);
  });
});
