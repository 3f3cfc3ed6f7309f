import type {
  BackstageCredentials,
  BackstagePrincipalAccessRestrictions,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import type { Request } from 'express';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { CredentialLister } from '../inventory/credentialDefinition';
import { fingerprintOfDigest, sha256Hex } from '../lib/tokenDigest';
import { MANAGED_TOKEN_PREFIX } from './managedTokenFormat';
import type { ManagedTokenTable } from './ManagedTokenTable';
import { allAccessRestrictionsOf } from './scopeWithin';

/** Who is asking the managed-token API, and with which credential. */
export type Caller =
  | {
      type: 'user';
      /** The user's entity ref: what createdBy and revokedBy say. */
      name: string;
      credentials: BackstageCredentials;
    }
  | {
      type: 'service';
      /** The principal's subject, which whoever made the credential chose. */
      name: string;
      credentials: BackstageCredentials;
      /**
       * The credential itself: an inventory id (`gatehouse-managed:<id>`,
       * `gatehouse-static:<key>`, `static:<fingerprint>`), `plugin:<id>` for
       * a plugin's own token, or `fingerprint:<8 hex>` (a JWT, say).
       */
      credential: string;
      /** The managed token making the request, if one is. */
      managedTokenId?: string;
      /** When the credential expires, if it does. */
      expiresAt?: number;
      /** Whether it carries access restrictions; if not, it may do everything. */
      restricted: boolean;
      /**
       * Its restrictions by plugin, which Backstage keeps on the credentials
       * (a Backstage internal, pinned by a contract test); undefined if a
       * restricted service's cannot be read, and then nothing is within them.
       */
      restrictions?: ReadonlyMap<string, BackstagePrincipalAccessRestrictions>;
    };

/** How httpAuth reads a bearer token (backend-defaults' getTokenFromRequest). */
const BEARER = /^Bearer[ ]+(\S+)$/i;

/**
 * Identifies the caller of a request httpAuth has authenticated. For a
 * service, its principal says only the subject, which is the credential's
 * own choice; so the request's bearer token (the one just verified) is
 * looked up: in the managed table, in the static tokens (through the
 * inventory's sources), or read as a JWT for its expiry.
 *
 * @throws NotAllowedError for a service whose token is not in the request's
 *   Authorization header (nothing to tell which credential it is)
 */
export function identifyCaller(
  req: Request,
  credentials: BackstageCredentials,
  deps: { table: ManagedTokenTable; listers: () => CredentialLister[] },
): Caller {
  const principal = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
    accessRestrictions?: unknown;
  };
  if (principal.type === 'user') {
    return { type: 'user', name: principal.userEntityRef!, credentials };
  }
  const name = principal.subject!;
  const restricted = Boolean(principal.accessRestrictions);
  const restrictions = restricted
    ? allAccessRestrictionsOf(credentials)
    : undefined;
  const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
  if (!token) {
    throw new NotAllowedError(
      `'${name}' may not manage tokens: its credential did not come in the Authorization header, so Gatehouse cannot tell which one it is`,
    );
  }
  const digest = sha256Hex(token);
  const service = {
    type: 'service' as const,
    name,
    credentials,
    restricted,
    restrictions,
  };

  if (token.startsWith(MANAGED_TOKEN_PREFIX)) {
    const managed = deps.table.find(digest);
    if (!managed) {
      // Accepted a moment ago, revoked or expired since.
      throw new NotAllowedError(
        `'${name}' may not manage tokens: its managed token has been revoked or has expired`,
      );
    }
    return {
      ...service,
      credential: `gatehouse-managed:${managed.id}`,
      managedTokenId: managed.id,
      expiresAt: managed.expiresAt,
    };
  }
  for (const lister of deps.listers()) {
    const known = lister.identify?.(digest);
    if (known) {
      return { ...service, credential: known.id, expiresAt: known.expiresAt };
    }
  }
  const jwt = jwtClaimsOf(token);
  if (jwt?.plugin) {
    // A plugin of this backend: part of it, with its whole authority.
    return { ...service, credential: name };
  }
  return {
    ...service,
    credential: `fingerprint:${fingerprintOfDigest(digest)}`,
    expiresAt: jwt?.exp,
  };
}

/** A JWT's expiry (ms) and whether it is a Backstage plugin token; undefined for other tokens. */
function jwtClaimsOf(
  token: string,
): { exp?: number; plugin: boolean } | undefined {
  if (token.split('.').length !== 3) return undefined;
  try {
    // Verified a moment ago by the auth service, in this same request.
    const { typ } = decodeProtectedHeader(token);
    const { exp } = decodeJwt(token);
    return {
      plugin: typ === 'vnd.backstage.plugin',
      exp: typeof exp === 'number' ? exp * 1000 : undefined,
    };
  } catch {
    return undefined;
  }
}
