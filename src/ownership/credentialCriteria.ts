import type { PermissionCriteria } from '@backstage/plugin-permission-common';
import type {
  GatehouseCredentialFilter,
  GatehouseCredentialResource,
} from './credentialResource';
import { isOwnedBy } from './ownerRef';

/** A policy's conditions on credentials, as the rules' `toQuery` give them. */
export type CredentialCriteria = PermissionCriteria<GatehouseCredentialFilter>;

const isFilter = (value: unknown): value is GatehouseCredentialFilter => {
  const filter = value as GatehouseCredentialFilter;
  return (
    typeof filter === 'object' &&
    filter !== null &&
    (filter.property === 'owner' || filter.property === 'source') &&
    Array.isArray(filter.values) &&
    filter.values.every(v => typeof v === 'string')
  );
};

/**
 * Whether every leaf is a filter Gatehouse knows. A rule of another module
 * may give anything from `toQuery`; inside a `not`, a leaf read as "false"
 * would allow, so the whole decision must be refused instead.
 */
export function isWellFormed(criteria: unknown, depth = 0): boolean {
  if (depth > 32 || typeof criteria !== 'object' || criteria === null) {
    return false;
  }
  const c = criteria as Record<string, unknown>;
  if (Array.isArray(c.allOf))
    return c.allOf.every(x => isWellFormed(x, depth + 1));
  if (Array.isArray(c.anyOf))
    return c.anyOf.every(x => isWellFormed(x, depth + 1));
  if ('not' in c) return isWellFormed(c.not, depth + 1);
  return isFilter(criteria);
}

/** Whether `credential` meets well-formed `criteria`. */
export function meetsCriteria(
  criteria: CredentialCriteria,
  credential: GatehouseCredentialResource,
): boolean {
  if ('allOf' in criteria) {
    return criteria.allOf.every(c => meetsCriteria(c, credential));
  }
  if ('anyOf' in criteria) {
    return criteria.anyOf.some(c => meetsCriteria(c, credential));
  }
  if ('not' in criteria) return !meetsCriteria(criteria.not, credential);
  return criteria.property === 'owner'
    ? isOwnedBy(credential.owner, criteria.values)
    : criteria.values.includes(credential.source);
}

/**
 * The criteria for credentials of one source: conditions on the source are
 * decided, so that what remains is about owners alone (what the managed
 * tokens' table can answer).
 */
export function criteriaForSource(
  criteria: CredentialCriteria,
  source: GatehouseCredentialResource['source'],
): CredentialCriteria | boolean {
  if ('allOf' in criteria || 'anyOf' in criteria) {
    const all = 'allOf' in criteria;
    const parts = (all ? criteria.allOf : criteria.anyOf).map(c =>
      criteriaForSource(c, source),
    );
    // allOf: one false decides, trues drop out; anyOf the other way round.
    if (parts.includes(!all)) return !all;
    const rest = parts.filter((p): p is CredentialCriteria => p !== all);
    if (!rest.length) return all;
    const [first, ...others] = rest;
    return all ? { allOf: [first, ...others] } : { anyOf: [first, ...others] };
  }
  if ('not' in criteria) {
    const inner = criteriaForSource(criteria.not, source);
    return typeof inner === 'boolean' ? !inner : { not: inner };
  }
  return criteria.property === 'source'
    ? criteria.values.includes(source)
    : criteria;
}
