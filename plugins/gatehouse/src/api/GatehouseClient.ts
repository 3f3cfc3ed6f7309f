import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import type {
  Access,
  Inventory,
  InventoryFilters,
  InventoryPage,
  IssuedToken,
  MarkedCompromised,
  NewToken,
  RevokedToken,
  TokenOptions,
} from './types';

/** An answer of the backend that is not a success, with its message in words. */
export class GatehouseApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'GatehouseApiError';
  }
}

/**
 * The page's calls to the gatehouse backend plugin, as the signed-in user
 * (fetchApi adds their Backstage token).
 */
export class GatehouseClient {
  readonly #discovery: DiscoveryApi;
  readonly #fetch: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.#discovery = options.discoveryApi;
    this.#fetch = options.fetchApi;
  }

  async inventory(
    filters: InventoryFilters = {},
    page: InventoryPage = {},
  ): Promise<Inventory> {
    const query = new URLSearchParams();
    if (filters.unusedFor) query.set('unusedFor', filters.unusedFor);
    if (filters.expiringWithin)
      query.set('expiringWithin', filters.expiringWithin);
    if (filters.unrestricted !== undefined)
      query.set('unrestricted', String(filters.unrestricted));
    if (filters.source?.length) query.set('source', filters.source.join(','));
    if (filters.subject) query.set('subject', filters.subject);
    if (filters.owner) query.set('owner', filters.owner);
    if (filters.status?.length) query.set('status', filters.status.join(','));
    if (filters.id) query.set('id', filters.id);
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    if (page.offset) query.set('offset', String(page.offset));
    const suffix = query.size ? `?${query}` : '';
    return this.#call('GET', `/inventory${suffix}`);
  }

  /** What the signed-in user may do, which permission policies may grant per owner. */
  access(): Promise<Access> {
    return this.#call('GET', '/access');
  }

  tokenOptions(): Promise<TokenOptions> {
    return this.#call('GET', '/tokens/options');
  }

  createToken(token: NewToken): Promise<IssuedToken> {
    return this.#call('POST', '/tokens', token);
  }

  /** Revokes a token and what it led to; `alsoRevoked` names those. */
  revokeToken(id: string, reason?: string): Promise<RevokedToken> {
    return this.#call(
      'DELETE',
      `/tokens/${encodeURIComponent(id)}`,
      reason ? { reason } : {},
    );
  }

  /**
   * Marks a static or managed token compromised by its inventory id: every
   * replica refuses it within seconds (a managed token is revoked too).
   */
  markCompromised(
    credentialId: string,
    reason?: string,
  ): Promise<MarkedCompromised> {
    return this.#call('POST', '/leaks', {
      credential: credentialId,
      ...(reason ? { reason } : {}),
    });
  }

  rotateToken(
    id: string,
  ): Promise<IssuedToken & { previous: { expiresAt: string } }> {
    return this.#call('POST', `/tokens/${encodeURIComponent(id)}/rotate`, {});
  }

  /** The backend's own base URL, for the curl line shown with a new token. */
  baseUrl(): Promise<string> {
    return this.#discovery.getBaseUrl('gatehouse');
  }

  async #call<T>(method: string, path: string, body?: object): Promise<T> {
    const base = await this.baseUrl();
    const response = await this.#fetch.fetch(`${base}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const message =
        (json as { error?: { message?: string } } | undefined)?.error
          ?.message ?? `${response.status} ${response.statusText}`;
      throw new GatehouseApiError(response.status, message);
    }
    return json as T;
  }
}
