import { createPermission } from '@backstage/plugin-permission-common';

/*
 * The backend's permissions (gatehouse.token.*), declared here with the same
 * names and attributes so that the page can ask the permission framework
 * about them without importing the backend package.
 */

export const tokenCreatePermission = createPermission({
  name: 'gatehouse.token.create',
  attributes: { action: 'create' },
});

export const tokenReadPermission = createPermission({
  name: 'gatehouse.token.read',
  attributes: { action: 'read' },
});

export const tokenRevokePermission = createPermission({
  name: 'gatehouse.token.revoke',
  attributes: { action: 'delete' },
});
