import type { PermissionsService } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  BasicPermission,
  Permission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import type { Caller } from './caller';
import { managedTokenUnrestrictedPermission } from './managedTokenPermissions';
import type { ManagedAccessRestriction } from './ManagedTokenStore';
import type { PluginPermissions } from './registeredPermissions';
import { scopeNotWithin } from './scopeWithin';

export interface GrantCheckDeps {
  permissions: PermissionsService;
  registeredPermissions: () => Promise<PluginPermissions[]>;
}

/**
 * Whether the caller's authority is not checked against a token's scope:
 * an unrestricted service (which may do everything anyway), or a user the
 * policy gives `gatehouse.token.unrestricted`.
 */
export function mayGiveAnyScope(
  caller: Caller,
  deps: GrantCheckDeps,
): Promise<boolean> {
  if (caller.type === 'service') {
    return Promise.resolve(!caller.restricted);
  }
  // Asked once per request (a caller is one request's), however many
  // checks need it.
  let answer = anyScopeOfUser.get(caller);
  if (!answer) {
    answer = deps.permissions
      .authorize([{ permission: managedTokenUnrestrictedPermission }], {
        credentials: caller.credentials,
      })
      .then(([decision]) => decision.result === AuthorizeResult.ALLOW);
    anyScopeOfUser.set(caller, answer);
  }
  return answer;
}

const anyScopeOfUser = new WeakMap<Caller, Promise<boolean>>();

/**
 * Why `caller` may not hand out a token of `scope` (create it, rotate it,
 * or revoke it), or undefined if it may. A managed token is a service
 * principal, which Backstage never puts through the permission policy: so
 * what it may do is checked here, once, against its maker's authority.
 *
 * - A restricted service: the scope must be within its own restrictions.
 * - A user without `gatehouse.token.unrestricted`: every grant must be
 *   named (no unrestricted token, no whole plugin, no wildcard, which
 *   would cover permissions the user was never asked about, including
 *   ones a plugin adds later), be a permission a plugin of this backend
 *   registered, and be one the policy allows the user unconditionally (a
 *   conditional decision holds for some resources only; a token's
 *   restrictions cannot carry conditions).
 */
export async function whyScopeNotAllowed(
  caller: Caller,
  scope: ManagedAccessRestriction[] | undefined,
  deps: GrantCheckDeps,
): Promise<string | undefined> {
  if (caller.type === 'service') {
    if (!caller.restricted) return undefined;
    return caller.restrictions
      ? scopeNotWithin(scope, caller.restrictions)
      : "its access restrictions cannot be read from this Backstage version's credentials";
  }
  if (await mayGiveAnyScope(caller, deps)) return undefined;
  return whyUserDoesNotHold(caller, scope, deps);
}

async function whyUserDoesNotHold(
  caller: Caller,
  scope: ManagedAccessRestriction[] | undefined,
  deps: GrantCheckDeps,
): Promise<string | undefined> {
  const needs = `needs ${managedTokenUnrestrictedPermission.name}`;
  if (!scope) {
    return `a token without access restrictions ${needs}; name the permissions it may use`;
  }
  const names = new Set<string>();
  for (const { plugin, permission } of scope) {
    if (!permission) {
      return `a token for the whole of plugin '${plugin}' ${needs}; name the permissions it may use there`;
    }
    const pattern = permission.find(p => p.includes('*'));
    if (pattern) {
      return `the pattern '${pattern}' on plugin '${plugin}' ${needs}; name each permission`;
    }
    permission.forEach(p => names.add(p));
  }

  const registered = new Map<string, Permission>();
  for (const plugin of await deps.registeredPermissions()) {
    for (const p of plugin.permissions) {
      if (!registered.has(p.name)) registered.set(p.name, p);
    }
  }
  const basic: BasicPermission[] = [];
  const resource: ResourcePermission[] = [];
  for (const name of names) {
    const permission = registered.get(name);
    if (!permission) {
      return `'${name}' is not a permission any plugin of this backend registered, so Gatehouse cannot check that '${caller.name}' holds it`;
    }
    if (permission.type === 'resource') resource.push(permission);
    else basic.push(permission);
  }

  const { credentials } = caller;
  // Asked in a batch of each kind; never an empty batch.
  const decisions = [
    ...(basic.length
      ? await deps.permissions.authorize(
          basic.map(permission => ({ permission })),
          { credentials },
        )
      : []),
    ...(resource.length
      ? await deps.permissions.authorizeConditional(
          resource.map(permission => ({ permission })),
          { credentials },
        )
      : []),
  ];
  const asked = [...basic, ...resource];
  for (const [i, decision] of decisions.entries()) {
    if (decision.result === AuthorizeResult.CONDITIONAL) {
      return `'${caller.name}' holds '${asked[i].name}' only under conditions (for some resources), which a token cannot carry`;
    }
    if (decision.result !== AuthorizeResult.ALLOW) {
      return `'${caller.name}' does not hold '${asked[i].name}'`;
    }
  }
  return undefined;
}
