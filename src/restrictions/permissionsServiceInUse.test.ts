import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import {
  coreServices,
  createBackendPlugin,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { startRealBackend } from '../testing/startRealBackend';
import { RestrictedPermissionsService } from './RestrictedPermissionsService';

/** A plugin that takes coreServices.permissions, as the catalog does. */
function pluginTakingPermissions(got: PermissionsService[]) {
  return createBackendPlugin({
    pluginId: 'probe',
    register(env) {
      env.registerInit({
        deps: { permissions: coreServices.permissions },
        async init({ permissions }) {
          got.push(permissions);
        },
      });
    },
  });
}

const NOT_IN_USE = /coreServices\.permissions is not in use/;

describe("Gatehouse's coreServices.permissions", () => {
  it('is what plugins get from the default export, without a warning', async () => {
    const got: PermissionsService[] = [];
    const backend = await startRealBackend({
      externalAccess: [],
      features: [pluginTakingPermissions(got)],
    });
    try {
      expect(got).toHaveLength(1);
      expect(got[0]).toBeInstanceOf(RestrictedPermissionsService);
      expect(backend.logs.matching('warn', NOT_IN_USE)).toEqual([]);
    } finally {
      await backend.stop();
    }
  });

  it('is named in a start-up warning when the backend adds its own factory, as Red Hat Developer Hub does', async () => {
    const got: PermissionsService[] = [];
    const backend = await startRealBackend({
      externalAccess: [],
      // RHDH's packages/backend/src/defaultServiceFactories.ts, without
      // ENABLE_CORE_PERMISSIONS_OVERRIDE.
      features: [permissionsServiceFactory, pluginTakingPermissions(got)],
    });
    try {
      expect(got).toHaveLength(1);
      expect(got[0]).not.toBeInstanceOf(RestrictedPermissionsService);
      expect(
        backend.logs.matching('warn', NOT_IN_USE).map(entry => entry.message),
      ).toEqual([
        expect.stringContaining('ENABLE_CORE_PERMISSIONS_OVERRIDE=true'),
      ]);
    } finally {
      await backend.stop();
    }
  });
});
