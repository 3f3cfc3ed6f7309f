import type { CredentialStatus } from '@gatehouse/backstage-plugin-gatehouse-common';
import type { CredentialDefinition } from './credentialDefinition';
import type { StoredUsage, UsageStore } from './UsageStore';
import { mergeCell, UsageBatch, UsageCell } from './UsageLedger';

/** Usage as the inventory shows it, every replica's together. */
export interface UsageView {
  lastUsedAt?: number;
  /** The plugin of the last accepted request. */
  lastUsedBy?: string;
  uses24h: number;
  uses30d: number;
  lastRejection?: { reason: string; at: number };
}

/** A JWT subject seen on a gatehouse-jwks entry. */
export interface SubjectUsage extends UsageView {
  subject: string;
}

/** One row of the inventory, before it is written out. */
export interface InventoryRow extends CredentialDefinition {
  builtIn: boolean;
  status: CredentialStatus;
  /** Absent when not recorded (Backstage's built-in types). */
  usage?: UsageView;
  /** For JWT entries: the subjects seen, latest first, and how many more there were. */
  subjects?: SubjectUsage[];
  otherSubjects?: number;
}

/**
 * A credential's status at `now`. `expiring` means within `expiringWithinMs`
 * of its expiry and, when its start is known (`notBefore`, or `createdAt` for
 * a managed token), in the last quarter of its life: a token made for a week
 * is short-lived by design, not about to lapse, and must not raise an alert
 * (or a chip) from the moment it is made.
 */
export function statusOf(
  credential: Pick<
    CredentialDefinition,
    'revokedAt' | 'expiresAt' | 'notBefore' | 'createdAt' | 'compromised'
  >,
  now: number,
  expiringWithinMs: number,
): CredentialStatus {
  if (credential.compromised) return 'compromised';
  if (credential.revokedAt !== undefined) return 'revoked';
  if (credential.expiresAt !== undefined && credential.expiresAt <= now) {
    return 'expired';
  }
  if (credential.notBefore !== undefined && credential.notBefore > now) {
    return 'not-yet-valid';
  }
  if (credential.expiresAt !== undefined) {
    const start = credential.notBefore ?? credential.createdAt;
    const lastQuarter =
      start === undefined ? Infinity : (credential.expiresAt - start) / 4;
    if (credential.expiresAt - now <= Math.min(expiringWithinMs, lastQuarter)) {
      return 'expiring';
    }
  }
  return 'active';
}

/**
 * The database's numbers plus this replica's interval not yet flushed, so
 * that a request shows at once on the replica that served it.
 */
export function mergedUsage(
  stored: Map<string, StoredUsage>,
  pending: UsageBatch,
): Map<string, UsageView> {
  const views = new Map<string, UsageView>();
  for (const [id, s] of stored) {
    views.set(id, {
      lastUsedAt: s.lastUsedAt,
      lastUsedBy: s.lastPlugin,
      uses24h: s.uses24h,
      uses30d: s.uses30d,
      lastRejection:
        s.lastRejection && s.lastRejectionAt !== undefined
          ? { reason: s.lastRejection, at: s.lastRejectionAt }
          : undefined,
    });
  }
  for (const [id, cell] of pending) {
    const view = views.get(id) ?? { uses24h: 0, uses30d: 0 };
    const merged: UsageCell = {
      uses: 0,
      lastUsedAt: view.lastUsedAt ?? 0,
      lastPlugin: view.lastUsedBy ?? '',
      plugins: [],
      lastRejection: view.lastRejection?.reason ?? '',
      lastRejectionAt: view.lastRejection?.at ?? 0,
    };
    mergeCell(merged, cell);
    views.set(id, {
      lastUsedAt: merged.lastUsedAt || undefined,
      lastUsedBy: merged.lastUsedAt ? merged.lastPlugin : undefined,
      uses24h: view.uses24h + cell.uses,
      uses30d: view.uses30d + cell.uses,
      lastRejection: merged.lastRejectionAt
        ? { reason: merged.lastRejection, at: merged.lastRejectionAt }
        : undefined,
    });
  }
  return views;
}

/** The usage the inventory shows, and per JWT entry how many subjects it has. */
export interface InventoryUsage {
  usage: Map<string, UsageView>;
  subjectCounts: Map<string, number>;
}

/**
 * Reads what the inventory shows of `credentials` (not every stored row:
 * per JWT entry only the subjects it can show) and adds this replica's
 * interval not yet written. A subject of that interval counts as one more
 * for its entry when the database has no row for it yet.
 */
export async function inventoryUsage(options: {
  store: Pick<UsageStore, 'read'>;
  credentials: CredentialDefinition[];
  pending: UsageBatch;
  now: number;
  subjectsPerEntry: number;
  /** Read the usage of `credentials` alone, not every credential's (a page). */
  onlyThese?: boolean;
}): Promise<InventoryUsage> {
  const { pending } = options;
  const pendingSubjects = [...pending.keys()].filter(id => id.includes('#'));
  const stored = await options.store.read(options.now, {
    jwtEntries: options.credentials
      .filter(c => c.source === 'gatehouse-jwks')
      .map(c => c.id),
    subjectsPerEntry: options.subjectsPerEntry,
    subjectIds: pendingSubjects,
    credentialIds: options.onlyThese
      ? options.credentials.map(c => c.id)
      : undefined,
  });
  const subjectCounts = new Map(stored.subjects);
  for (const id of pendingSubjects) {
    const entryId = id.slice(0, id.indexOf('#'));
    const count = subjectCounts.get(entryId);
    if (count !== undefined && !stored.usage.has(id)) {
      subjectCounts.set(entryId, count + 1);
    }
  }
  return { usage: mergedUsage(stored.usage, pending), subjectCounts };
}

/**
 * Every credential with its status and usage. A JWT entry's subjects are
 * those with usage rows under `<entry id>#`, latest first, at most
 * `subjectsPerEntry` shown; `otherSubjects` is the rest of
 * `subjectCounts` (the entry's subjects in all, which `usage` may hold only
 * some of), or of those in `usage` without it.
 */
export function inventoryRows(options: {
  credentials: CredentialDefinition[];
  usage: Map<string, UsageView>;
  subjectCounts?: ReadonlyMap<string, number>;
  now: number;
  expiringWithinMs: number;
  subjectsPerEntry: number;
}): InventoryRow[] {
  const { usage, subjectCounts, now, expiringWithinMs, subjectsPerEntry } =
    options;
  const subjectsOf = new Map<string, SubjectUsage[]>();
  for (const [id, view] of usage) {
    const hash = id.indexOf('#');
    if (hash > 0) {
      const entryId = id.slice(0, hash);
      const list = subjectsOf.get(entryId) ?? [];
      list.push({ subject: id.slice(hash + 1), ...view });
      subjectsOf.set(entryId, list);
    }
  }
  return options.credentials.map(credential => {
    const row: InventoryRow = {
      ...credential,
      builtIn: credential.source === 'static' || credential.source === 'jwks',
      status: statusOf(credential, now, expiringWithinMs),
    };
    if (credential.usageRecorded) {
      row.usage = usage.get(credential.id) ?? { uses24h: 0, uses30d: 0 };
    }
    if (credential.source === 'gatehouse-jwks') {
      const seen = (subjectsOf.get(credential.id) ?? []).sort(
        (a, b) => (b.lastUsedAt ?? 0) - (a.lastUsedAt ?? 0),
      );
      row.subjects = seen.slice(0, subjectsPerEntry);
      const known = Math.max(
        subjectCounts?.get(credential.id) ?? 0,
        seen.length,
      );
      row.otherSubjects = known - row.subjects.length;
    }
    return row;
  });
}
