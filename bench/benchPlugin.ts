import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { Router } from 'express';

/**
 * The demo routes under load, kept minimal so that authentication is most of
 * the work: dev/demoPlugin's /whoami also writes an audit event, which would
 * dilute every ratio.
 *
 * - `GET /api/bench/open`: unauthenticated, the floor of a request.
 * - `GET /api/bench/hello`: any authenticated caller; answers with its principal.
 */
export const benchPlugin = createBackendPlugin({
  pluginId: 'bench',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
      },
      async init({ httpRouter, httpAuth }) {
        const router = Router();
        router.get('/open', (_req, res) => {
          res.json({ ok: true });
        });
        router.get('/hello', (req, res, next) => {
          // Already authenticated by the router's auth policy; this reads
          // the credentials it stored on the request, as a plugin would.
          httpAuth
            .credentials(req)
            .then(
              credentials => res.json({ principal: credentials.principal }),
              next,
            );
        });
        httpRouter.addAuthPolicy({ path: '/open', allow: 'unauthenticated' });
        httpRouter.use(router);
      },
    });
  },
});
