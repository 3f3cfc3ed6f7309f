import type {
  AccessRestriction,
  CredentialSource,
  CredentialStatus,
} from './types';

/*
 * The words the page, the CLI, the CSV export and the docs use for the same
 * things, defined once (issue 25: "catalog (read)", "catalog: read" and
 * "catalog(read)" were one restriction; "every plugin" and "all plugins" one
 * absence of restrictions).
 */

/**
 * A credential without access restrictions.
 *
 * @public
 */
export const EVERY_PLUGIN = 'every plugin';

/**
 * A time that never comes (no expiry) or never came (no use).
 *
 * @public
 */
export const NEVER = 'never';

/**
 * A credential nobody looks after.
 *
 * @public
 */
export const NO_OWNER = 'no owner';

const WHOLE_PLUGIN = 'everything';
const ACTIONS = ['create', 'read', 'update', 'delete'];

/**
 * One restriction as a line, in the syntax the new-token form takes (so a
 * line can be copied from the table into the form): `catalog: everything`,
 * `catalog (read)`, `catalog: catalog.entity.read, catalog.location.*`,
 * `scaffolder: scaffolder.task.* (create, read)`.
 *
 * @public
 */
export function restrictionLine(restriction: AccessRestriction): string {
  const permissions = restriction.permission?.length
    ? restriction.permission.join(', ')
    : undefined;
  const actions = restriction.permissionAttribute?.action?.length
    ? ` (${restriction.permissionAttribute.action.join(', ')})`
    : '';
  if (permissions) return `${restriction.plugin}: ${permissions}${actions}`;
  return actions
    ? `${restriction.plugin}${actions}`
    : `${restriction.plugin}: ${WHOLE_PLUGIN}`;
}

/**
 * Each restriction as a line ({@link restrictionLine}); none (null or
 * undefined) is [{@link EVERY_PLUGIN}].
 *
 * @public
 */
export function restrictionLines(
  restrictions: AccessRestriction[] | null | undefined,
): string[] {
  return restrictions ? restrictions.map(restrictionLine) : [EVERY_PLUGIN];
}

/**
 * The restrictions on one line: `catalog (read); search: everything`, or
 * `every plugin`.
 *
 * @public
 */
export function restrictionsText(
  restrictions: AccessRestriction[] | null | undefined,
): string {
  return restrictionLines(restrictions).join('; ');
}

/**
 * One line of {@link restrictionLine}'s syntax as a restriction. A plugin
 * alone (`catalog`) or `catalog: everything` is the whole plugin; actions
 * other than create, read, update and delete are dropped. Linear in the
 * line's length (it may be anything a user pasted).
 *
 * @public
 */
export function parseRestrictionLine(line: string): AccessRestriction {
  let rest = line.trim();
  let action: string[] | undefined;
  // A closing parenthesis at the end, and the last opening one.
  const open = rest.lastIndexOf('(');
  if (rest.endsWith(')') && open >= 0) {
    action = rest
      .slice(open + 1, -1)
      .split(/[\s,]+/)
      .map(a => a.toLowerCase())
      .filter(a => ACTIONS.includes(a));
    rest = rest.slice(0, open).trim();
  }
  const colon = rest.indexOf(':');
  const plugin = (colon < 0 ? rest : rest.slice(0, colon)).trim();
  let permission =
    colon < 0
      ? []
      : rest
          .slice(colon + 1)
          .split(/[\s,]+/)
          .filter(Boolean);
  if (permission.length === 1 && permission[0] === WHOLE_PLUGIN) {
    permission = [];
  }
  return {
    plugin,
    ...(permission.length ? { permission } : {}),
    ...(action?.length ? { permissionAttribute: { action } } : {}),
  };
}

const SOURCE_WORDS: Record<CredentialSource, string> = {
  'gatehouse-static': 'static token',
  'gatehouse-jwks': 'JWT issuer',
  'gatehouse-managed': 'managed token',
  static: 'built-in static token',
  jwks: 'built-in JWT issuer',
};

/**
 * A source in words: `static token` for `gatehouse-static` (the type's name
 * stays in the API, CSV and config).
 *
 * @public
 */
export function sourceText(source: CredentialSource): string {
  return SOURCE_WORDS[source] ?? source;
}

const STATUS_WORDS: Record<CredentialStatus, string> = {
  active: 'active',
  expiring: 'expiring',
  expired: 'expired',
  'not-yet-valid': 'not yet valid',
  revoked: 'revoked',
  compromised: 'compromised',
};

/**
 * A status in words: `not yet valid` rather than the API's `not-yet-valid`.
 *
 * @public
 */
export function statusText(status: CredentialStatus): string {
  return STATUS_WORDS[status] ?? status;
}

/**
 * An owner's entity ref as people say it: the name of a group in the default
 * namespace (`payments`), otherwise the ref without what goes without saying
 * (`user:jane`, `group:finance/payments`); {@link NO_OWNER} without one.
 *
 * @public
 */
export function ownerText(ref: string | null | undefined): string {
  if (!ref) return NO_OWNER;
  const match = /^(group|user):([^/]+)\/(.+)$/.exec(ref);
  if (!match) return ref;
  const [, kind, namespace, name] = match;
  if (namespace === 'default') return kind === 'group' ? name : `user:${name}`;
  return `${kind}:${namespace}/${name}`;
}

const DURATION_UNITS: Array<[ms: number, name: string]> = [
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1000, 'second'],
];

/**
 * A duration in words, in the largest unit that says it exactly (`30 days`,
 * `12 hours`, `90 minutes`); below a second, `less than a second`. For
 * messages and the form: "at most 12 hours", not "at most 0 days".
 *
 * @public
 */
export function durationText(ms: number): string {
  for (const [unit, name] of DURATION_UNITS) {
    if (ms >= unit && ms % unit === 0) {
      const n = ms / unit;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return ms >= 1000 ? `${Math.round(ms / 1000)} seconds` : 'less than a second';
}
