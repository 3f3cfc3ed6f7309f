import type { AccessRestriction, Credential } from '../api/types';

/**
 * Each restriction in words, one per plugin: "catalog: read",
 * "catalog: catalog.entity.* (create)", "search: everything"; none (null)
 * is ["every plugin"].
 */
export function restrictionLines(
  restrictions: AccessRestriction[] | null | undefined,
): string[] {
  if (!restrictions) return ['every plugin'];
  return restrictions.map(r => {
    const actions = r.permissionAttribute?.action?.join(', ');
    const what = r.permission?.length
      ? `${r.permission.join(', ')}${actions ? ` (${actions})` : ''}`
      : (actions ?? '');
    return what ? `${r.plugin}: ${what}` : `${r.plugin}: everything`;
  });
}

/** The restrictions on one line: "catalog: read; search: everything", or "every plugin". */
export function restrictionsText(
  restrictions: AccessRestriction[] | null | undefined,
): string {
  return restrictionLines(restrictions).join('; ');
}

const SOURCE_WORDS: Record<Credential['source'], string> = {
  'gatehouse-static': 'static token',
  'gatehouse-jwks': 'JWT issuer',
  'gatehouse-managed': 'managed token',
  static: 'built-in static token',
  jwks: 'built-in JWT issuer',
};

export function sourceText(source: Credential['source']): string {
  return SOURCE_WORDS[source] ?? source;
}

const STATUS_WORDS: Record<Credential['status'], string> = {
  active: 'active',
  expiring: 'expiring',
  expired: 'expired',
  'not-yet-valid': 'not yet valid',
  revoked: 'revoked',
};

/** A status in words: "not yet valid" rather than the API's `not-yet-valid`. */
export function statusText(status: Credential['status']): string {
  return STATUS_WORDS[status] ?? status;
}

/** A point in time in full, in the reader's locale; "never" without one. */
export function fullTime(iso?: string): string {
  return iso ? new Date(iso).toLocaleString() : 'never';
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
  if (!iso) return 'never';
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
  if (!lastUsedAt) return 'never';
  return `${fullTime(lastUsedAt)}${lastUsedBy ? ` (${lastUsedBy})` : ''}`;
}

/**
 * An owner's entity ref as people say it: the name of a group in the default
 * namespace ("payments"), otherwise the ref without what goes without saying
 * ("user:jane", "group:finance/payments").
 */
export function ownerText(ref: string): string {
  const match = /^(group|user):([^/]+)\/(.+)$/.exec(ref);
  if (!match) return ref;
  const [, kind, namespace, name] = match;
  if (namespace === 'default') return kind === 'group' ? name : `user:${name}`;
  return `${kind}:${namespace}/${name}`;
}
