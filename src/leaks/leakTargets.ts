import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type {
  CredentialDefinition,
  CredentialLister,
} from '../inventory/credentialDefinition';
import {
  fingerprintOfDigest,
  looksLikeJwt,
  sha256Hex,
} from '../lib/tokenDigest';
import { MANAGED_TOKEN_PREFIX } from '../managed/managedTokenFormat';
import { subjectMarkKey } from './CompromisedStore';
import type { LeakRequest } from './leakRequest';

/** How long a JWT subject may be refused by one mark: a year. */
export const MAX_SUBJECT_REFUSAL_MS = 366 * 24 * 60 * 60_000;

/** The credential a leak report names, and the key its mark gets. */
export interface LeakTarget {
  credential: CredentialDefinition;
  key: string;
  fingerprint?: string;
  /** A JWT subject, refused until `until`. */
  subject?: string;
  until?: number;
}

/**
 * Finds the credential a leak report names, among Gatehouse's own: a
 * static or managed token by its SHA-256 (whatever its state: a revoked
 * token can still be recorded as leaked), a JWT by verifying it now. A
 * built-in `static` token is not Gatehouse's to refuse; nor is a token no
 * source knows.
 *
 * @throws NotFoundError, InputError (a JWT subject without a time), or
 *   ConflictError (a fingerprint two tokens share)
 */
export async function findLeakTarget(
  request: LeakRequest,
  listers: CredentialLister[],
  now: number,
): Promise<LeakTarget> {
  const lister = (source: string) => listers.find(l => l.source === source);
  if ('token' in request) {
    const { token } = request;
    if (looksLikeJwt(token)) {
      const found = await lister('gatehouse-jwks')?.identifyJwt?.(token);
      if (!found) {
        throw new NotFoundError(
          'No gatehouse-jwks entry accepts this JWT now (expired, or not from a configured provider): name its entry and subject instead, with an end time',
        );
      }
      const until = Math.max(request.until ?? 0, found.expiresAt);
      return subjectTarget(found.entry, found.subject, until, now);
    }
    const digest = sha256Hex(token);
    const source = token.startsWith(MANAGED_TOKEN_PREFIX)
      ? 'gatehouse-managed'
      : 'gatehouse-static';
    const credential = await identified(lister(source), digest);
    if (!credential) {
      throw new NotFoundError(
        `No Gatehouse credential of this backend has this token (fingerprint ${fingerprintOfDigest(digest)}): nothing to mark. A built-in 'static' token is refused only by removing it from config`,
      );
    }
    return { credential, key: digest, fingerprint: credential.fingerprint };
  }
  if ('credential' in request) {
    const source = request.credential.slice(0, request.credential.indexOf(':'));
    const from = lister(source);
    // A database source reads the one row, not all of them.
    const candidates = from?.get
      ? await from.get([request.credential])
      : await listed(from);
    const credential = candidates.find(c => c.id === request.credential);
    if (!credential) {
      throw new NotFoundError(`No credential with id '${request.credential}'`);
    }
    if (source === 'gatehouse-jwks') {
      if (request.subject === undefined || request.until === undefined) {
        throw new InputError(
          "Invalid request: a gatehouse-jwks entry is marked by 'subject' and 'until' (the provider keeps issuing tokens to it until its secret is changed)",
        );
      }
      return subjectTarget(credential, request.subject, request.until, now);
    }
    return tokenTarget(lister(source)!, credential);
  }
  const matching = (await listed(lister(request.source))).filter(
    c => c.fingerprint === request.fingerprint,
  );
  if (matching.length === 0) {
    throw new NotFoundError(
      `No ${request.source} token has fingerprint ${request.fingerprint}`,
    );
  }
  if (matching.length > 1) {
    throw new ConflictError(
      `${matching.length} ${request.source} tokens have fingerprint ${request.fingerprint}: name one by its inventory id (${matching.map(c => c.id).join(', ')}) or give the token`,
    );
  }
  return tokenTarget(lister(request.source)!, matching[0]);
}

async function listed(lister?: CredentialLister) {
  return lister ? await lister.list() : [];
}

async function identified(
  lister: CredentialLister | undefined,
  digest: string,
) {
  return lister?.findByDigest
    ? await lister.findByDigest(digest)
    : lister?.identify?.(digest);
}

async function tokenTarget(
  lister: CredentialLister,
  credential: CredentialDefinition,
): Promise<LeakTarget> {
  const digest = await lister.tokenDigest?.(credential.id);
  if (!digest) {
    throw new NotFoundError(`No credential with id '${credential.id}'`);
  }
  return { credential, key: digest, fingerprint: credential.fingerprint };
}

function subjectTarget(
  entry: CredentialDefinition,
  subject: string,
  until: number,
  now: number,
): LeakTarget {
  if (until <= now) {
    throw new InputError("Invalid request: 'until' must be in the future");
  }
  if (until - now > MAX_SUBJECT_REFUSAL_MS) {
    throw new InputError(
      "Invalid request: 'until' may be at most a year from now; mark the subject again to refuse it longer",
    );
  }
  const entryKey = entry.id.slice(entry.id.indexOf(':') + 1);
  return {
    credential: entry,
    key: subjectMarkKey(entryKey, subject),
    subject,
    until,
  };
}
