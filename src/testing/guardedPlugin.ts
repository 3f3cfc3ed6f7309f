import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { createPermission } from '@backstage/plugin-permission-common';
import express from 'express';

/** What `guarded` registers, as a plugin registers the permissions it checks. */
export const guardedThingRead = createPermission({
  name: 'guarded.thing.read',
  attributes: { action: 'read' },
});
export const guardedThingDelete = createPermission({
  name: 'guarded.thing.delete',
  attributes: { action: 'delete' },
});
export const guardedEntityRead = createPermission({
  name: 'guarded.entity.read',
  attributes: { action: 'read' },
  resourceType: 'guarded-entity',
});

/**
 * A plugin that checks a permission described in the request body with the
 * caller's credentials, through `coreServices.permissions`, as a plugin
 * guarding an endpoint would. It registers three permissions of its own
 * (a basic read and delete, a resource read), so that policies and
 * Gatehouse's grant checks can find them.
 */
export const guardedPlugin = createBackendPlugin({
  pluginId: 'guarded',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
      },
      async init({ httpRouter, httpAuth, permissions, permissionsRegistry }) {
        permissionsRegistry.addPermissions([
          guardedThingRead,
          guardedThingDelete,
          guardedEntityRead,
        ]);
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
