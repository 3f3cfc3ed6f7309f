import { InputError } from '@backstage/errors';
import {
  CREDENTIAL_SOURCES,
  CREDENTIAL_STATUSES,
  type CredentialSource,
  type CredentialStatus,
} from '@gatehouse/backstage-plugin-gatehouse-common';
import { z } from 'zod';
import { describeIssues } from '../lib/configIssues';
import { durationSchema } from '../lib/durationSchema';
import { compileGlob } from '../lib/glob';
import { escapeUnsafe } from '../lib/untrustedText';
import {
  isOwnedBy,
  normalizeOwnerRef,
  OWNER_REF_MESSAGE,
} from '../ownership/ownerRef';
import type { InventoryRow } from './inventoryRows';

/** "Expiring" without `expiringWithin`: two weeks, time to rotate. */
export const DEFAULT_EXPIRING_WITHIN_MS = 14 * 24 * 60 * 60_000;
const MAX_LIMIT = 10_000;

const listOf = <T extends string>(values: readonly T[], what: string) =>
  z
    .string()
    .max(200)
    .transform((value, ctx) => {
      const items = value.split(',').map(v => v.trim());
      const unknown = items.filter(
        v => !(values as readonly string[]).includes(v),
      );
      if (unknown.length) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown ${what} '${unknown[0].slice(0, 40)}'; one or more of ${values.join(', ')}, comma-separated`,
        });
        return z.NEVER;
      }
      return items as T[];
    });

const querySchema = z.strictObject({
  unusedFor: durationSchema.optional(),
  expiringWithin: durationSchema.optional(),
  unrestricted: z.enum(['true', 'false']).optional(),
  source: listOf(CREDENTIAL_SOURCES, 'source').optional(),
  status: listOf(CREDENTIAL_STATUSES, 'status').optional(),
  subject: z.string().min(1).max(200).optional(),
  owner: z.string().min(1).max(2000).optional(),
  id: z.string().min(1).max(300).optional(),
  format: z.enum(['json', 'csv']).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

/** The inventory's query: filters that answer the review questions, and the output. */
export interface InventoryQuery {
  unusedForMs?: number;
  expiringWithinMs: number;
  /** Whether `expiringWithin` was given: then only expiring rows are shown. */
  onlyExpiring: boolean;
  unrestricted?: boolean;
  sources?: CredentialSource[];
  statuses?: CredentialStatus[];
  subject?: (text: string) => boolean;
  /** One credential by its inventory id (a notice's link to it). */
  id?: string;
  /** The subject pattern as given, for a database to match. */
  subjectPattern?: string;
  /**
   * Owners asked for: entity refs, `mine` (the caller's user and groups) and
   * `none` (unowned); the router resolves `mine`.
   */
  owners?: OwnerFilter;
  format: 'json' | 'csv';
  limit: number;
  offset: number;
}

/** @throws InputError naming each bad parameter */
export function parseInventoryQuery(query: unknown): InventoryQuery {
  const result = querySchema.safeParse(query ?? {});
  if (!result.success) {
    throw new InputError(
      `Invalid query: ${describeIssues('', result.error.issues, querySchema).join('; ')}`,
    );
  }
  const q = result.data;
  return {
    unusedForMs: q.unusedFor,
    expiringWithinMs: q.expiringWithin ?? DEFAULT_EXPIRING_WITHIN_MS,
    onlyExpiring: q.expiringWithin !== undefined,
    unrestricted:
      q.unrestricted === undefined ? undefined : q.unrestricted === 'true',
    sources: q.source,
    statuses: q.status,
    // Gatehouse's wildcards: `*` only, matched in linear time.
    subject: q.subject === undefined ? undefined : compileGlob(q.subject),
    subjectPattern: q.subject,
    id: q.id,
    owners: q.owner === undefined ? undefined : parseOwnerFilter(q.owner),
    format: q.format ?? 'json',
    limit: q.limit ?? MAX_LIMIT,
    offset: q.offset ?? 0,
  };
}

/** The `owner` filter: refs, the caller's own, the unowned. */
export interface OwnerFilter {
  refs: string[];
  mine: boolean;
  none: boolean;
}

function parseOwnerFilter(text: string): OwnerFilter {
  const filter: OwnerFilter = { refs: [], mine: false, none: false };
  for (const item of text.split(',').map(v => v.trim())) {
    if (item === 'mine') filter.mine = true;
    else if (item === 'none') filter.none = true;
    else {
      const ref = normalizeOwnerRef(item);
      if (!ref) {
        throw new InputError(
          `Invalid query: owner: '${escapeUnsafe(item.slice(0, 40))}' ${OWNER_REF_MESSAGE}; or 'mine' (your user and groups) or 'none' (unowned), comma-separated`,
        );
      }
      filter.refs.push(ref);
    }
  }
  return filter;
}

/**
 * Unused for a while: usage is recorded and nothing was accepted within the
 * window, and the credential is older than the window where its creation is
 * known (a token made yesterday is not "unused for 30 days").
 */
function unusedFor(row: InventoryRow, windowMs: number, now: number): boolean {
  if (!row.usage) return false;
  const since = now - windowMs;
  if (row.createdAt !== undefined && row.createdAt > since) return false;
  return row.usage.lastUsedAt === undefined || row.usage.lastUsedAt < since;
}

/**
 * `expiringWithin` asks by the date: every usable credential that expires
 * within it, whatever its lifetime (the `expiring` status leaves out tokens
 * made short-lived on purpose; an explicit question gets them all).
 */
function expiresWithin(row: InventoryRow, windowMs: number, now: number) {
  return (
    row.expiresAt !== undefined &&
    (row.status === 'active' || row.status === 'expiring') &&
    row.expiresAt - now <= windowMs
  );
}

export function filterRows(
  rows: InventoryRow[],
  query: InventoryQuery,
  now: number,
): InventoryRow[] {
  return rows.filter(
    row =>
      (query.unusedForMs === undefined ||
        unusedFor(row, query.unusedForMs, now)) &&
      (!query.onlyExpiring ||
        expiresWithin(row, query.expiringWithinMs, now)) &&
      (query.unrestricted === undefined ||
        (row.accessRestrictions === undefined) === query.unrestricted) &&
      (query.id === undefined || row.id === query.id) &&
      (!query.sources || query.sources.includes(row.source)) &&
      (!query.statuses || query.statuses.includes(row.status)) &&
      (!query.owners ||
        (row.owner === undefined
          ? query.owners.none
          : isOwnedBy(row.owner, query.owners.refs))) &&
      (!query.subject ||
        query.subject(row.subject) ||
        (row.subjects ?? []).some(s => query.subject!(s.subject))),
  );
}
