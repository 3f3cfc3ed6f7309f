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

/**
 * Lifts the scope check from a user's other gatehouse permissions: with it,
 * a user may create (with `gatehouse.token.create`), rotate and revoke
 * (with `gatehouse.token.revoke` as well) tokens of any scope, unrestricted
 * ones included. Without it, every grant of the token must be a permission
 * the user holds unconditionally, named one by one. No action attribute, so
 * that a policy allowing every `create` or `read` does not grant it.
 *
 * @public
 */
export const managedTokenUnrestrictedPermission = createPermission({
  name: 'gatehouse.token.unrestricted',
  attributes: {},
});

export const MANAGED_TOKEN_PERMISSIONS = [
  managedTokenCreatePermission,
  managedTokenReadPermission,
  managedTokenRevokePermission,
  managedTokenUnrestrictedPermission,
];
