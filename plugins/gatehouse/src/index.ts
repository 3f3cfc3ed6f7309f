/**
 * Gatehouse's page in Backstage's frontend: the inventory of every
 * credential, and managed tokens.
 *
 * @packageDocumentation
 */
export { gatehousePlugin as default } from './plugin';
export {
  gatehousePlugin,
  ownedCredentialsEntityCard,
  serviceAccessPage,
} from './plugin';
export {
  EntityGatehouseCredentialsCard,
  GatehousePage,
  gatehouseLegacyPlugin,
} from './legacy';
export {
  tokenCreatePermission,
  tokenReadPermission,
  tokenRevokePermission,
  tokenUpdatePermission,
} from './permissions';
export { GatehouseClient, GatehouseApiError } from './api/GatehouseClient';
export type * from './api/types';
