/*
 * The backend's permissions (gatehouse.token.*), from the -common package,
 * for apps that name them (a permission policy's tests, an RBAC UI). The
 * page itself asks the backend (GET /api/gatehouse/access): permissions on
 * credentials may be granted for some owners only, which a browser cannot
 * ask the permission backend about without naming a credential.
 */
export {
  gatehouseTokenCreatePermission as tokenCreatePermission,
  gatehouseTokenReadPermission as tokenReadPermission,
  gatehouseTokenUpdatePermission as tokenUpdatePermission,
  gatehouseTokenRevokePermission as tokenRevokePermission,
} from '@gatehouse/backstage-plugin-gatehouse-common';
