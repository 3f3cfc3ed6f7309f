import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { createPermission } from '@backstage/plugin-permission-common';
import express from 'express';

/**
 * A plugin that checks a permission described in the request body with the
 * caller's credentials, through `coreServices.permissions`, as a plugin
 * guarding an endpoint would.
 */
export const guardedPlugin = createBackendPlugin({
  pluginId: 'guarded',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
      },
      async init({ httpRouter, httpAuth, permissions }) {
        const router = express.Router();
        router.use(express.json());
        router.post('/authorize', async (req, res) => {
          const { name, action, resourceType, conditional } = req.body;
          // `raw`: a permission as a buggy plugin might pass it.
          const permission =
            'raw' in req.body
              ? req.body.raw
              : resourceType
                ? createPermission({
                    name,
                    attributes: action ? { action } : {},
                    resourceType,
                  })
                : createPermission({
                    name,
                    attributes: action ? { action } : {},
                  });
          const credentials = await httpAuth.credentials(req);
          try {
            const [decision] = conditional
              ? await permissions.authorizeConditional(
                  [{ permission: permission as never }],
                  { credentials },
                )
              : await permissions.authorize([{ permission } as never], {
                  credentials,
                });
            res.json(decision);
          } catch (error) {
            res.status(500).json({ error: String(error) });
          }
        });
        httpRouter.use(router);
      },
    });
  },
});
