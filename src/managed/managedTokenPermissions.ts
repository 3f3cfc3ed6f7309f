/*
 * Who may see and manage credentials: registered with the permissions
 * registry, so that permission policies (RBAC included) can grant them to
 * users and groups. They are declared in the -common package, which the
 * frontend and policies import too; these are the backend's names for them.
 * Four are permissions on one credential (the resource type
 * `gatehouse-credential`), so a policy may grant them under conditions
 * ("tokens owned by the user's groups"); Gatehouse applies such a decision
 * to every credential it lists or changes. Service callers go by their own
 * access restrictions.
 */
export {
  gatehouseTokenCreatePermission as managedTokenCreatePermission,
  gatehouseTokenReadPermission as managedTokenReadPermission,
  gatehouseTokenUpdatePermission as managedTokenUpdatePermission,
  gatehouseTokenRevokePermission as managedTokenRevokePermission,
  gatehouseTokenCompromisePermission,
  gatehouseTokenUnrestrictedPermission as managedTokenUnrestrictedPermission,
  gatehouseCredentialPermissions as CREDENTIAL_PERMISSIONS,
} from '@gatehouse/backstage-plugin-gatehouse-common';
