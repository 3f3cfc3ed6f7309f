import type {
  CredentialSource,
  JwtEntrySummary,
} from '@gatehouse/backstage-plugin-gatehouse-common';
import type { ManagedTokenQuery } from '../managed/managedTokenQuery';

/** One restriction, in the shape of an `externalAccess` entry's. */
export interface AccessRestriction {
  plugin: string;
  permission?: string[];
  permissionAttribute?: { action?: string[] };
}

/**
 * What a source knows of one credential, from memory or its own table:
 * never a token, never a hash beyond the 8-character fingerprint.
 */
export interface CredentialDefinition {
  /** `source:key`: the same on every replica with the same config. */
  id: string;
  source: CredentialSource;
  /** The subject it authenticates as; for a JWT entry, a pattern. */
  subject: string;
  description?: string;
  /** The catalog entity ref (group or user) that looks after it, if one does. */
  owner?: string;
  fingerprint?: string;
  /** A config path, a tokens file and position, or `database`. */
  definedAt: string;
  /** For static tokens: written in config as a SHA-256 hash, or in plain text. */
  stored?: 'hash' | 'plain';
  /** A plain static token shorter than 32 characters. */
  short?: boolean;
  createdBy?: string;
  createdAt?: number;
  notBefore?: number;
  expiresAt?: number;
  revokedAt?: number;
  /** A managed token replaced by a rotation: its successor's inventory id. */
  replacedBy?: string;
  /** Marked compromised (times in the database's ms). */
  compromised?: CompromiseRecord;
  /** For a JWT entry: its subjects refused as compromised, while they are. */
  compromisedSubjects?: Array<CompromiseRecord & { subject: string }>;
  /** Absent: the credential may call every plugin. */
  accessRestrictions?: AccessRestriction[];
  /** For JWT entries: who issues the tokens and which are taken. */
  jwt?: JwtEntrySummary;
  /** False for Backstage's built-in types, whose requests Gatehouse does not see. */
  usageRecorded: boolean;
}

/** Who marked a credential compromised, when, why; for a JWT subject, until when. */
export interface CompromiseRecord {
  at: number;
  by: string;
  reason?: string;
  until?: number;
}

/** Lists a source's credentials: from memory, or for managed tokens from the database. */
export interface CredentialLister {
  source: CredentialSource;
  list(): CredentialDefinition[] | Promise<CredentialDefinition[]>;
  /**
   * The credential whose token has this SHA-256 (lower-case hex), for
   * sources that keep one per token: who is calling, when a token makes
   * another one.
   */
  identify?(tokenHash: string): CredentialDefinition | undefined;
  /**
   * The SHA-256 of the token with this inventory id, for sources that keep
   * one per token: what a compromised mark is keyed by.
   */
  tokenDigest?(id: string): string | undefined | Promise<string | undefined>;
  /** For a source kept in a database: the token with this SHA-256, in any state. */
  findByDigest?(digest: string): Promise<CredentialDefinition | undefined>;
  /**
   * For JWT entries: the entry that accepts `token` now (signature, issuer,
   * audience, claims all checked), its subject and expiry.
   */
  identifyJwt?(
    token: string,
  ): Promise<
    | { entry: CredentialDefinition; subject: string; expiresAt: number }
    | undefined
  >;
  /**
   * For a source kept in a database: the page of credentials `query` asks
   * for at `now`, newest first, read there, and how many match in all.
   */
  select?(
    query: ManagedTokenQuery,
    now: number,
    page: { offset: number; limit?: number },
  ): Promise<{ total: number; items: CredentialDefinition[] }>;
  /** For a source kept in a database: the credentials with these inventory ids. */
  get?(ids: readonly string[]): Promise<CredentialDefinition[]>;
}
