import { createPermission } from '@backstage/plugin-permission-common';

/*
 * The backend's permissions (gatehouse.token.*), declared here with the same
 * names, attributes and resource type, for apps that name them (a
 * permission policy's tests, an RBAC UI). The page itself asks the backend
 * (GET /api/gatehouse/access): permissions on credentials may be granted for
 * some owners only, which a browser cannot ask the permission backend about
 * without naming a credential.
 */

const resourceType = 'gatehouse-credential';

export const tokenCreatePermission = createPermission({
  name: 'gatehouse.token.create',
  attributes: { action: 'create' },
  resourceType,
});

export const tokenReadPermission = createPermission({
  name: 'gatehouse.token.read',
  attributes: { action: 'read' },
  resourceType,
});

export const tokenUpdatePermission = createPermission({
  name: 'gatehouse.token.update',
  attributes: { action: 'update' },
  resourceType,
});

export const tokenRevokePermission = createPermission({
  name: 'gatehouse.token.revoke',
  attributes: { action: 'delete' },
  resourceType,
});
