import type {
  BackstageCredentials,
  BackstagePrincipalAccessRestrictions,
} from '@backstage/backend-plugin-api';
import { compileGlob } from '../lib/glob';
import type { ManagedAccessRestriction } from './ManagedTokenStore';

/** Whether every permission name `requested` matches is one `granted` matches. */
function patternWithin(requested: string, granted: string): boolean {
  if (!requested.includes('*')) {
    return compileGlob(granted)(requested);
  }
  if (requested === granted) {
    return true;
  }
  // A wildcard within a wildcard, decided conservatively: `granted` must be
  // a prefix followed by a single trailing `*` that `requested` starts with.
  const star = granted.indexOf('*');
  return (
    star === granted.length - 1 && requested.startsWith(granted.slice(0, -1))
  );
}

/**
 * Why a restricted service may not give a new token `requested`, or
 * undefined if it may: every plugin must be one the service may call, with
 * permissions and actions within the service's own there. A service that
 * is not restricted may give any scope.
 */
export function scopeNotWithin(
  requested: ManagedAccessRestriction[] | undefined,
  own: ReadonlyMap<string, BackstagePrincipalAccessRestrictions>,
): string | undefined {
  if (!requested) {
    return 'a restricted service may only create tokens with access restrictions within its own';
  }
  for (const { plugin, permission, permissionAttribute } of requested) {
    const granted = own.get(plugin);
    if (!granted) {
      return `plugin '${plugin}' is not in its own access restrictions`;
    }
    const names = granted.permissionNames;
    if (names) {
      if (!permission) {
        return `on plugin '${plugin}' it may only give permissions within [${names.join(', ')}]`;
      }
      const outside = permission.find(
        p => !names.some(g => patternWithin(p, g)),
      );
      if (outside) {
        return `permission '${outside}' on plugin '${plugin}' is not within its own [${names.join(', ')}]`;
      }
    }
    const actions = granted.permissionAttributes?.action;
    if (actions) {
      const wanted = permissionAttribute?.action;
      if (!wanted) {
        return `on plugin '${plugin}' it may only give actions within [${actions.join(', ')}]`;
      }
      const outside = wanted.find(a => !actions.includes(a));
      if (outside) {
        return `action '${outside}' on plugin '${plugin}' is not within its own [${actions.join(', ')}]`;
      }
    }
  }
  return undefined;
}

/**
 * A service principal's restrictions on every plugin, which Backstage keeps
 * on its credentials (not on the principal, which has only this plugin's).
 * An internal of backend-defaults, pinned by a contract test: if it is
 * missing from restricted credentials, undefined, and the caller refuses.
 */
export function allAccessRestrictionsOf(
  credentials: BackstageCredentials,
): Map<string, BackstagePrincipalAccessRestrictions> | undefined {
  const all = (credentials as { allAccessRestrictions?: unknown })
    .allAccessRestrictions;
  return all instanceof Map ? all : undefined;
}
