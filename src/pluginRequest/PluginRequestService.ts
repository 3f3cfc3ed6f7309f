import type {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, ResponseError } from '@backstage/errors';

/**
 * Calls a sibling plugin's API with a token Backstage issues for exactly that
 * call.
 *
 * @public
 */
export interface PluginRequestService {
  /**
   * Sends a request to another plugin of this backend.
   *
   * @param targetPluginId - the plugin to call, e.g. `catalog`
   * @param path - the path below the plugin's base URL, starting with `/`,
   *   e.g. `/entities?filter=kind=component`
   * @param options - `onBehalfOf`: the incoming request's credentials, so the
   *   call is made for the caller (a user stays that user at the target);
   *   without it the plugin calls as itself. `init`: fetch options.
   * @returns the response, if its status is 2xx or 3xx
   * @throws the target's error (`@backstage/errors` `ResponseError`, with the
   *   target's message), or `NotAllowedError` if the caller's access
   *   restrictions do not allow the call to be delegated
   */
  fetch(
    targetPluginId: string,
    path: string,
    options?: { onBehalfOf?: BackstageCredentials; init?: RequestInit },
  ): Promise<Response>;
}

/** @internal */
export interface PluginRequestServiceDeps {
  auth: AuthService;
  discovery: DiscoveryService;
  /** The calling plugin, named in refusals. */
  pluginId: string;
}

/** @internal */
export class DefaultPluginRequestService implements PluginRequestService {
  readonly #auth: AuthService;
  readonly #discovery: DiscoveryService;
  readonly #pluginId: string;

  static create(
    options: PluginRequestServiceDeps,
  ): DefaultPluginRequestService {
    return new DefaultPluginRequestService(options);
  }

  private constructor(options: PluginRequestServiceDeps) {
    this.#auth = options.auth;
    this.#discovery = options.discovery;
    this.#pluginId = options.pluginId;
  }

  async fetch(
    targetPluginId: string,
    path: string,
    options?: { onBehalfOf?: BackstageCredentials; init?: RequestInit },
  ): Promise<Response> {
    // A path, never a URL: the token must only ever reach the named plugin.
    if (!path.startsWith('/') || path.startsWith('//')) {
      throw new InputError(
        `Path '${path}' for plugin '${targetPluginId}' must start with a single '/'`,
      );
    }
    const onBehalfOf =
      options?.onBehalfOf ?? (await this.#auth.getOwnServiceCredentials());
    const { token } = await this.#tokenFor(targetPluginId, onBehalfOf);
    const baseUrl = await this.#discovery.getBaseUrl(targetPluginId);

    const headers = new Headers(options?.init?.headers);
    if (token) {
      headers.set('authorization', `Bearer ${token}`);
    }
    const response = await fetch(`${baseUrl}${path}`, {
      ...options?.init,
      headers,
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return response;
  }

  async #tokenFor(targetPluginId: string, onBehalfOf: BackstageCredentials) {
    try {
      return await this.#auth.getPluginRequestToken({
        onBehalfOf,
        targetPluginId,
      });
    } catch (error) {
      if (error instanceof NotAllowedError) {
        throw new NotAllowedError(
          `Plugin '${this.#pluginId}' cannot call plugin '${targetPluginId}' on behalf of '${describe(
            onBehalfOf,
          )}': ${error.message}`,
        );
      }
      throw error;
    }
  }
}

function describe(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type?: string;
    subject?: string;
    userEntityRef?: string;
  };
  return (
    principal.subject ?? principal.userEntityRef ?? principal.type ?? 'unknown'
  );
}
