import type { Config } from '@backstage/config';
import { decodeJwt } from 'jose';
import { externalAccessEntriesOfType } from '../lib/externalAccessEntries';
import type { JwksRegistry } from '../jwks/JwksRegistry';
import type {
  ManagedTokenRecord,
  ManagedTokenStore,
} from '../managed/ManagedTokenStore';
import type { StaticTokenRegistry } from '../static/StaticTokenRegistry';
import { jwtSubjectPattern, restrictionsOf } from './builtInCredentials';
import type { StaticTokenRecord } from '../static/StaticTokenTable';
import type { CompromisedList } from '../leaks/CompromisedList';
import type {
  AccessRestriction,
  CredentialDefinition,
  CredentialLister,
} from './credentialDefinition';

/** Entry-level restrictions by entry index, as Backstage read them at start-up. */
function restrictionsByEntry(
  config: Config,
  type: string,
): Map<number, AccessRestriction[] | undefined> {
  return new Map(
    externalAccessEntriesOfType(config, type).map(entry => [
      entry.index,
      restrictionsOf(entry.rawAccessRestrictions),
    ]),
  );
}

/** Every gatehouse-static token, from config and token files, as loaded now. */
export function staticCredentials(
  registry: StaticTokenRegistry,
  config: Config,
  compromised?: CompromisedList,
): CredentialLister {
  // The layout (types and restrictions) cannot change without a restart.
  const restrictions = restrictionsByEntry(config, 'gatehouse-static');
  const definitionOf = (record: StaticTokenRecord): CredentialDefinition => ({
    id: `gatehouse-static:${record.usageKey}`,
    source: 'gatehouse-static',
    subject: record.subject,
    ...(record.owner ? { owner: record.owner } : {}),
    fingerprint: record.fingerprint,
    definedAt: record.origin,
    stored: record.stored,
    short: record.short,
    notBefore: record.notBefore,
    expiresAt: record.expiresAt,
    compromised: compromised?.compromiseOf(record.digest),
    accessRestrictions: restrictions.get(record.entryIndex),
    usageRecorded: true,
  });
  return {
    source: 'gatehouse-static',
    list: () => registry.records().map(definitionOf),
    identify: digest => {
      const record = registry.recordOf(digest);
      return record && definitionOf(record);
    },
    tokenDigest: id =>
      registry.records().find(r => definitionOf(r).id === id)?.digest,
  };
}

/** Every gatehouse-jwks entry, with its current options. */
export function jwtCredentials(
  registry: JwksRegistry,
  config: Config,
  compromised?: CompromisedList,
): CredentialLister {
  const restrictions = restrictionsByEntry(config, 'gatehouse-jwks');
  type Entry = ReturnType<JwksRegistry['entries']>[number];
  const definitionOf = ({
    index,
    path,
    options,
  }: Entry): CredentialDefinition => ({
    id: `gatehouse-jwks:${registry.usageKey(index)}`,
    source: 'gatehouse-jwks' as const,
    subject: jwtSubjectPattern(options.subjectPrefix),
    ...(options.owner ? { owner: options.owner } : {}),
    definedAt: path,
    compromisedSubjects: compromised?.compromisedSubjects(
      registry.usageKey(index),
    ),
    accessRestrictions: restrictions.get(index),
    jwt: {
      url: options.url,
      issuers: options.issuers,
      audiences: options.audiences,
      subjectPrefix: options.subjectPrefix,
      claims: options.claimRules.length
        ? Object.fromEntries(
            options.claimRules.map(rule => [
              rule.claim,
              rule.patterns.map(String),
            ]),
          )
        : undefined,
    },
    usageRecorded: true,
  });
  return {
    source: 'gatehouse-jwks',
    list: () => registry.entries().map(definitionOf),
    identifyJwt: async token => {
      for (const entry of registry.entries()) {
        const verification = await registry.verify(token, entry.index);
        if (verification.result === 'accepted') {
          // Verified just now, so its payload is the provider's.
          const { exp } = decodeJwt(token);
          return {
            entry: definitionOf(entry),
            subject: verification.subject,
            expiresAt: Number(exp) * 1000,
          };
        }
      }
      return undefined;
    },
  };
}

/** A managed token as the inventory lists it. */
function managedDefinition(
  record: ManagedTokenRecord,
  compromised?: CompromisedList,
): CredentialDefinition {
  return {
    id: `${MANAGED_PREFIX}${record.id}`,
    source: 'gatehouse-managed',
    subject: record.subject,
    description: record.description,
    ...(record.owner ? { owner: record.owner } : {}),
    fingerprint: record.fingerprint,
    definedAt: 'database',
    createdBy: record.createdBy,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    revokedAt: record.revokedAt,
    compromised: compromised?.compromiseOf(record.tokenHash),
    ...(record.rotatedTo
      ? { replacedBy: `${MANAGED_PREFIX}${record.rotatedTo}` }
      : {}),
    accessRestrictions: record.accessRestrictions,
    usageRecorded: true,
  };
}

const MANAGED_PREFIX = 'gatehouse-managed:';

/**
 * Every managed token in the database, revoked and expired ones included;
 * pages of them, and those of given ids, read by the database.
 */
export function managedCredentials(
  store: ManagedTokenStore,
  compromised?: CompromisedList,
): CredentialLister {
  const definitionOf = (record: ManagedTokenRecord) =>
    managedDefinition(record, compromised);
  return {
    source: 'gatehouse-managed',
    list: async () => (await store.list()).map(definitionOf),
    select: async (query, now, page) => {
      const { total, records } = await store.select(query, now, page);
      return { total, items: records.map(definitionOf) };
    },
    findByDigest: async digest => {
      const record = await store.getByHash(digest);
      return record && definitionOf(record);
    },
    tokenDigest: async id =>
      id.startsWith(MANAGED_PREFIX)
        ? (await store.get(id.slice(MANAGED_PREFIX.length)))?.tokenHash
        : undefined,
    get: async ids =>
      (
        await store.getMany(
          ids
            .filter(id => id.startsWith(MANAGED_PREFIX))
            .map(id => id.slice(MANAGED_PREFIX.length)),
        )
      ).map(definitionOf),
  };
}
