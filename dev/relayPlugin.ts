import {
  coreServices,
  createBackendPlugin,
  HttpRouterService,
} from '@backstage/backend-plugin-api';

type Handler = Parameters<HttpRouterService['use']>[0];

/**
 * A plugin that calls another on behalf of its caller the way most plugins do
 * (the catalog, MCP actions): a token from
 * `coreServices.auth.getPluginRequestToken`, then fetch. Not Gatehouse's
 * plugin request service, so the tests of delegation see what any plugin
 * would get. `GET /api/relay/relay?target=<plugin>&path=</path>` answers with
 * the target's status and body; a refused delegation is Backstage's error
 * answer (403).
 *
 * Self-contained (Backstage's plugin API only, no express import): the
 * packaging tests copy this file into the backends they build.
 */
export const relayPlugin = createBackendPlugin({
  pluginId: 'relay',
  register(env) {
    env.registerInit({
      deps: {
        auth: coreServices.auth,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        discovery: coreServices.discovery,
      },
      async init({ auth, httpAuth, httpRouter, discovery }) {
        const relay: Handler = (req, res, next) => {
          const { target, path } = req.query;
          if (
            req.path !== '/relay' ||
            typeof target !== 'string' ||
            typeof path !== 'string' ||
            !path.startsWith('/')
          ) {
            next();
            return;
          }
          (async () => {
            const { token } = await auth.getPluginRequestToken({
              onBehalfOf: await httpAuth.credentials(req),
              targetPluginId: target,
            });
            const answer = await fetch(
              `${await discovery.getBaseUrl(target)}${path}`,
              { headers: { authorization: `Bearer ${token}` } },
            );
            res.status(answer.status).json(await answer.json());
          })().catch(next);
        };
        httpRouter.use(relay);
      },
    });
  },
});

export default relayPlugin;
