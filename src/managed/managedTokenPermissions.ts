import { createPermission } from '@backstage/plugin-permission-common';
import { GATEHOUSE_CREDENTIAL_RESOURCE_TYPE } from '../ownership/credentialResource';

/*
 * Who may see and manage credentials: registered with the permissions
 * registry, so that permission policies (RBAC included) can grant them to
 * users and groups. They are permissions on one credential (the resource
 * type `gatehouse-credential`), so a policy may grant them under conditions
 * ("tokens owned by the user's groups"); Gatehouse applies such a decision
 * to every credential it lists or changes. Service callers go by their own
 * access restrictions.
 */

/**
 * Create a managed token; checked against the token as it would be (its
 * owner, its subject).
 *
 * @public
 */
export const managedTokenCreatePermission = createPermission({
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
export const managedTokenReadPermission = createPermission({
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
export const managedTokenUpdatePermission = createPermission({
  name: 'gatehouse.token.update',
  attributes: { action: 'update' },
  resourceType: GATEHOUSE_CREDENTIAL_RESOURCE_TYPE,
});

/**
 * Revoke a managed token (and, with `gatehouse.token.create`, rotate it).
 *
 * @public
 */
export const managedTokenRevokePermission = createPermission({
  name: 'gatehouse.token.revoke',
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
export const managedTokenUnrestrictedPermission = createPermission({
  name: 'gatehouse.token.unrestricted',
  attributes: {},
});

/** The permissions on credentials, which a policy may grant under conditions. */
export const CREDENTIAL_PERMISSIONS = [
  managedTokenCreatePermission,
  managedTokenReadPermission,
  managedTokenUpdatePermission,
  managedTokenRevokePermission,
];
