import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Who may manage tokens: registered with the permissions registry, so that
 * permission policies (RBAC included) can grant them to users and groups.
 * Service callers go by their own access restrictions.
 *
 * @public
 */
export const managedTokenCreatePermission = createPermission({
  name: 'gatehouse.token.create',
  attributes: { action: 'create' },
});

/** @public */
export const managedTokenReadPermission = createPermission({
  name: 'gatehouse.token.read',
  attributes: { action: 'read' },
});

/** @public */
export const managedTokenRevokePermission = createPermission({
  name: 'gatehouse.token.revoke',
  attributes: { action: 'delete' },
});

export const MANAGED_TOKEN_PERMISSIONS = [
  managedTokenCreatePermission,
  managedTokenReadPermission,
  managedTokenRevokePermission,
];
