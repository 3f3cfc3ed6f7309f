/** As Backstage's notifications grade them. */
type NotificationSeverity = 'critical' | 'high' | 'normal' | 'low';
import { durationText } from '@gatehouse/backstage-plugin-gatehouse-common';
import type { InventoryRow } from '../inventory/inventoryRows';
import type { NoticeSettings } from './noticeSettings';
import type { NoticeKey } from './NoticeStore';

/** Not a notice: when Gatehouse first saw an owned credential (unused counts from then). */
export const FIRST_SEEN = 'first-seen';

/** A notice an owner is due, with the words it is sent in. */
export interface DueNotice extends NoticeKey {
  owner: string;
  subject: string;
  severity: NotificationSeverity;
  title: string;
  description: string;
}

const SOURCE_WORDS: Record<string, string> = {
  'gatehouse-managed': 'managed token',
  'gatehouse-static': 'static token',
  'gatehouse-jwks': 'JWT issuer',
};

const iso = (ms: number) => new Date(ms).toISOString();

/** What to do about it, by source: the page or the CLI for a managed token, config for the rest. */
function remedy(row: InventoryRow, what: 'rotate' | 'revoke'): string {
  if (row.source !== 'gatehouse-managed') {
    return what === 'rotate'
      ? `Replace it in ${row.definedAt} before then.`
      : `Remove it from ${row.definedAt} if nothing needs it.`;
  }
  return what === 'rotate'
    ? 'Rotate it before then, on the Service access page or with gatehouse tokens rotate.'
    : 'Revoke it if nothing needs it, on the Service access page or with gatehouse tokens revoke.';
}

/**
 * The notices owned credentials are due at `now` (the database's time),
 * before leaving out those already sent:
 *
 * - `expiring:<window>`: within a window before its expiry, the shortest
 *   window it is in, and only windows shorter than its lifetime (a token
 *   made for a week is not "expiring within 14 days" the day it is made);
 * - `expired`: expired within the longest window (an old expiry is not
 *   news), unless replaced by a rotation;
 * - `unused:<last use>`: nothing accepted for `unusedForMs`, counted from
 *   its last use, its creation or when Gatehouse first saw it; a credential
 *   used again and then left again is due again.
 *
 * Revoked, replaced and unowned credentials are due nothing.
 */
export function noticesDue(
  rows: InventoryRow[],
  settings: NoticeSettings,
  now: number,
  firstSeen: ReadonlyMap<string, number>,
): DueNotice[] {
  const due: DueNotice[] = [];
  const longestWindow = settings.expiringWithinMs[0] ?? 0;
  for (const row of rows) {
    const owner = row.owner;
    if (!owner || row.revokedAt !== undefined || row.replacedBy) continue;
    const what = `${SOURCE_WORDS[row.source] ?? row.source} '${row.subject}'${row.fingerprint ? ` (fingerprint ${row.fingerprint})` : ''}`;
    const notice = (
      kind: string,
      severity: NotificationSeverity,
      title: string,
      description: string,
    ) =>
      due.push({
        credentialId: row.id,
        kind,
        owner,
        subject: row.subject,
        severity,
        title,
        description: `The ${what}, owned by ${owner}, ${description}`,
      });

    if (row.expiresAt !== undefined) {
      const left = row.expiresAt - now;
      if (left <= 0) {
        if (settings.expired && -left <= Math.max(longestWindow, 1)) {
          notice(
            'expired',
            'high',
            `Credential ${row.subject} has expired`,
            `expired at ${iso(row.expiresAt)}: calls with it are refused. ${remedy(row, 'rotate').replace(' before then', '')}`,
          );
        }
      } else {
        const start = row.notBefore ?? row.createdAt;
        const lifetime = start === undefined ? Infinity : row.expiresAt - start;
        const window = [...settings.expiringWithinMs]
          .reverse()
          .find(w => left <= w && w < lifetime);
        if (window !== undefined) {
          notice(
            `expiring:${window}`,
            window === settings.expiringWithinMs.at(-1) ? 'high' : 'normal',
            `Credential ${row.subject} expires within ${durationText(window)}`,
            `expires at ${iso(row.expiresAt)}. ${remedy(row, 'rotate')}`,
          );
        }
      }
    }

    const unusedFor = settings.unusedForMs;
    if (
      unusedFor !== undefined &&
      row.usage &&
      (row.status === 'active' || row.status === 'expiring')
    ) {
      const lastUse = row.usage.lastUsedAt;
      const since = lastUse ?? row.createdAt ?? firstSeen.get(row.id);
      if (since !== undefined && now - since >= unusedFor) {
        notice(
          `unused:${lastUse ?? 'never'}`,
          'normal',
          `Credential ${row.subject} has not been used for ${durationText(unusedFor)}`,
          `${lastUse === undefined ? 'has never been used' : `was last used at ${iso(lastUse)}`}. ${remedy(row, 'revoke')}`,
        );
      }
    }
  }
  return due;
}
