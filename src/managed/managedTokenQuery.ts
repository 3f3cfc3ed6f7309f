import type { Knex } from 'knex';
import type { CredentialStatus } from '@gatehouse/backstage-plugin-gatehouse-common';
import type { CredentialCriteria } from '../ownership/credentialCriteria';

/**
 * The inventory's question about managed tokens, in the terms the
 * `gatehouse_managed_tokens` table can answer, so that a page of 100,000
 * tokens is read without the other 99,950.
 */
export interface ManagedTokenQuery {
  /** Who may see which: a policy's conditions, on owners alone (undefined: every token). */
  visible?: CredentialCriteria | boolean;
  /** Owners asked for: refs in lower case, and whether unowned tokens are. */
  owners?: { refs: string[]; none: boolean };
  statuses?: CredentialStatus[];
  /** `expiring` as statusOf decides it. */
  expiringWithinMs: number;
  /** Usable and expiring within `expiringWithinMs`, whatever the lifetime. */
  onlyExpiring: boolean;
  unrestricted?: boolean;
  /** Gatehouse's subject pattern: `*` for any text, case-sensitive. */
  subject?: string;
  /** One token, by its id in the table. */
  id?: string;
}

type Builder = Knex.QueryBuilder;
type Dialect = 'pg' | 'sqlite';

/** Nothing: a where clause no row meets, on every database. */
const never = (qb: Builder) => qb.whereRaw('1 = 0');

/** Owned by one of `refs`; NULL owners fail plainly, so that NOT reads as in memory. */
function ownedBy(qb: Builder, refs: string[]) {
  if (!refs.length) return never(qb);
  return qb
    .whereNotNull('owner')
    .whereIn('owner', [
      ...new Set(refs.map(r => r.toLocaleLowerCase('en-US'))),
    ]);
}

function applyCriteria(qb: Builder, criteria: CredentialCriteria | boolean) {
  if (criteria === true) return qb;
  if (criteria === false) return never(qb);
  if ('allOf' in criteria) {
    for (const c of criteria.allOf) qb.where(sub => applyCriteria(sub, c));
    return qb;
  }
  if ('anyOf' in criteria) {
    for (const c of criteria.anyOf) qb.orWhere(sub => applyCriteria(sub, c));
    return qb;
  }
  if ('not' in criteria)
    return qb.whereNot(sub => applyCriteria(sub, criteria.not));
  // Conditions on the source are decided before (criteriaForSource).
  return criteria.property === 'owner'
    ? ownedBy(qb, criteria.values)
    : never(qb);
}

/**
 * The statuses of statusOf, in SQL: `expiring` is within the window and in
 * the last quarter of the token's life (4 × left ≤ lifetime, in integers).
 */
function applyStatus(
  qb: Builder,
  status: CredentialStatus,
  now: number,
  windowMs: number,
) {
  const usable = (b: Builder) =>
    b.whereNull('revoked_at').where('expires_at', '>', now);
  const expiring = (b: Builder) =>
    b
      .whereRaw('expires_at - ? <= ?', [now, windowMs])
      .whereRaw('4 * (expires_at - ?) <= expires_at - created_at', [now]);
  // A token marked compromised is revoked too, and listed as compromised.
  const marked = (b: Builder) =>
    b
      .select('mark_key')
      .from('gatehouse_compromised_credentials')
      .whereRaw(
        'gatehouse_compromised_credentials.mark_key = gatehouse_managed_tokens.token_hash',
      );
  switch (status) {
    case 'compromised':
      return qb.whereExists(marked);
    case 'revoked':
      return qb.whereNotNull('revoked_at').whereNotExists(marked);
    case 'expired':
      return qb.whereNull('revoked_at').where('expires_at', '<=', now);
    case 'expiring':
      return expiring(usable(qb));
    case 'active':
      return usable(qb).whereNot(expiring);
    default:
      // A managed token is valid from its creation.
      return never(qb);
  }
}

/** `*` for any text, the rest literal and case-sensitive, as compileGlob reads it. */
function applySubject(qb: Builder, pattern: string, dialect: Dialect) {
  if (!pattern.includes('*')) return qb.where('subject', pattern);
  if (dialect === 'sqlite') {
    // GLOB is case-sensitive (LIKE is not, in SQLite); `?` and `[` are its own.
    return qb.whereRaw('subject GLOB ?', [
      pattern.replace(/[?[]/g, c => `[${c}]`),
    ]);
  }
  const like = pattern.replace(/[\\%_]/g, c => `\\${c}`).replace(/\*/g, '%');
  return qb.whereRaw("subject LIKE ? ESCAPE '\\'", [like]);
}

/** The where clauses of `query` on the managed tokens' table, at `now` (database time). */
export function applyManagedTokenQuery(
  qb: Builder,
  query: ManagedTokenQuery,
  now: number,
  dialect: Dialect,
): Builder {
  if (query.visible !== undefined) {
    const visible = query.visible;
    qb.where(sub => applyCriteria(sub, visible));
  }
  const owners = query.owners;
  if (owners) {
    qb.where(sub => {
      ownedBy(sub, owners.refs);
      if (owners.none) sub.orWhereNull('owner');
    });
  }
  const statuses = query.statuses;
  if (statuses) {
    qb.where(sub => {
      for (const status of statuses) {
        sub.orWhere(b => applyStatus(b, status, now, query.expiringWithinMs));
      }
      if (!statuses.length) never(sub);
    });
  }
  if (query.onlyExpiring) {
    qb.whereNull('revoked_at')
      .where('expires_at', '>', now)
      .whereRaw('expires_at - ? <= ?', [now, query.expiringWithinMs]);
  }
  if (query.unrestricted !== undefined) {
    if (query.unrestricted) qb.whereNull('access_restrictions');
    else qb.whereNotNull('access_restrictions');
  }
  if (query.subject !== undefined) applySubject(qb, query.subject, dialect);
  if (query.id !== undefined) qb.where('id', query.id);
  return qb;
}
