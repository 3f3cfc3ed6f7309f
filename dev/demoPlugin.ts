import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { Router } from 'express';

/**
 * A plugin whose `GET /whoami` answers with the caller's principal, as the
 * auth service resolved it, and records an audit event whose actor is the
 * caller. Used by the dev backend and by the end-to-end tests.
 */
export function createDemoPlugin(pluginId = 'demo') {
  return createBackendPlugin({
    pluginId,
    register(env) {
      env.registerInit({
        deps: {
          httpRouter: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
          auditor: coreServices.auditor,
        },
        async init({ httpRouter, httpAuth, auditor }) {
          const router = Router();
          router.get('/whoami', async (req, res) => {
            const credentials = await httpAuth.credentials(req);
            const event = await auditor.createEvent({
              eventId: 'whoami',
              severityLevel: 'low',
              request: req,
            });
            await event.success();
            res.json({ plugin: pluginId, principal: credentials.principal });
          });
          httpRouter.use(router);
        },
      });
    },
  });
}

export default createDemoPlugin();
