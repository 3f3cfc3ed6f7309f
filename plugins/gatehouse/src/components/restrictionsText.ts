import type { AccessRestriction, Credential } from '../api/types';

/** "catalog: read", "catalog: catalog.entity.* (create)", "search: everything", or "every plugin". */
export function restrictionsText(
  restrictions: AccessRestriction[] | null | undefined,
): string {
  if (!restrictions) return 'every plugin';
  return restrictions
    .map(r => {
      const actions = r.permissionAttribute?.action?.join(', ');
      const what = r.permission?.length
        ? `${r.permission.join(', ')}${actions ? ` (${actions})` : ''}`
        : (actions ?? '');
      return what ? `${r.plugin}: ${what}` : `${r.plugin}: everything`;
    })
    .join('; ');
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

/** A date for a table cell: the day, in the reader's locale, or a dash. */
export function dayText(iso?: string): string {
  return iso ? new Date(iso).toLocaleDateString() : '—';
}

export function lastUsedText(credential: Credential): string {
  if (!credential.usage) return 'not recorded';
  const { lastUsedAt, lastUsedBy } = credential.usage;
  if (!lastUsedAt) return 'never';
  return `${new Date(lastUsedAt).toLocaleString()}${lastUsedBy ? ` (${lastUsedBy})` : ''}`;
}
