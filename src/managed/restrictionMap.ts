import type { BackstagePrincipalAccessRestrictions } from '@backstage/backend-plugin-api';
import type { ManagedAccessRestriction } from './ManagedTokenStore';

/** A token's restrictions as Backstage keeps them: plugin id to what is allowed there. */
export function restrictionMapOf(
  restrictions: ManagedAccessRestriction[],
): Map<string, BackstagePrincipalAccessRestrictions> {
  return new Map(
    restrictions.map(({ plugin, permission, permissionAttribute }) => [
      plugin,
      {
        ...(permission?.length ? { permissionNames: permission } : {}),
        ...(permissionAttribute?.action?.length
          ? { permissionAttributes: { action: permissionAttribute.action } }
          : {}),
      },
    ]),
  );
}
