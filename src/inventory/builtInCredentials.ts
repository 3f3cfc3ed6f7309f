import type { Config } from '@backstage/config';
import { canonicalJson } from '../lib/canonicalJson';
import { externalAccessEntriesOfType } from '../lib/externalAccessEntries';
import { fingerprintOf, sha256Hex } from '../lib/tokenDigest';
import type {
  AccessRestriction,
  CredentialDefinition,
  CredentialLister,
} from './credentialDefinition';

/** Gatehouse's recommendation, and what `gatehouse token create` makes. */
const RECOMMENDED_LENGTH = 32;

/** An entry's `accessRestrictions` as written, or undefined for none. */
export function restrictionsOf(raw: unknown): AccessRestriction[] | undefined {
  return Array.isArray(raw) && raw.length
    ? (raw as AccessRestriction[])
    : undefined;
}

const stringList = (value: unknown): string[] | undefined =>
  typeof value === 'string'
    ? value.split(/[ ,]/).filter(Boolean)
    : Array.isArray(value)
      ? value.map(String)
      : undefined;

/** What names a JWT entry's issuer: the part of its options its key is made from. */
export function jwtIdentity(options: {
  url?: string;
  issuers?: string[];
  audiences?: string[];
  subjectPrefix?: string;
}) {
  return {
    url: options.url,
    issuers: options.issuers,
    audiences: options.audiences,
    subjectPrefix: options.subjectPrefix,
  };
}

/**
 * A JWT entry's key in the inventory and the usage tables: a hash of who
 * issues its tokens, so that it is the same on every replica and survives a
 * reordering of the list.
 */
export function jwtEntryKey(identity: {
  url?: string;
  issuers?: string[];
  audiences?: string[];
  subjectPrefix?: string;
}): string {
  return sha256Hex(canonicalJson(identity)).slice(0, 12);
}

/** The subjects a JWT entry gives, as Backstage and gatehouse-jwks write them. */
export function jwtSubjectPattern(subjectPrefix?: string): string {
  return subjectPrefix ? `external:${subjectPrefix}:*` : 'external:*';
}

/**
 * Backstage's built-in `static` and `jwks` entries, read from config. They
 * are listed so that the inventory is complete, flagged as built-in; their
 * requests are handled by Backstage, so their usage is not recorded (move
 * them to Gatehouse's types to see it).
 */
export function builtInCredentials(config: Config): CredentialLister[] {
  const staticEntries = () =>
    externalAccessEntriesOfType(config, 'static').flatMap(entry => {
      const options = (entry.rawOptions ?? {}) as Record<string, unknown>;
      return typeof options.token === 'string'
        ? [{ entry, options, token: options.token }]
        : [];
    });
  const definitionOf = ({
    entry,
    options,
    token,
  }: ReturnType<typeof staticEntries>[number]): CredentialDefinition => {
    const fingerprint = fingerprintOf(token);
    return {
      id: `static:${fingerprint}`,
      source: 'static',
      subject: String(options.subject ?? ''),
      fingerprint,
      definedAt: `${entry.optionsPath}.token`,
      stored: 'plain',
      short: token.length < RECOMMENDED_LENGTH,
      accessRestrictions: restrictionsOf(entry.rawAccessRestrictions),
      usageRecorded: false,
    };
  };
  const jwtEntries = (): CredentialDefinition[] =>
    externalAccessEntriesOfType(config, 'jwks').map(entry => {
      const options = (entry.rawOptions ?? {}) as Record<string, unknown>;
      const jwt = {
        url: typeof options.url === 'string' ? options.url : undefined,
        issuers: stringList(options.issuer),
        audiences: stringList(options.audience),
        subjectPrefix:
          typeof options.subjectPrefix === 'string'
            ? options.subjectPrefix
            : undefined,
      };
      return {
        id: `jwks:${jwtEntryKey(jwtIdentity(jwt))}`,
        source: 'jwks' as const,
        subject: jwtSubjectPattern(jwt.subjectPrefix),
        definedAt: entry.optionsPath,
        accessRestrictions: restrictionsOf(entry.rawAccessRestrictions),
        jwt,
        usageRecorded: false,
      };
    });
  return [
    {
      source: 'static',
      list: () => staticEntries().map(definitionOf),
      identify: digest => {
        const found = staticEntries().find(e => sha256Hex(e.token) === digest);
        return found && definitionOf(found);
      },
    },
    { source: 'jwks', list: jwtEntries },
  ];
}
