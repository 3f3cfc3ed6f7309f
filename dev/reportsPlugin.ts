import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { pluginRequestServiceRef } from '@gatehouse/backstage-plugin-gatehouse-backend-module';
import Router from 'express-promise-router';

export const reportsPlugin = createBackendPlugin({
  pluginId: 'reports',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        pluginRequest: pluginRequestServiceRef,
      },
      async init({ httpRouter, httpAuth, pluginRequest }) {
        const router = Router();
        router.get('/components', async (req, res) => {
          // On behalf of the caller: the catalog applies the caller's
          // permissions (a user stays that user).
          const response = await pluginRequest.fetch(
            'catalog',
            '/entities/by-query?filter=kind=component',
            { onBehalfOf: await httpAuth.credentials(req) },
          );
          res.json(await response.json());
        });
        router.post('/nightly', async (_req, res) => {
          // As the plugin itself (no onBehalfOf), e.g. for background work.
          await pluginRequest.fetch('catalog', '/refresh', {
            init: {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ entityRef: 'component:default/reports' }),
            },
          });
          res.status(204).end();
        });
        httpRouter.use(router);
      },
    });
  },
});
