import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
// Zod 3's API, which every supported permission-node reads (0.10 takes no
// other schema; later ones still take it).
import { z } from 'zod/v3';
import {
  CREDENTIAL_SOURCES,
  CredentialSource,
  GATEHOUSE_CREDENTIAL_RESOURCE_TYPE,
} from '@gatehouse/backstage-plugin-gatehouse-common';
import { isOwnedBy } from './ownerRef';

export { GATEHOUSE_CREDENTIAL_RESOURCE_TYPE };

/**
 * What a permission rule sees of a credential: enough to decide by owner
 * or source, never a token or hash.
 *
 * @public
 */
export interface GatehouseCredentialResource {
  /** The inventory id: `gatehouse-managed:<uuid>`, `gatehouse-static:<key>`, ... */
  id: string;
  source: CredentialSource;
  subject: string;
  /** A catalog entity ref; absent for an unowned credential. */
  owner?: string;
}

/**
 * A rule as data, what its `toQuery` gives (as the catalog's rules give
 * `{ key, values }`): credentials whose `property` is one of `values`
 * (owners compared as the catalog compares refs, ignoring case). Gatehouse
 * applies a policy's conditions in its database with it, and in memory for
 * sources kept in config. A rule of your own for this resource type returns
 * one too; any other shape allows nothing.
 *
 * @public
 */
export interface GatehouseCredentialFilter {
  property: 'owner' | 'source';
  values: string[];
}

/** @public */
export const gatehouseCredentialResourceRef = createPermissionResourceRef<
  GatehouseCredentialResource,
  GatehouseCredentialFilter
>().with({
  pluginId: 'gatehouse',
  resourceType: GATEHOUSE_CREDENTIAL_RESOURCE_TYPE,
});

/** Owned by one of the claims: in a policy, the user's ownership refs. */
const isCredentialOwner = createPermissionRule({
  name: 'IS_CREDENTIAL_OWNER',
  description:
    'Allow credentials owned by one of the given entity refs (a user and the groups they belong to, from the user info service)',
  resourceRef: gatehouseCredentialResourceRef,
  paramsSchema: z.object({
    claims: z
      .array(z.string())
      .describe('Entity refs, one of which must be the owner'),
  }),
  apply: (credential, { claims }) => isOwnedBy(credential.owner, claims),
  toQuery: ({ claims }) => ({ property: 'owner' as const, values: claims }),
});

/** From one of the given sources: managed tokens only, say. */
const hasCredentialSource = createPermissionRule({
  name: 'HAS_CREDENTIAL_SOURCE',
  description: `Allow credentials of the given sources (${CREDENTIAL_SOURCES.join(', ')})`,
  resourceRef: gatehouseCredentialResourceRef,
  paramsSchema: z.object({
    sources: z
      .array(
        z.enum(CREDENTIAL_SOURCES as [CredentialSource, ...CredentialSource[]]),
      )
      .describe('Credential sources, one of which the credential must be of'),
  }),
  apply: (credential, { sources }) => sources.includes(credential.source),
  toQuery: ({ sources }) => ({ property: 'source' as const, values: sources }),
});

/** Every rule of the gatehouse-credential resource type. */
export const gatehouseCredentialRules = {
  isCredentialOwner,
  hasCredentialSource,
};

const conditionExports = createConditionExports({
  resourceRef: gatehouseCredentialResourceRef,
  rules: gatehouseCredentialRules,
});

/**
 * Conditions for a permission policy: `gatehouseCredentialConditions.isCredentialOwner({ claims })`.
 *
 * @public
 */
export const gatehouseCredentialConditions = conditionExports.conditions;

/**
 * A conditional decision on a Gatehouse permission, for a policy's `handle`.
 *
 * @public
 */
export const createGatehouseCredentialConditionalDecision =
  conditionExports.createConditionalDecision;
