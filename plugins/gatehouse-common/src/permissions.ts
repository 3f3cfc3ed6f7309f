import { createPermission } from '@backstage/plugin-permission-common';

/*
 * Gatehouse's permissions, declared once for the backend (which registers
 * them and checks them) and for the frontend and permission policies (which
 * name them). The backend re-exports them under its earlier names
 * (managedTokenCreatePermission, ...).
 */

/**
 * The resource type of Gatehouse's permissions: one credential of any source
 * (a managed token, a static token, a JWT entry, Backstage's own).
 *
 * @public
 */
export const GATEHOUSE_CREDENTIAL_RESOURCE_TYPE = 'gatehouse-credential';

/**
 * Create a managed token; checked against the token as it would be (its
 * owner, its subject).
 *
 * @public
 */
export const gatehouseTokenCreatePermission = createPermission({
  name: 'gatehouse.token.create',
  attributes: { action: 'create' },
  resourceType: GATEHOUSE_CREDENTIAL_RESOURCE_TYPE,
});

/**
 * See a credential: the inventory and the managed-token API list only those
 * the caller may read.
 *
 * @public
 */
export const gatehouseTokenReadPermission = createPermission({
  name: 'gatehouse.token.read',
  attributes: { action: 'read' },
  resourceType: GATEHOUSE_CREDENTIAL_RESOURCE_TYPE,
});

/**
 * Change what a managed token says of itself (its owner, its description);
 * checked against the token as it is and as it would be, so a token cannot
 * be handed to an owner the caller could not manage.
 *
 * @public
 */
export const gatehouseTokenUpdatePermission = createPermission({
  name: 'gatehouse.token.update',
  attributes: { action: 'update' },
  resourceType: GATEHOUSE_CREDENTIAL_RESOURCE_TYPE,
});

/**
 * Revoke a managed token (and, with `gatehouse.token.create`, rotate it).
 *
 * @public
 */
export const gatehouseTokenRevokePermission = createPermission({
  name: 'gatehouse.token.revoke',
  attributes: { action: 'delete' },
  resourceType: GATEHOUSE_CREDENTIAL_RESOURCE_TYPE,
});

/**
 * Mark a credential compromised (leaked): every replica refuses it within
 * seconds, a managed token is revoked too. Checked on the credential, so a
 * policy may let a team mark its own; not implied by `revoke`, since it
 * also kills static tokens and JWT subjects, which nobody revokes.
 *
 * @public
 */
export const gatehouseTokenCompromisePermission = createPermission({
  name: 'gatehouse.token.compromise',
  attributes: { action: 'delete' },
  resourceType: GATEHOUSE_CREDENTIAL_RESOURCE_TYPE,
});

/**
 * Lifts the scope check from a user's other gatehouse permissions: with it,
 * a user may create (with `gatehouse.token.create`), rotate and revoke
 * (with `gatehouse.token.revoke` as well) tokens of any scope, unrestricted
 * ones included. Without it, every grant of the token must be a permission
 * the user holds unconditionally, named one by one. No action attribute, so
 * that a policy allowing every `create` or `read` does not grant it; not a
 * permission on a credential, since it is about what a token may do, not
 * whose it is.
 *
 * @public
 */
export const gatehouseTokenUnrestrictedPermission = createPermission({
  name: 'gatehouse.token.unrestricted',
  attributes: {},
});

/**
 * The permissions on credentials, which a policy may grant under conditions.
 *
 * @public
 */
export const gatehouseCredentialPermissions = [
  gatehouseTokenCreatePermission,
  gatehouseTokenReadPermission,
  gatehouseTokenUpdatePermission,
  gatehouseTokenRevokePermission,
  gatehouseTokenCompromisePermission,
];

/**
 * Every Gatehouse permission, as the backend registers them.
 *
 * @public
 */
export const gatehousePermissions = [
  ...gatehouseCredentialPermissions,
  gatehouseTokenUnrestrictedPermission,
];
