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
import { NotAllowedError } from '@backstage/errors';
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
    const service = this.#servicePrincipal(options);
    if (!service) {
      return this.#inner.authorize(requests, options);
    }
    return this.#decide(
      requests.map(r => r.permission),
      service,
    );
  }

  async authorizeConditional(
    queries: Parameters<PermissionsService['authorizeConditional']>[0],
    options: PermissionsServiceRequestOptions,
  ) {
    const service = this.#servicePrincipal(options);
    if (!service) {
      return this.#inner.authorizeConditional(queries, options);
    }
    return this.#decide(
      queries.map(q => q.permission),
      service,
    );
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
    permissions: Permission[],
    credentials: BackstageCredentials<BackstageServicePrincipal>,
  ): Promise<Decision[]> {
    const restrictions = credentials.principal.accessRestrictions;
    if (!restrictions) {
      return permissions.map(() => ({ result: AuthorizeResult.ALLOW }));
    }
    const decisions: Decision[] = [];
    for (const permission of permissions) {
      let failure: RestrictionFailure | 'error' | undefined;
      try {
        failure = checkAccessRestrictions(restrictions, permission);
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
    permission: Permission,
    failure: RestrictionFailure | 'error',
  ) {
    const restriction = failure === 'error' ? 'error' : failure.restriction;
    const action = permission.attributes?.action;
    const why =
      failure === 'error'
        ? 'the restriction check failed'
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
          permission: permission.name,
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
