import type { Knex } from 'knex';
import type { StoredUsage } from '../inventory/UsageStore';

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const COUNTS = 'gatehouse_usage_counts';
const LAST = 'gatehouse_usage_last';

/**
 * The inventory's read as it was before it was scoped: every row of both
 * usage tables. The reference the scoped read must agree with (tests), and
 * the baseline it is measured against (bench).
 */
export async function readEveryUsageRow(
  db: Knex,
  now: number,
): Promise<Map<string, StoredUsage>> {
  const dayStart = Math.floor((now - DAY) / HOUR) * HOUR;
  const monthStart = Math.floor((now - 30 * DAY) / HOUR) * HOUR;
  const counted = await db(COUNTS)
    .select('credential_id')
    .sum({ uses30d: 'uses' })
    .sum({
      uses24h: db.raw('CASE WHEN hour >= ? THEN uses ELSE 0 END', [dayStart]),
    })
    .where('hour', '>=', monthStart)
    .groupBy('credential_id');
  const usage = new Map<string, StoredUsage>();
  for (const row of counted as Array<Record<string, string | number>>) {
    usage.set(String(row.credential_id), {
      uses24h: Number(row.uses24h ?? 0),
      uses30d: Number(row.uses30d ?? 0),
    });
  }
  const time = (value: unknown) => (value === null ? undefined : Number(value));
  for (const row of await db(LAST).select()) {
    const entry = usage.get(row.credential_id) ?? { uses24h: 0, uses30d: 0 };
    entry.lastUsedAt = time(row.last_used_at);
    entry.lastPlugin = row.last_plugin ?? undefined;
    entry.lastRejection = row.last_rejection ?? undefined;
    entry.lastRejectionAt = time(row.last_rejection_at);
    usage.set(row.credential_id, entry);
  }
  return usage;
}
