/**
 * Gatehouse: service-to-service authentication for Backstage backends.
 *
 * Adds the `gatehouse-static` external access type (hashed, expiring, rotating,
 * hot-reloaded static tokens) to `backend.auth.externalAccess`.
 *
 * @packageDocumentation
 */

import { createBackendFeatureLoader } from '@backstage/backend-plugin-api';
import { gatehouseStaticTokenHandlerServiceFactory } from './static/staticTokenHandlerServiceFactory';

/**
 * Everything Gatehouse provides, for
 * `backend.add(import('@gatehouse/backstage-plugin-gatehouse-backend-module'))`.
 *
 * @public
 */
const gatehouse = createBackendFeatureLoader({
  loader() {
    return [gatehouseStaticTokenHandlerServiceFactory];
  },
});
export default gatehouse;

export { gatehouseStaticTokenHandlerServiceFactory } from './static/staticTokenHandlerServiceFactory';
export { GATEHOUSE_STATIC_TYPE } from './static/StaticTokenRegistry';
export { REJECTION_REASONS } from './lib/rejectionReasons';
export type { RejectionReason } from './lib/rejectionReasons';
export {
  createStaticToken,
  hashStaticToken,
  STATIC_TOKEN_PREFIX,
} from './static/staticTokenFormat';
