import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import { createBackendModule } from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import mcpActionsPlugin from '@backstage/plugin-mcp-actions-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import type { PolicyQuery } from '@backstage/plugin-permission-node';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JsonObject } from '@backstage/types';
import type { AddressInfo } from 'node:net';
import { createDemoPlugin } from '../../dev/demoPlugin';
import gatehouse from '../index';
import { CapturedLogs } from '../testing/CapturedLogs';
import { staticPluginKeyStoreConfig } from '../testing/pluginKeyStore';
import { realAuthFeatures } from '../testing/realAuthFeatures';
import { testPolicy } from '../testing/testPolicy';
import { authBackendForTests, getUserToken } from '../testing/userTokens';
import { BACKSTAGE_GUARDS_DELEGATION } from '../testing/backstageLine';

const ALL_SOURCES = 'gth_mcp-all-plugin-sources-0123456789abc';
const MCP_ONLY = 'gth_mcp-mcp-actions-only-0123456789abcde';
const MISSING_DEMO = 'gth_mcp-missing-one-source-0123456789abc';
const CATALOG_PERMISSION = 'gth_mcp-catalog-permission-0123456789abc';
const CATALOG_ACTION = 'gth_mcp-catalog-action-read-0123456789ab';
const CATALOG_WILDCARD = 'gth_mcp-catalog-wildcard-0123456789abcde';
const LIMITS_ON_MCP = 'gth_mcp-limits-on-mcp-actions-0123456789';
const NO_MCP = 'gth_mcp-no-mcp-actions-plugin-0123456789';
const UNRESTRICTED = 'gth_mcp-unrestricted-token-0123456789abc';

const CATALOG_TOOL = 'catalog.query-catalog-entities';
const DEMO_TOOL = 'demo.whoami';
const GUARDED_TOOL = 'demo.guarded';

/**
 * Two actions of the `demo` plugin: `whoami` answers with the principal the
 * plugin sees, `guarded` is listed and run only when the permission framework
 * allows `demo.guarded.use`.
 */
const demoActions = createBackendModule({
  pluginId: 'demo',
  moduleId: 'test-actions',
  register(env) {
    env.registerInit({
      deps: { actionsRegistry: actionsRegistryServiceRef },
      async init({ actionsRegistry }) {
        actionsRegistry.register({
          name: 'guarded',
          title: 'Guarded',
          description: 'An action behind a permission the policy denies.',
          visibilityPermission: createPermission({
            name: 'demo.guarded.use',
            attributes: {},
          }),
          schema: {
            input: z => z.object({}),
            output: z => z.object({ ran: z.boolean() }),
          },
          action: async () => ({ output: { ran: true } }),
        });
        actionsRegistry.register({
          name: 'whoami',
          title: 'Who am I',
          description: 'Answers with the principal the demo plugin sees.',
          attributes: { readOnly: true, idempotent: true },
          schema: {
            input: z => z.object({}),
            output: z => z.object({ principal: z.object({}).passthrough() }),
          },
          action: async ({ credentials }) => ({
            output: {
              principal: credentials.principal as Record<string, unknown>,
            },
          }),
        });
      },
    });
  },
});

/** The permission policy's queries; it denies everything. */
const policyQueries: PolicyQuery[] = [];
const denyAllPolicy = testPolicy('deny-all-policy', query => {
  policyQueries.push(query);
  return AuthorizeResult.DENY;
});

/**
 * MCP clients (AI assistants) on Backstage's mcp-actions plugin, with
 * Gatehouse static tokens: the MCP SDK's client over real HTTP to
 * `/api/mcp-actions/v1`, which calls the actions registry of each plugin in
 * `backend.actions.pluginSources` on behalf of the caller.
 *
 * Only on lines that keep a token's restrictions for every plugin
 * (backend-defaults 0.17.8 and later): before, Gatehouse never delegates a
 * restricted caller (src/auth/restrictedDelegation.test.ts), so MCP needs an
 * unrestricted token there (docs/rhdh.md).
 */
(BACKSTAGE_GUARDS_DELEGATION ? describe : describe.skip)(
  'MCP clients with restricted tokens',
  () => {
    let backend: Awaited<ReturnType<typeof startTestBackend>>;
    let baseUrl: string;
    const logs = new CapturedLogs();
    const authBackend = authBackendForTests();

    beforeAll(async () => {
      const entry = (
        subject: string,
        token: string,
        accessRestrictions?: unknown[],
      ) => ({
        type: 'gatehouse-static',
        options: { subject, token },
        ...(accessRestrictions ? { accessRestrictions } : {}),
      });
      const externalAccess = [
        entry('all-sources', ALL_SOURCES, [
          { plugin: 'mcp-actions' },
          { plugin: 'catalog' },
          { plugin: 'demo' },
        ]),
        entry('mcp-only', MCP_ONLY, [{ plugin: 'mcp-actions' }]),
        entry('missing-demo', MISSING_DEMO, [
          { plugin: 'mcp-actions' },
          { plugin: 'catalog' },
        ]),
        entry('catalog-permission', CATALOG_PERMISSION, [
          { plugin: 'mcp-actions' },
          { plugin: 'catalog', permission: ['catalog.entity.read'] },
          { plugin: 'demo' },
        ]),
        entry('catalog-action', CATALOG_ACTION, [
          { plugin: 'mcp-actions' },
          { plugin: 'catalog', permissionAttribute: { action: ['read'] } },
          { plugin: 'demo' },
        ]),
        entry('catalog-wildcard', CATALOG_WILDCARD, [
          { plugin: 'mcp-actions' },
          { plugin: 'catalog', permission: ['catalog.*'] },
          { plugin: 'demo' },
        ]),
        entry('limits-on-mcp', LIMITS_ON_MCP, [
          { plugin: 'mcp-actions', permissionAttribute: { action: ['read'] } },
          { plugin: 'catalog' },
          { plugin: 'demo' },
        ]),
        entry('no-mcp', NO_MCP, [{ plugin: 'catalog' }, { plugin: 'demo' }]),
        entry('unrestricted', UNRESTRICTED),
      ];
      // As startGatehouseTestBackend, whose extraConfig cannot add to `backend`.
      const rootConfig = mockServices.rootConfig({
        data: {
          backend: {
            auth: {
              pluginKeyStore: await staticPluginKeyStoreConfig(),
              externalAccess,
            },
            actions: { pluginSources: ['catalog', 'demo'] },
          },
          catalog: { processingInterval: false },
          permission: { enabled: true },
          ...authBackend.config,
        } as JsonObject,
      });
      backend = await startTestBackend({
        features: [
          ...realAuthFeatures(rootConfig),
          logs.factory(),
          gatehouse,
          // startTestBackend's defaults for these two are mocks.
          actionsServiceFactory,
          actionsRegistryServiceFactory,
          // The auth backend (for a user token), with an in-memory database
          // for each plugin that is closed when the backend stops.
          ...authBackend.features,
          mcpActionsPlugin,
          catalogPlugin,
          createDemoPlugin('demo'),
          demoActions,
          permissionPlugin,
          denyAllPolicy,
        ],
      });
      const { port } = backend.server.address() as AddressInfo;
      baseUrl = `http://127.0.0.1:${port}`;
    });
    afterAll(() => backend.stop());

    /** Connects (`initialize`) as an MCP client with a bearer token. */
    async function connect(token: string): Promise<Client> {
      const client = new Client({ name: 'gatehouse-test', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(
          new URL(`${baseUrl}/api/mcp-actions/v1`),
          {
            requestInit: { headers: { Authorization: `Bearer ${token}` } },
          },
        ),
      );
      return client;
    }

    async function withClient<T>(
      token: string,
      use: (client: Client) => Promise<T>,
    ): Promise<T> {
      const client = await connect(token);
      try {
        return await use(client);
      } finally {
        await client.close();
      }
    }

    const toolNames = (token: string) =>
      withClient(token, async client =>
        (await client.listTools()).tools.map(tool => tool.name),
      );

    const callTool = (token: string, name: string, args = {}) =>
      withClient(token, client => client.callTool({ name, arguments: args }));

    /** What mcp-actions logged when a plugin's actions could not be listed. */
    function listingFailures(): string[] {
      return logs
        .matching('warn', /^Failed to fetch actions from /)
        .map(e => `${e.message}: ${(e.meta.error as Error)?.message}`);
    }

    /** mcp-actions' audit events for tool calls that succeeded. */
    function toolExecutions() {
      return logs.entries
        .filter(
          e =>
            e.message === 'mcp-actions.tool-execution' &&
            e.meta.status === 'succeeded',
        )
        .map(e => ({
          actorId: (e.meta.actor as { actorId?: string }).actorId,
          tool: (e.meta.meta as { toolName?: string }).toolName,
        }));
    }

    beforeEach(() => logs.clear());

    it.each([
      [
        'restricted to mcp-actions and every plugin source',
        ALL_SOURCES,
        'all-sources',
      ],
      ['unrestricted', UNRESTRICTED, 'unrestricted'],
      [
        'with permission limits on mcp-actions only',
        LIMITS_ON_MCP,
        'limits-on-mcp',
      ],
    ])(
      '%s: lists and calls the actions of every plugin source',
      async (_, token, subject) => {
        // Every action of the listed plugins, destructive ones too.
        const tools = await toolNames(token);
        expect(tools).toEqual(
          expect.arrayContaining([
            CATALOG_TOOL,
            'catalog.unregister-entity',
            DEMO_TOOL,
          ]),
        );

        // The action runs as the mcp-actions plugin: Backstage's plugin tokens
        // carry a user, never an external service.
        const whoami = await callTool(token, DEMO_TOOL);
        expect(whoami.isError).toBeFalsy();
        expect(whoami.structuredContent).toEqual({
          principal: { type: 'service', subject: 'plugin:mcp-actions' },
        });

        // A catalog action, which queries the catalog itself in turn.
        const query = await callTool(token, CATALOG_TOOL, {
          query: { kind: 'Component' },
        });
        expect(query.isError).toBeFalsy();
        expect(query.structuredContent).toMatchObject({ items: [] });
        expect(listingFailures()).toEqual([]);

        // mcp-actions' own audit events name the token's subject.
        expect(toolExecutions()).toEqual([
          { actorId: subject, tool: DEMO_TOOL },
          { actorId: subject, tool: CATALOG_TOOL },
        ]);
      },
    );

    it('the permission policy decides for a user, never for the token', async () => {
      // An action the permission framework must allow to be seen, and a
      // policy that denies everything: a user does not see it...
      const { token: userToken } = await getUserToken(backend.server);
      const userTools = await toolNames(userToken);
      expect(userTools).toContain(DEMO_TOOL);
      expect(userTools).not.toContain(GUARDED_TOOL);
      expect(policyQueries.map(q => q.permission.name)).toContain(
        'demo.guarded.use',
      );

      // ...the token does, and runs it: the plugin sees plugin:mcp-actions,
      // a service, and Backstage decides for services without the policy.
      policyQueries.length = 0;
      expect(await toolNames(ALL_SOURCES)).toContain(GUARDED_TOOL);
      const result = await callTool(ALL_SOURCES, GUARDED_TOOL);
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ ran: true });
      expect(policyQueries).toEqual([]);
    });

    it('restricted to mcp-actions only: connects, lists no tools, and a call finds no action', async () => {
      expect(await toolNames(MCP_ONLY)).toEqual([]);
      const result = await callTool(MCP_ONLY, DEMO_TOOL);
      // A tool result, not a protocol error: HTTP 200, isError set.
      expect(result).toEqual({
        isError: true,
        content: [
          {
            type: 'text',
            text: `NotFoundError: Action "${DEMO_TOOL}" not found`,
          },
        ],
      });
      // Only the backend's log says why.
      expect(new Set(listingFailures())).toEqual(
        new Set([
          "Failed to fetch actions from catalog: Access to target plugin 'catalog' is not included in token's access restrictions",
          "Failed to fetch actions from demo: Access to target plugin 'demo' is not included in token's access restrictions",
        ]),
      );
    });

    it('missing one plugin source: that plugin’s tools are silently left out', async () => {
      const tools = await toolNames(MISSING_DEMO);
      expect(tools).toContain(CATALOG_TOOL);
      expect(tools).not.toContain(DEMO_TOOL);
      expect((await callTool(MISSING_DEMO, DEMO_TOOL)).content).toEqual([
        {
          type: 'text',
          text: `NotFoundError: Action "${DEMO_TOOL}" not found`,
        },
      ]);
    });

    it.each([
      ['permission', CATALOG_PERMISSION],
      ['permissionAttribute', CATALOG_ACTION],
      // Any `permission` list is a limit to Backstage, even one matching all.
      ['wildcard permission (catalog.*)', CATALOG_WILDCARD],
    ])(
      'a %s limit on a plugin source: Backstage refuses to delegate, its tools are left out',
      async (_, token) => {
        const tools = await toolNames(token);
        expect(tools).toContain(DEMO_TOOL);
        expect(tools.filter(name => name.startsWith('catalog.'))).toEqual([]);

        const result = await callTool(token, CATALOG_TOOL, { query: {} });
        expect(result).toEqual({
          isError: true,
          content: [
            {
              type: 'text',
              text: `NotFoundError: Action "${CATALOG_TOOL}" not found`,
            },
          ],
        });
        expect(listingFailures()).toContain(
          "Failed to fetch actions from catalog: Access to target plugin 'catalog' is restricted and cannot be delegated",
        );
        // A refused delegation is no permission check: Gatehouse audits nothing.
        expect(
          logs.entries.filter(
            e => e.meta.eventId === 'access-restriction-denial',
          ),
        ).toEqual([]);
        // The unlimited plugin source still works.
        expect((await callTool(token, DEMO_TOOL)).isError).toBeFalsy();
      },
    );

    it('not restricted to mcp-actions: the connection is refused with 403', async () => {
      const error = await connect(NO_MCP).then(
        () => {
          throw new Error('expected the connection to be refused');
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StreamableHTTPError);
      expect((error as StreamableHTTPError).code).toBe(403);
      expect((error as Error).message).toContain(
        "This token's access is restricted to plugin(s) 'catalog', 'demo'",
      );
    });
  },
);
