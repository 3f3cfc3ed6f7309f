import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
// Async handlers' errors reach Backstage's error handler (status from the error).
import Router from 'express-promise-router';
import { pluginRequestServiceRef } from '../src';

/**
 * A plugin for the dev backend and the end-to-end tests:
 *
 * - `GET /whoami` answers with the caller's principal, as the auth service
 *   resolved it, and records an audit event whose actor is the caller.
 * - `GET /call/<plugin>?path=/whoami&as=self|caller` calls another plugin
 *   through Gatehouse's plugin request service, as this plugin (`self`, the
 *   default) or on behalf of the caller, and answers with what it got.
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
          pluginRequest: pluginRequestServiceRef,
        },
        async init({ httpRouter, httpAuth, auditor, pluginRequest }) {
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
          router.get('/call/:target', async (req, res) => {
            const { path = '/whoami', as = 'self' } = req.query;
            if (
              typeof path !== 'string' ||
              !['self', 'caller'].includes(String(as))
            ) {
              throw new InputError('Use ?path=/some/path&as=self|caller');
            }
            const credentials = await httpAuth.credentials(req);
            const response = await pluginRequest.fetch(
              req.params.target,
              path,
              {
                onBehalfOf: as === 'caller' ? credentials : undefined,
              },
            );
            res.json({
              plugin: pluginId,
              called: req.params.target,
              as,
              response: await response.json(),
            });
          });
          httpRouter.use(router);
        },
      });
    },
  });
}

export default createDemoPlugin();
