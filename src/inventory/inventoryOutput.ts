import {
  type Compromise,
  type Credential,
  restrictionsText,
} from '@gatehouse/backstage-plugin-gatehouse-common';
import { escapeUnsafe } from '../lib/untrustedText';
import type { CompromiseRecord } from './credentialDefinition';
import type { InventoryRow, UsageView } from './inventoryRows';

const iso = (ms?: number) =>
  ms === undefined ? undefined : new Date(ms).toISOString();

function compromiseJson(mark: CompromiseRecord): Compromise {
  return {
    at: new Date(mark.at).toISOString(),
    by: mark.by,
    ...(mark.reason ? { reason: mark.reason } : {}),
    ...(mark.until !== undefined ? { until: iso(mark.until) } : {}),
  };
}

function usageJson(usage: UsageView) {
  return {
    lastUsedAt: iso(usage.lastUsedAt),
    lastUsedBy: usage.lastUsedBy,
    uses24h: usage.uses24h,
    uses30d: usage.uses30d,
    lastRejection: usage.lastRejection && {
      reason: usage.lastRejection.reason,
      at: new Date(usage.lastRejection.at).toISOString(),
    },
  };
}

/** A row as the API shows it: times in ISO 8601, nothing secret. */
export function rowJson(row: InventoryRow): Credential {
  return {
    id: row.id,
    source: row.source,
    builtIn: row.builtIn,
    subject: row.subject,
    description: row.description,
    owner: row.owner ?? null,
    fingerprint: row.fingerprint,
    definedAt: row.definedAt,
    stored: row.stored,
    short: row.short,
    createdBy: row.createdBy,
    createdAt: iso(row.createdAt),
    notBefore: iso(row.notBefore),
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
    replacedBy: row.replacedBy,
    compromised: row.compromised && compromiseJson(row.compromised),
    compromisedSubjects: row.compromisedSubjects?.map(s => ({
      subject: s.subject,
      ...compromiseJson(s),
    })),
    status: row.status,
    accessRestrictions: row.accessRestrictions ?? null,
    jwt: row.jwt,
    usage: row.usage ? usageJson(row.usage) : null,
    subjects: row.subjects?.map(s => ({ subject: s.subject, ...usageJson(s) })),
    otherSubjects: row.otherSubjects,
  };
}

const CSV_COLUMNS: Array<[string, (row: InventoryRow) => unknown]> = [
  ['id', r => r.id],
  ['source', r => r.source],
  ['built_in', r => r.builtIn],
  ['subject', r => r.subject],
  ['description', r => r.description],
  ['owner', r => r.owner],
  ['fingerprint', r => r.fingerprint],
  ['defined_at', r => r.definedAt],
  ['stored', r => r.stored],
  ['short', r => r.short],
  ['status', r => r.status],
  ['created_by', r => r.createdBy],
  ['created_at', r => iso(r.createdAt)],
  ['not_before', r => iso(r.notBefore)],
  ['expires_at', r => iso(r.expiresAt)],
  ['revoked_at', r => iso(r.revokedAt)],
  ['compromised_at', r => iso(r.compromised?.at)],
  ['compromised_by', r => r.compromised?.by],
  ['restrictions', r => restrictionsText(r.accessRestrictions)],
  ['issuer', r => r.jwt?.issuers?.join(' ')],
  ['audience', r => r.jwt?.audiences?.join(' ')],
  ['last_used_at', r => iso(r.usage?.lastUsedAt)],
  ['last_used_by', r => r.usage?.lastUsedBy],
  ['uses_24h', r => r.usage?.uses24h],
  ['uses_30d', r => r.usage?.uses30d],
  ['last_rejection', r => r.usage?.lastRejection?.reason],
  ['last_rejection_at', r => iso(r.usage?.lastRejection?.at)],
  ['subjects_seen', r => r.subjects?.map(s => s.subject).join(' ')],
];

/**
 * RFC 4180 CSV. A cell that a spreadsheet would run as a formula (starting
 * with =, +, - or @) gets a leading apostrophe: subjects and descriptions
 * are written by other people. For the same reason control and format
 * characters are escaped (`\u{1b}`): the file may be shown by `cat` in a
 * terminal, which would obey them, or by a tool that does not quote line
 * breaks; so no cell holds a line break and CRLF only ends rows.
 */
function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  text = escapeUnsafe(text);
  return /[",]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function rowsCsv(rows: InventoryRow[]): string {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const row of rows) {
    lines.push(CSV_COLUMNS.map(([, get]) => csvCell(get(row))).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
