import { setTimeout as sleep } from 'node:timers/promises';
import {
  IdentityProviderProcess,
  spawnIdentityProvider,
} from './identityProviderProcess';

export type TestClientId = 'rs256-client' | 'es256-client';
export type TestSigningAlg = 'RS256' | 'ES256';
export type FaultEndpoint = 'jwks' | 'discovery';
export type FaultMode =
  | 'ok'
  | 'down'
  | 'http500'
  | 'garbage'
  | 'garbage-json'
  | 'slow'
  | 'huge'
  | 'custom';

export interface FaultOptions {
  /** Only the next N requests are faulted, then the endpoint is ok again. */
  times?: number;
  /** `slow`: delay before answering normally (default 5000). */
  delayMs?: number;
  /** `huge`: body size (default 5 MiB). */
  sizeBytes?: number;
  /** `huge`: send a Content-Length header (default: chunked, no length). */
  contentLength?: boolean;
  /** `custom`: the response, e.g. a discovery document with another issuer. */
  status?: number;
  contentType?: string;
  body?: string;
}

export interface KeySummary {
  kid: string;
  alg: TestSigningAlg;
  /** The key that signs new tokens for its alg. */
  active: boolean;
}

/** A private JWK as oidc-provider holds it; import with jose's importJWK. */
export interface PrivateSigningJwk {
  kty: 'RSA' | 'EC';
  kid: string;
  alg: TestSigningAlg;
  use: 'sig';
  [parameter: string]: unknown;
}

export interface RequestCounts {
  jwks: number;
  discovery: number;
  token: number;
}

export interface GetTokenOptions {
  /** Picks the signing alg (default rs256-client, RS256). */
  client?: TestClientId;
  /** The token's `aud` (default `backstage-api`). */
  audience?: string;
  /** Space-separated; the resource server offers `read write`. */
  scope?: string;
  /** Merged last into the payload (may override iss, aud, exp...); null removes. */
  claims?: Record<string, unknown>;
  /** Merged last into the protected header (e.g. typ); null removes. */
  header?: Record<string, unknown>;
}

export interface TestIdentityProvider {
  readonly port: number;
  readonly issuer: string;
  readonly discoveryUrl: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  readonly clients: Record<TestClientId, { secret: string; alg: string }>;
  /** A real client-credentials request; resolves with the access token (a JWT). */
  getToken(options?: GetTokenOptions): Promise<string>;
  /** Adds a key that signs from now on for its alg; the old ones stay published. Returns its kid. */
  rotate(alg: TestSigningAlg, options?: { kid?: string }): Promise<string>;
  /** Unpublishes a key; the last key of an alg cannot be removed. */
  removeKey(kid: string): Promise<void>;
  kids(): Promise<string[]>;
  keys(): Promise<KeySummary[]>;
  signingKeys(): Promise<PrivateSigningJwk[]>;
  setFault(
    endpoint: FaultEndpoint,
    mode: FaultMode,
    options?: FaultOptions,
  ): Promise<void>;
  requestCounts(): Promise<RequestCounts>;
  resetCounts(): Promise<void>;
  /** Goes fully down and comes back on the same port, by default with the same keys. */
  restart(options?: { keepKeys?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export interface StartTestIdentityProviderOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Start with these keys instead of fresh ones, e.g. another run's signingKeys(). */
  signingKeys?: PrivateSigningJwk[];
}

// Rebinding the port a moment after the previous process exited normally
// works at once (SO_REUSEADDR), but a slow exit must not fail a test.
const PORT_RETRY_MS = 3_000;

async function spawnOnPort(
  options: StartTestIdentityProviderOptions,
): Promise<IdentityProviderProcess> {
  const env: Record<string, string> = options.signingKeys
    ? { GATEHOUSE_TEST_IDP_KEYS: JSON.stringify(options.signingKeys) }
    : {};
  const deadline = Date.now() + PORT_RETRY_MS;
  for (;;) {
    try {
      return await spawnIdentityProvider(options.port ?? 0, env);
    } catch (error) {
      const inUse = String((error as Error).message).includes('EADDRINUSE');
      if (!inUse || !options.port || Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

async function call<T>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...init.headers },
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `${init.method ?? 'GET'} ${url}: ${response.status} ${text}`,
    );
  }
  return JSON.parse(text) as T;
}

/**
 * Starts a real OpenID provider (oidc-provider) on 127.0.0.1 in a child
 * process, with JWT access tokens, key rotation, fault injection on its JWKS
 * and discovery endpoints, and request counters. See dev/identityProvider.
 */
export async function startTestIdentityProvider(
  options: StartTestIdentityProviderOptions = {},
): Promise<TestIdentityProvider> {
  let server = await spawnOnPort(options);
  const { ready } = server;
  const port = Number(new URL(ready.issuer).port);
  const control = (route: string) => `${ready.controlUrl}${route}`;
  const listKeys = async () =>
    (await call<{ keys: KeySummary[] }>(control('/keys'))).keys;
  const signingKeys = async () =>
    (await call<{ keys: PrivateSigningJwk[] }>(control('/signing-keys'))).keys;

  return {
    port,
    issuer: ready.issuer,
    discoveryUrl: ready.discoveryUrl,
    jwksUri: ready.jwksUri,
    tokenEndpoint: ready.tokenEndpoint,
    clients: ready.clients as TestIdentityProvider['clients'],

    async getToken(tokenOptions = {}) {
      const clientId = tokenOptions.client ?? 'rs256-client';
      const audience = tokenOptions.audience ?? ready.defaultAudience;
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        // Resource indicators must be absolute URIs; the server turns this
        // prefix back into the bare audience.
        resource: URL.canParse(audience)
          ? audience
          : `urn:gatehouse:audience:${encodeURIComponent(audience)}`,
      });
      if (tokenOptions.scope) body.set('scope', tokenOptions.scope);
      if (tokenOptions.claims) {
        body.set('test_claims', JSON.stringify(tokenOptions.claims));
      }
      if (tokenOptions.header) {
        body.set('test_header', JSON.stringify(tokenOptions.header));
      }
      const secret = ready.clients[clientId].secret;
      const basic = Buffer.from(`${clientId}:${secret}`).toString('base64');
      const response = await call<{ access_token: string }>(
        ready.tokenEndpoint,
        {
          method: 'POST',
          headers: {
            authorization: `Basic ${basic}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body,
        },
      );
      return response.access_token;
    },

    async rotate(alg, rotateOptions = {}) {
      const added = await call<{ kid: string }>(control('/keys'), {
        method: 'POST',
        body: JSON.stringify({ alg, kid: rotateOptions.kid }),
      });
      return added.kid;
    },

    async removeKey(kid) {
      await call(control(`/keys/${encodeURIComponent(kid)}`), {
        method: 'DELETE',
      });
    },

    kids: async () => (await listKeys()).map(key => key.kid),
    keys: listKeys,
    signingKeys,

    async setFault(endpoint, mode, faultOptions = {}) {
      await call(control(`/faults/${endpoint}`), {
        method: 'PUT',
        body: JSON.stringify({ ...faultOptions, mode }),
      });
    },

    requestCounts: () => call<RequestCounts>(control('/counts')),

    async resetCounts() {
      await call(control('/counts/reset'), { method: 'POST' });
    },

    async restart({ keepKeys = true } = {}) {
      const keys = keepKeys ? await signingKeys() : undefined;
      await server.stop();
      server = await spawnOnPort({ port, signingKeys: keys });
    },

    stop: () => server.stop(),
  };
}
