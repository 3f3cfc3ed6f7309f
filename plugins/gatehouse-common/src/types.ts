/*
 * What the backend's /api/gatehouse answers and takes (see the backend's
 * docs/reviewing-access.md and docs/managed-tokens.md): the backend writes
 * its JSON to these types and the page reads it with them.
 */

/**
 * Where a credential comes from: Gatehouse's three types, and Backstage's
 * built-in two (listed, but their requests are not Gatehouse's to see).
 *
 * @public
 */
export type CredentialSource =
  | 'gatehouse-static'
  | 'gatehouse-jwks'
  | 'gatehouse-managed'
  | 'static'
  | 'jwks';

/** @public */
export const CREDENTIAL_SOURCES: readonly CredentialSource[] = [
  'gatehouse-static',
  'gatehouse-jwks',
  'gatehouse-managed',
  'static',
  'jwks',
];

/** @public */
export type CredentialStatus =
  | 'active'
  | 'expiring'
  | 'expired'
  | 'not-yet-valid'
  | 'revoked'
  | 'compromised';

/** @public */
export const CREDENTIAL_STATUSES: readonly CredentialStatus[] = [
  'active',
  'expiring',
  'expired',
  'not-yet-valid',
  'revoked',
  'compromised',
];

/**
 * A credential marked compromised: refused on every replica from then on
 * (a JWT subject until `until`).
 *
 * @public
 */
export interface Compromise {
  at: string;
  by: string;
  reason?: string;
  until?: string;
}

/**
 * Unusual use of a credential, noticed from its usage (docs/leaks.md).
 *
 * @public
 */
export interface CredentialSignal {
  kind:
    'new_plugin' | 'dormant_reuse' | 'retired_presented' | 'rejection_burst';
  at: string;
  detail: string;
}

/**
 * POST /api/gatehouse/leaks: the credential marked, and how.
 *
 * @public
 */
export interface MarkedCompromised {
  /** Its inventory id. */
  credential: string;
  source: CredentialSource;
  subject: string;
  fingerprint?: string;
  compromised: Compromise;
  /** It had been marked before (the first mark's time and author stand). */
  alreadyMarked: boolean;
  /** For a managed token: those revoked with it (made by it, or its rotations). */
  alsoRevoked?: Array<{ id: string; subject: string }>;
}

/** @public */
export interface AccessRestriction {
  plugin: string;
  permission?: string[];
  permissionAttribute?: { action?: string[] };
}

/** @public */
export interface Usage {
  lastUsedAt?: string;
  lastUsedBy?: string;
  uses24h: number;
  uses30d: number;
  lastRejection?: { reason: string; at: string };
}

/**
 * A JWT entry's terms: who issues the tokens (its key set's URL, issuers) and
 * which it takes (audiences, claims); the subjects they get (prefix).
 *
 * @public
 */
export interface JwtEntrySummary {
  url?: string;
  issuers?: string[];
  audiences?: string[];
  subjectPrefix?: string;
  claims?: Record<string, string[]>;
}

/** @public */
export interface Credential {
  id: string;
  source: CredentialSource;
  builtIn: boolean;
  subject: string;
  description?: string;
  /** The catalog entity ref of the group or user that looks after it; null if none does. */
  owner?: string | null;
  fingerprint?: string;
  definedAt: string;
  stored?: 'hash' | 'plain';
  short?: boolean;
  createdBy?: string;
  createdAt?: string;
  notBefore?: string;
  expiresAt?: string;
  revokedAt?: string;
  /** The inventory id of the token that replaced it by rotation. */
  replacedBy?: string;
  /** Marked compromised: who, when, why. */
  compromised?: Compromise;
  /** For a JWT entry: its subjects refused as compromised, while they are. */
  compromisedSubjects?: Array<Compromise & { subject: string }>;
  /** Unusual uses Gatehouse noticed in the last month, newest first (a JWT entry's: its subjects'). */
  signals?: CredentialSignal[];
  status: CredentialStatus;
  accessRestrictions: AccessRestriction[] | null;
  jwt?: JwtEntrySummary;
  usage: Usage | null;
  subjects?: Array<Usage & { subject: string }>;
  otherSubjects?: number;
  /**
   * What the signed-in user may do to it: rotate, revoke and update managed
   * tokens; mark a static or managed token compromised (absent from older
   * backends).
   */
  actions?: Array<'rotate' | 'revoke' | 'update' | 'compromise'>;
}

/**
 * How much of each permission the signed-in user holds: on every credential, some (by owner, say), or none.
 *
 * @public
 */
export type AccessScope = 'all' | 'some' | 'none';

/**
 * GET /api/gatehouse/access: what the page may offer.
 *
 * @public
 */
export interface Access {
  read: AccessScope;
  create: AccessScope;
  revoke: AccessScope;
  update: AccessScope;
  /** Mark credentials compromised (absent from older backends). */
  compromise?: AccessScope;
}

/** @public */
export interface InventoryFilters {
  unusedFor?: string;
  expiringWithin?: string;
  unrestricted?: boolean;
  source?: CredentialSource[];
  subject?: string;
  /** Entity refs, `mine` or `none`, comma-separated. */
  owner?: string;
  /** Only these statuses (the page leaves out revoked and expired ones unless asked). */
  status?: CredentialStatus[];
  /** One credential, by its inventory id. */
  id?: string;
}

/**
 * Which rows of the filtered inventory to return (the backend pages in its database).
 *
 * @public
 */
export interface InventoryPage {
  limit?: number;
  offset?: number;
}

/** @public */
export interface Inventory {
  generatedAt: string;
  total: number;
  items: Credential[];
}

/** @public */
export interface NewToken {
  subject: string;
  /** Absent: the signed-in user. */
  owner?: string;
  description: string;
  expiresIn?: string;
  accessRestrictions?: AccessRestriction[];
}

/**
 * A managed token as created or rotated: the only time `token` is shown.
 *
 * @public
 */
export interface IssuedToken {
  id: string;
  token: string;
  fingerprint: string;
  subject: string;
  expiresAt: string;
  accessRestrictions?: AccessRestriction[];
  /** After a rotation: the token it replaces, which works until its `expiresAt`. */
  previous?: { id: string; expiresAt: string };
}

/**
 * A revoked managed token's metadata, and the tokens revoked with it (its rotations, tokens it made).
 *
 * @public
 */
export interface RevokedToken {
  id: string;
  subject: string;
  fingerprint?: string;
  description?: string;
  revokedAt?: string;
  alsoRevoked?: Array<{ id: string; subject: string }>;
}

/**
 * What the new-token form may offer: the backend's lifetimes and plugins.
 *
 * @public
 */
export interface TokenOptions {
  maxLifetimeMs: number;
  defaultLifetimeMs: number;
  rotationOverlapMs: number;
  plugins: Array<{
    pluginId: string;
    permissions: Array<{ name: string; action?: string }>;
  }>;
  /**
   * False: the caller may give a token only permissions it holds itself,
   * each named (no whole plugin, wildcard or unrestricted token). Absent
   * from older backends.
   */
  anyScope?: boolean;
}
