/*
 * What the backend's /api/gatehouse answers and takes: declared once in the
 * -common package, which the backend writes its JSON with.
 */
export type {
  Access,
  AccessRestriction,
  AccessScope,
  Compromise,
  Credential,
  CredentialSource,
  CredentialStatus,
  Inventory,
  InventoryFilters,
  InventoryPage,
  IssuedToken,
  MarkedCompromised,
  NewToken,
  RevokedToken,
  TokenOptions,
  Usage,
} from '@gatehouse/backstage-plugin-gatehouse-common';
