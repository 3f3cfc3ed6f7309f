import type { BackstagePrincipalAccessRestrictions } from '@backstage/backend-plugin-api';
import type { Permission } from '@backstage/plugin-permission-common';
import { compileGlob } from '../lib/glob';

/** Which part of an entry's `accessRestrictions` a permission failed. */
export type RestrictionFailure =
  | { restriction: 'permission'; allowed: readonly string[] }
  | { restriction: 'action'; allowed: readonly string[]; action?: string };

type NameMatcher = (name: string) => boolean;

// Backstage reads each entry's restrictions once and hands the same arrays to
// every request's credentials, so matchers compiled per array are compiled once.
const matchers = new WeakMap<readonly string[], NameMatcher>();

function matcherFor(names: readonly string[]): NameMatcher {
  let matcher = matchers.get(names);
  if (!matcher) {
    const globs = names.map(compileGlob);
    matcher = name => globs.some(glob => glob(name));
    matchers.set(names, matcher);
  }
  return matcher;
}

/**
 * Backstage's rule for a restricted service principal (both parts must pass;
 * no restrictions: allowed), with `*` wildcards in permission names:
 * `catalog.entity.*` or `catalog.*`. A permission without an action attribute
 * fails an action restriction, as in Backstage.
 *
 * @returns undefined if allowed, else what failed
 */
export function checkAccessRestrictions(
  restrictions: BackstagePrincipalAccessRestrictions | undefined,
  permission: Permission,
): RestrictionFailure | undefined {
  const { permissionNames, permissionAttributes } = restrictions ?? {};
  if (permissionNames && !matcherFor(permissionNames)(permission.name)) {
    return { restriction: 'permission', allowed: permissionNames };
  }
  const allowedActions = permissionAttributes?.action;
  if (allowedActions) {
    const action = permission.attributes?.action;
    if (!action || !allowedActions.includes(action)) {
      return { restriction: 'action', allowed: allowedActions, action };
    }
  }
  return undefined;
}
