import type {
  AuthService,
  BackstageCredentials,
  BackstageNonePrincipal,
  BackstagePrincipalTypes,
  BackstageServicePrincipal,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';

/** A principal's restrictions, as Backstage's auth service records them. */
interface Restrictions {
  permissionNames?: string[];
  permissionAttributes?: Record<string, unknown>;
}

/**
 * Backstage's internal credentials: for an external service caller, 0.17.8 and
 * later keep the token's restrictions for every plugin in a non-enumerable
 * `allAccessRestrictions`; 0.16 and 0.17.0-0.17.7 keep only the current
 * plugin's, on the principal.
 */
type InternalCredentials = BackstageCredentials & {
  allAccessRestrictions?: unknown;
};

/**
 * Why a plugin may not call `targetPluginId` on behalf of `onBehalfOf`, or
 * undefined if it may. The rule is Backstage's own since backend-defaults
 * 0.17.8: a restricted service caller is delegated only to a plugin its token
 * may reach without permission limits. Where Backstage does not say which
 * plugins the token may reach (earlier lines), a restricted caller is never
 * delegated: before 0.17.8 the target would see the calling plugin's own,
 * unrestricted token.
 */
export function delegationRefusal(
  onBehalfOf: BackstageCredentials,
  targetPluginId: string,
): string | undefined {
  const principal = onBehalfOf.principal as {
    type?: string;
    accessRestrictions?: unknown;
  };
  if (principal?.type !== 'service' || !principal.accessRestrictions) {
    return undefined;
  }
  const all = (onBehalfOf as InternalCredentials).allAccessRestrictions;
  if (!(all instanceof Map)) {
    return `Access to target plugin '${targetPluginId}' cannot be delegated: the caller's token is restricted, and this Backstage version does not say which plugins it may reach`;
  }
  const target = all.get(targetPluginId) as Restrictions | undefined;
  if (!target) {
    return `Access to target plugin '${targetPluginId}' is not included in token's access restrictions`;
  }
  if (target.permissionNames?.length || target.permissionAttributes) {
    return `Access to target plugin '${targetPluginId}' is restricted and cannot be delegated`;
  }
  return undefined;
}

/**
 * Backstage's auth service for one plugin, refusing to issue a plugin request
 * token on behalf of a restricted service caller (see {@link
 * delegationRefusal}) on every release line, whatever that line's own auth
 * service does. Every other call goes to Backstage's unchanged. Each method
 * is written out, so that a method a later Backstage adds is missing here
 * (and fails) rather than passed through unchecked.
 */
export class DelegationGuardedAuthService implements AuthService {
  readonly #inner: AuthService;

  constructor(inner: AuthService) {
    this.#inner = inner;
  }

  authenticate(
    token: string,
    options?: { allowLimitedAccess?: boolean },
  ): Promise<BackstageCredentials> {
    return this.#inner.authenticate(token, options);
  }

  isPrincipal<TType extends keyof BackstagePrincipalTypes>(
    credentials: BackstageCredentials,
    type: TType,
  ): credentials is BackstageCredentials<BackstagePrincipalTypes[TType]> {
    return this.#inner.isPrincipal(credentials, type);
  }

  getNoneCredentials(): Promise<BackstageCredentials<BackstageNonePrincipal>> {
    return this.#inner.getNoneCredentials();
  }

  getOwnServiceCredentials(): Promise<
    BackstageCredentials<BackstageServicePrincipal>
  > {
    return this.#inner.getOwnServiceCredentials();
  }

  async getPluginRequestToken(options: {
    onBehalfOf: BackstageCredentials;
    targetPluginId: string;
  }): Promise<{ token: string }> {
    const refusal = delegationRefusal(
      options.onBehalfOf,
      options.targetPluginId,
    );
    if (refusal) {
      throw new NotAllowedError(refusal);
    }
    return this.#inner.getPluginRequestToken(options);
  }

  getLimitedUserToken(
    credentials: Parameters<AuthService['getLimitedUserToken']>[0],
  ): ReturnType<AuthService['getLimitedUserToken']> {
    return this.#inner.getLimitedUserToken(credentials);
  }

  listPublicServiceKeys(): ReturnType<AuthService['listPublicServiceKeys']> {
    return this.#inner.listPublicServiceKeys();
  }
}
