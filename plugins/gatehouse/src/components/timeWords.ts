// Times as the page says them (in the reader's locale, relative); the words
// it shares with the CLI come from the -common package.
import { NEVER } from '@gatehouse/backstage-plugin-gatehouse-common';
import type { Credential } from '../api/types';

/** A point in time in full, in the reader's locale; "never" without one. */
export function fullTime(iso?: string): string {
  return iso ? new Date(iso).toLocaleString() : NEVER;
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/**
 * A point in time relative to `now`: "3 hours ago", "in 12 days",
 * "1 year ago", "just now"; "never" without one. The full time goes in a
 * title beside it ({@link fullTime}).
 */
export function relativeTime(iso: string | undefined, now: number): string {
  if (!iso) return NEVER;
  const ms = Date.parse(iso) - now;
  if (Number.isNaN(ms)) return iso;
  const unit = UNITS.find(([, size]) => Math.abs(ms) >= size);
  if (!unit) return ms < 0 ? 'just now' : 'in a minute';
  return relative.format(Math.round(ms / unit[1]), unit[0]);
}

/** The last use in a sentence (the details dialog): "11/28/2026, 9:41:00 AM (catalog)". */
export function lastUsedText(credential: Credential): string {
  if (!credential.usage) return 'not recorded';
  const { lastUsedAt, lastUsedBy } = credential.usage;
  if (!lastUsedAt) return NEVER;
  return `${fullTime(lastUsedAt)}${lastUsedBy ? ` (${lastUsedBy})` : ''}`;
}
