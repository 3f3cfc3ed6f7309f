import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import fc from 'fast-check';
import { WebSocket, WebSocketServer } from 'ws';
import { CapturedLogs } from '../testing/CapturedLogs';
import { startRealBackend } from '../testing/startRealBackend';
import {
  startTestIdentityProvider,
  TestIdentityProvider,
} from '../testing/testIdentityProvider';
import {
  BACKEND_DEFAULTS_VERSION,
  HAS_WEBSOCKET_ROUTES,
} from '../testing/backstageLine';
import {
  createStaticToken,
  looksLikeSubprotocolName,
} from './staticTokenFormat';

const STATIC_TOKEN = 'gth_websocket-token-0123456789abcdefghijklm';
const RESTRICTED_TOKEN = 'gth_websocket-restricted-0123456789abcdefgh';

/** Backstage authenticates WebSocket routes from backend-defaults 0.19 on. */
const hasWebSocketRoutes = HAS_WEBSOCKET_ROUTES;

/** A plugin with one WebSocket route that sends the caller's principal and closes. */
const socketPlugin = createBackendPlugin({
  pluginId: 'sockets',
  register(env) {
    env.registerInit({
      deps: { httpRouter: coreServices.httpRouter },
      async init({ httpRouter }) {
        // Echo an offered protocol that is not the credential itself, as a
        // GraphQL or STOMP server would.
        const server = new WebSocketServer({
          noServer: true,
          handleProtocols: offered => [...offered][0] ?? false,
        });
        httpRouter.addWebSocketHandler({
          path: '/whoami',
          handler({ request, socket, head, credentials }) {
            server.handleUpgrade(request, socket, head, ws => {
              ws.send(JSON.stringify(credentials.principal));
              ws.close();
            });
          },
        });
      },
    });
  },
});

/** The debug lines a Gatehouse type logs per rejected token. */
function rejections(logs: CapturedLogs, type: string) {
  return logs.entries.filter(
    e =>
      e.level === 'debug' && e.message.startsWith(`${type} rejected a token`),
  );
}

type Outcome = { principal: { subject: string } } | { status: number };

type Backend = Awaited<ReturnType<typeof startRealBackend>>;

/** Opens the route with these subprotocols (and headers); its first message, or the HTTP status. */
function connect(
  backend: Backend,
  protocols: string[],
  headers: Record<string, string> = {},
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      `${backend.baseUrl.replace('http', 'ws')}/api/sockets/whoami`,
      protocols,
      { headers },
    );
    ws.once('message', data =>
      resolve({ principal: JSON.parse(String(data)) }),
    );
    ws.once('unexpected-response', (_req, res) =>
      resolve({ status: res.statusCode ?? 0 }),
    );
    ws.once('error', reject);
  });
}

describe('looksLikeSubprotocolName', () => {
  it('knows subprotocol names and never takes a generated, hex or UUID token for one', () => {
    for (const name of [
      'graphql-transport-ws',
      'graphql-ws',
      'v12.stomp',
      'wamp.2.json',
      'sldp.softvelum.com',
      'opcua+uajson',
      'actioncable-v1-json',
    ]) {
      expect(looksLikeSubprotocolName(name)).toBe(true);
    }
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constant(null).map(() => createStaticToken()),
          fc.uuid(),
          fc
            .uint8Array({ minLength: 16, maxLength: 32 })
            .map(b => Buffer.from(b).toString('hex')),
        ),
        token => {
          expect(looksLikeSubprotocolName(token)).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

(hasWebSocketRoutes ? describe : describe.skip)(
  `WebSocket routes (backend-defaults ${BACKEND_DEFAULTS_VERSION})`,
  () => {
    let idp: TestIdentityProvider;
    let backend: Backend;

    beforeAll(async () => {
      idp = await startTestIdentityProvider();
      // createBackend(): startTestBackend builds its own root HTTP router,
      // without the server that WebSocket routing needs.
      backend = await startRealBackend({
        features: [socketPlugin],
        externalAccess: [
          {
            type: 'gatehouse-static',
            options: { subject: 'ci-pipeline', token: STATIC_TOKEN },
          },
          {
            type: 'gatehouse-static',
            options: { subject: 'restricted', token: RESTRICTED_TOKEN },
            accessRestrictions: [{ plugin: 'other' }],
          },
          {
            type: 'gatehouse-jwks',
            options: { issuer: idp.issuer, audience: 'backstage-api' },
          },
        ],
      });
    });
    afterAll(async () => {
      await backend.stop();
      await idp.stop();
    });

    const staticRejections = () => rejections(backend.logs, 'gatehouse-static');

    it('authenticates a Gatehouse token offered as a subprotocol, beside protocol names, without logging the names', async () => {
      const jwt = await idp.getToken();
      expect(
        await connect(backend, ['graphql-transport-ws', 'mqtt', STATIC_TOKEN]),
      ).toEqual({
        principal: { type: 'service', subject: 'ci-pipeline' },
      });
      expect(await connect(backend, [jwt])).toEqual({
        principal: { type: 'service', subject: 'external:rs256-client' },
      });
      expect(
        await connect(backend, ['v12.stomp'], {
          authorization: `Bearer ${STATIC_TOKEN}`,
        }),
      ).toEqual({ principal: { type: 'service', subject: 'ci-pipeline' } });
      // Protocol names are not tokens that failed: nothing to report.
      expect(staticRejections()).toEqual([]);
      expect(rejections(backend.logs, 'gatehouse-jwks')).toEqual([]);
    });

    it('refuses a wrong token with 401 and a restricted one with 403, reporting only the wrong token', async () => {
      const wrong = createStaticToken();
      expect(await connect(backend, ['graphql-transport-ws', wrong])).toEqual({
        status: 401,
      });
      expect(staticRejections().map(e => e.meta.reason)).toEqual([
        'unknown_token',
      ]);
      expect(await connect(backend, [RESTRICTED_TOKEN])).toEqual({
        status: 403,
      });
    });
  },
);
