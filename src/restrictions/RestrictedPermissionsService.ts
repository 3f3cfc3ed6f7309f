import type {
  AuditorService,
  AuthService,
  BackstageCredentials,
  BackstageServicePrincipal,
  LoggerService,
  PermissionsService,
  PermissionsServiceRequestOptions,
} from '@backstage/backend-plugin-api';
import type { MetricsServiceCounter } from '@backstage/backend-plugin-api/alpha';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  Permission,
} from '@backstage/plugin-permission-common';
import {
  checkAccessRestrictions,
  RestrictionFailure,
} from './accessRestrictionCheck';

/** @internal */
export interface RestrictedPermissionsServiceOptions {
  /** Backstage's default client, which decides for users and `none`. */
  inner: PermissionsService;
  auth: AuthService;
  auditor: AuditorService;
  logger: LoggerService;
  denials: MetricsServiceCounter;
  pluginId: string;
}

type Decision = { result: AuthorizeResult.ALLOW | AuthorizeResult.DENY };

const DENY: Decision = { result: AuthorizeResult.DENY };

/**
 * A permission as Backstage defines one. Plugins build them with
 * createPermission, but a check is only as good as its input: anything else
 * (null, a name that is not a string) is denied rather than thrown on.
 */
function isPermission(value: unknown): value is Permission {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const { type, name, attributes } = value as Record<string, unknown>;
  return (
    (type === 'basic' || type === 'resource') &&
    typeof name === 'string' &&
    (attributes === undefined ||
      (typeof attributes === 'object' &&
        attributes !== null &&
        ['string', 'undefined'].includes(
          typeof (attributes as { action?: unknown }).action,
        )))
  );
}

/** The permission of a request or query, or undefined if it is malformed. */
function permissionOf(query: unknown): Permission | undefined {
  const permission =
    typeof query === 'object' && query !== null
      ? (query as { permission?: unknown }).permission
      : undefined;
  return isPermission(permission) ? permission : undefined;
}

/**
 * `coreServices.permissions` with Gatehouse's rules for service principals.
 *
 * Backstage's permission policy never sees service principals: the default
 * client decides them locally from their `accessRestrictions`. This wrapper
 * does the same, adding `*` wildcards to permission names, and audits and
 * counts every denial. Users and `none` principals go to the wrapped client
 * unchanged, so the permission policy still decides for them.
 *
 * Decisions for service principals are always definitive, for
 * `authorizeConditional` too: a conditional answer would be one the caller's
 * restrictions could not vouch for. An error while deciding is a denial.
 */
export class RestrictedPermissionsService implements PermissionsService {
  readonly #inner: PermissionsService;
  readonly #auth: AuthService;
  readonly #auditor: AuditorService;
  readonly #logger: LoggerService;
  readonly #denials: MetricsServiceCounter;
  readonly #pluginId: string;

  static create(
    options: RestrictedPermissionsServiceOptions,
  ): RestrictedPermissionsService {
    return new RestrictedPermissionsService(options);
  }

  private constructor(options: RestrictedPermissionsServiceOptions) {
    this.#inner = options.inner;
    this.#auth = options.auth;
    this.#auditor = options.auditor;
    this.#logger = options.logger;
    this.#denials = options.denials;
    this.#pluginId = options.pluginId;
  }

  async authorize(
    requests: Parameters<PermissionsService['authorize']>[0],
    options: PermissionsServiceRequestOptions,
  ) {
    return this.#answer(requests, options, valid =>
      this.#inner.authorize(valid, options),
    );
  }

  async authorizeConditional(
    queries: Parameters<PermissionsService['authorizeConditional']>[0],
    options: PermissionsServiceRequestOptions,
  ) {
    return this.#answer(queries, options, valid =>
      this.#inner.authorizeConditional(valid, options),
    );
  }

  /**
   * Service principals are decided here; the rest go to the wrapped client,
   * but for malformed permissions, which are denied whoever asks.
   */
  async #answer<Q, D>(
    queries: Q[],
    options: PermissionsServiceRequestOptions,
    inner: (valid: Q[]) => Promise<D[]>,
  ): Promise<Array<D | Decision>> {
    if (!Array.isArray(queries)) {
      throw new InputError('A permission check needs a list of permissions');
    }
    const permissions = queries.map(permissionOf);
    const service = this.#servicePrincipal(options);
    if (service) {
      return this.#decide(permissions, service);
    }
    if (permissions.every(Boolean)) {
      return inner(queries);
    }
    this.#logger.warn(
      `gatehouse: plugin '${this.#pluginId}' checked a malformed permission; it is denied`,
    );
    const answers = await inner(queries.filter((_q, i) => permissions[i]));
    let next = 0;
    return permissions.map(permission => (permission ? answers[next++] : DENY));
  }

  #servicePrincipal(
    options: PermissionsServiceRequestOptions | undefined,
  ): BackstageCredentials<BackstageServicePrincipal> | undefined {
    const credentials = options?.credentials;
    return credentials && this.#auth.isPrincipal(credentials, 'service')
      ? credentials
      : undefined;
  }

  async #decide(
    permissions: Array<Permission | undefined>,
    credentials: BackstageCredentials<BackstageServicePrincipal>,
  ): Promise<Decision[]> {
    const restrictions = credentials.principal.accessRestrictions;
    const decisions: Decision[] = [];
    for (const permission of permissions) {
      let failure: RestrictionFailure | 'error' | 'malformed' | undefined;
      try {
        failure = permission
          ? checkAccessRestrictions(restrictions, permission)
          : 'malformed';
      } catch (error) {
        this.#logger.error(
          `gatehouse: access restriction check failed, denying: ${error}`,
        );
        failure = 'error';
      }
      if (failure) {
        decisions.push({ result: AuthorizeResult.DENY });
        await this.#recordDenial(credentials, permission, failure);
      } else {
        decisions.push({ result: AuthorizeResult.ALLOW });
      }
    }
    return decisions;
  }

  async #recordDenial(
    credentials: BackstageCredentials<BackstageServicePrincipal>,
    permission: Permission | undefined,
    failure: RestrictionFailure | 'error' | 'malformed',
  ) {
    const restriction =
      typeof failure === 'string' ? failure : failure.restriction;
    const action = permission?.attributes?.action;
    const why =
      failure === 'error'
        ? 'the restriction check failed'
        : failure === 'malformed' || !permission
          ? 'the permission checked is malformed'
          : failure.restriction === 'permission'
            ? `permission '${permission.name}' is not in the token's permissions [${failure.allowed.join(', ')}]`
            : `action '${action ?? '(none)'}' of permission '${permission.name}' is not in the token's actions [${failure.allowed.join(', ')}]`;
    this.#denials.add(1, { plugin: this.#pluginId, restriction });
    try {
      // The auditor takes its actor from a request, which a permission check
      // does not have, so the caller's subject is in the metadata.
      const event = await this.#auditor.createEvent({
        eventId: 'access-restriction-denial',
        severityLevel: 'medium',
        meta: {
          subject: credentials.principal.subject,
          plugin: this.#pluginId,
          permission: permission?.name ?? '(malformed)',
          ...(action ? { action } : {}),
          restriction,
        },
      });
      await event.fail({
        error: new NotAllowedError(
          `Access restrictions of '${credentials.principal.subject}' deny it: ${why}`,
        ),
      });
    } catch (error) {
      this.#logger.error(`gatehouse: failed to audit a denial: ${error}`);
    }
  }
}
