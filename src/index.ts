/**
 * Gatehouse: service-to-service authentication for Backstage backends.
 *
 * Adds two types to `backend.auth.externalAccess`: `gatehouse-static` (hashed,
 * expiring, rotating, hot-reloaded static tokens) and `gatehouse-jwks` (JWTs
 * from identity providers, bound to claims, surviving provider outages); a
 * `coreServices.permissions` that enforces `accessRestrictions` with wildcards
 * and audits denials; `pluginRequestServiceRef` for plugin-to-plugin calls;
 * and `externalAudienceTokenServiceRef` for tokens external verifiers such as
 * HashiCorp Vault accept.
 *
 * @packageDocumentation
 */

import {
  coreServices,
  createBackendFeatureLoader,
} from '@backstage/backend-plugin-api';
import { gatehouseAuthServiceFactory } from './auth/gatehouseAuthServiceFactory';
import { validateExternalAccess } from './config/validateExternalAccess';
import { externalAccessEntriesOfType } from './lib/externalAccessEntries';
import { reportOnce } from './lib/startupReport';
import { gatehousePlugin } from './managed/gatehousePlugin';
import { GATEHOUSE_MANAGED_TYPE } from './managed/managedOptions';
import { gatehouseManagedTokenHandlerServiceFactory } from './managed/managedTokenHandlerServiceFactory';
import { externalAudienceTokenServiceFactory } from './externalTokens/externalAudienceTokenServiceRef';
import { gatehouseJwksTokenHandlerServiceFactory } from './jwks/jwksTokenHandlerServiceFactory';
import { pluginRequestServiceFactory } from './pluginRequest/pluginRequestServiceRef';
import {
  createGatehousePermissionsServiceFactory,
  PERMISSIONS_NOT_IN_USE,
} from './restrictions/restrictedPermissionsServiceFactory';
import { gatehouseStaticTokenHandlerServiceFactory } from './static/staticTokenHandlerServiceFactory';

/**
 * Everything Gatehouse provides, for
 * `backend.add(import('@gatehouse/backstage-plugin-gatehouse-backend-module'))`.
 *
 * @public
 */
const gatehouse = createBackendFeatureLoader({
  deps: {
    rootConfig: coreServices.rootConfig,
    rootLogger: coreServices.rootLogger,
    rootLifecycle: coreServices.rootLifecycle,
  },
  loader({ rootConfig, rootLogger, rootLifecycle }) {
    // Before any plugin starts, so that a bad config fails the backend with
    // one report, not once per plugin inside Backstage's error chains (the
    // registries check again, for backends that add the factories alone).
    try {
      validateExternalAccess(rootConfig);
    } catch (error) {
      throw reportOnce(error, rootLogger);
    }
    // A factory the backend adds itself wins over one from a feature loader:
    // Red Hat Developer Hub adds its own coreServices.permissions unless
    // ENABLE_CORE_PERMISSIONS_OVERRIDE is true. Nothing fails then, so say it.
    let permissionsInUse = false;
    rootLifecycle.addStartupHook(() => {
      if (!permissionsInUse) {
        rootLogger.child({ service: 'gatehouse' }).warn(PERMISSIONS_NOT_IN_USE);
      }
    });
    return [
      // Backstage's auth, refusing to delegate restricted callers on every
      // line (Backstage does from backend-defaults 0.17.8). When another
      // factory wins, the gatehouse plugin's start-up check stops the
      // backend if that one delegates them.
      gatehouseAuthServiceFactory,
      gatehouseStaticTokenHandlerServiceFactory,
      gatehouseJwksTokenHandlerServiceFactory,
      createGatehousePermissionsServiceFactory(() => {
        permissionsInUse = true;
      }),
      pluginRequestServiceFactory,
      externalAudienceTokenServiceFactory,
      // The gatehouse plugin always: the inventory of every credential.
      // The managed-token handler only when an entry turns managed tokens on.
      gatehousePlugin,
      ...(externalAccessEntriesOfType(rootConfig, GATEHOUSE_MANAGED_TYPE).length
        ? [gatehouseManagedTokenHandlerServiceFactory]
        : []),
    ];
  },
});
export default gatehouse;

export { gatehouseStaticTokenHandlerServiceFactory } from './static/staticTokenHandlerServiceFactory';
export { GATEHOUSE_STATIC_TYPE } from './static/StaticTokenRegistry';
export { gatehouseJwksTokenHandlerServiceFactory } from './jwks/jwksTokenHandlerServiceFactory';
export { GATEHOUSE_JWKS_TYPE } from './jwks/JwksRegistry';
export { gatehousePermissionsServiceFactory } from './restrictions/restrictedPermissionsServiceFactory';
export { gatehouseAuthServiceFactory } from './auth/gatehouseAuthServiceFactory';
export { gatehousePlugin } from './managed/gatehousePlugin';
export { gatehouseManagedTokenHandlerServiceFactory } from './managed/managedTokenHandlerServiceFactory';
export {
  managedTokenCreatePermission,
  managedTokenReadPermission,
  managedTokenRevokePermission,
  managedTokenUnrestrictedPermission,
  managedTokenUpdatePermission,
} from './managed/managedTokenPermissions';
export {
  createGatehouseCredentialConditionalDecision,
  GATEHOUSE_CREDENTIAL_RESOURCE_TYPE,
  gatehouseCredentialConditions,
  gatehouseCredentialResourceRef,
} from './ownership/credentialResource';
export type { GatehouseCredentialResource } from './ownership/credentialResource';
export {
  pluginRequestServiceFactory,
  pluginRequestServiceRef,
} from './pluginRequest/pluginRequestServiceRef';
export type { PluginRequestService } from './pluginRequest/PluginRequestService';
export {
  externalAudienceTokenServiceFactory,
  externalAudienceTokenServiceRef,
} from './externalTokens/externalAudienceTokenServiceRef';
export type { ExternalAudienceTokenService } from './externalTokens/ExternalAudienceTokenService';
export { REJECTION_REASONS } from './lib/rejectionReasons';
export type { RejectionReason } from './lib/rejectionReasons';
export {
  createStaticToken,
  hashStaticToken,
  LEGACY_STATIC_TOKEN_PREFIX,
  STATIC_TOKEN_PREFIX,
} from './static/staticTokenFormat';
