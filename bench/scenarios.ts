import type { BackendProcess } from './BackendProcess';
import type { Alg, Provider } from './identityProviders';
import { issueManagedTokens, MANAGED_TABLE_SIZE } from './managedTokens';
import {
  cycle,
  garbageToken,
  mintJwt,
  mintPool,
  randomKidJwt,
  randomStaticToken,
  withBadSignature,
} from './tokens';

/** Provider 1's ES256 and RS256 pools, and provider 5's ES256 pool. */
export interface MicroPools {
  first: Record<Alg, string[]>;
  fifth: string[];
}

export type Variant = 'built-in' | 'gatehouse';
export const VARIANTS: Variant[] = ['built-in', 'gatehouse'];

/** A backend config, in its built-in and its Gatehouse form. */
export interface BackendSpec {
  id: string;
  externalAccess: Record<Variant, unknown[]>;
}

export interface Scenario {
  id: string;
  title: string;
  backend: string;
  path: '/open' | '/hello';
  /** A new token source per variant, so that each child walks its pool from the start. */
  tokens?: () => () => string;
  /** The same token on every request: sent as a fixed header. */
  fixedToken?: string;
  /**
   * For a variant whose token exists only once its backend runs (a managed
   * token): how to get it from the running backend, before the warm-up.
   */
  issueToken?: Partial<
    Record<Variant, (backend: BackendProcess) => Promise<string>>
  >;
  /** Valid traffic: every response should be 2xx (otherwise every one a 401). */
  valid: boolean;
}

/** Tokens configured the natural way for each type: one entry each, or one `tokens` list. */
function staticBackend(id: string, tokens: string[]): BackendSpec {
  return {
    id,
    externalAccess: {
      'built-in': tokens.map((token, i) => ({
        type: 'static',
        options: { token, subject: `caller-${i}` },
      })),
      gatehouse:
        tokens.length === 1
          ? [
              {
                type: 'gatehouse-static',
                options: { token: tokens[0], subject: 'caller-0' },
              },
            ]
          : [
              {
                type: 'gatehouse-static',
                options: {
                  subject: 'caller',
                  tokens: tokens.map((token, i) => ({
                    token,
                    subject: `caller-${i}`,
                  })),
                },
              },
            ],
    },
  };
}

/**
 * Managed tokens have no built-in counterpart: the built-in variant takes one
 * built-in static token (as static-1), the Gatehouse variant a managed token
 * among MANAGED_TABLE_SIZE, its entry first. The gatehouse-static entry after
 * it holds the administrator's token that issues them, and is never reached by
 * the managed token under load. That static token under load on the same
 * process is the fairest yardstick for the managed one: same plugins, same
 * background sync, one entry's prefix check apart.
 */
function managedBackend(
  id: string,
  token: string,
  adminToken: string,
): BackendSpec {
  return {
    id,
    externalAccess: {
      'built-in': [{ type: 'static', options: { token, subject: 'caller-0' } }],
      gatehouse: [
        { type: 'gatehouse-managed', options: {} },
        {
          type: 'gatehouse-static',
          options: { token: adminToken, subject: 'bench-admin' },
        },
      ],
    },
  };
}

/** One entry per provider; the options are the same for both types. */
export function jwksEntries(type: string, providers: Provider[]) {
  return providers.map(p => ({
    type,
    options: {
      url: p.jwksUri,
      issuer: p.issuer,
      audience: p.audience,
      subjectPrefix: `idp${p.number}`,
    },
  }));
}

/** Moving over is a one-word change: `jwks` to `gatehouse-jwks`. */
function jwksBackend(id: string, providers: Provider[]): BackendSpec {
  return {
    id,
    externalAccess: {
      'built-in': jwksEntries('jwks', providers),
      gatehouse: jwksEntries('gatehouse-jwks', providers),
    },
  };
}

/**
 * Every backend and scenario of the run. Pools of distinct tokens are larger
 * than Gatehouse's verified-token cache (10,000) and walked round-robin, so a
 * "distinct" token is never a cache hit, even when a pool is walked again in a
 * later round.
 */
export function defineScenarios(
  providers: Provider[],
  poolSize: number,
): {
  backends: BackendSpec[];
  scenarios: Scenario[];
  /** The distinct-token pools, for the micro benchmark. */
  pools: MicroPools;
} {
  const [first] = providers;
  const fifth = providers[4];
  const staticTokens = Array.from({ length: 10_000 }, randomStaticToken);
  const last = (n: number) => staticTokens[n - 1];
  const managedAdminToken = randomStaticToken();

  // The same-token scenarios run on backends of their own ("quiet": their
  // caches hold a handful of tokens) and once more on the backends that also
  // take distinct tokens and floods ("busy": caches full, as on a server with
  // many callers).
  const backends = [
    staticBackend('static-1', staticTokens.slice(0, 1)),
    staticBackend('static-1k', staticTokens.slice(0, 1_000)),
    staticBackend('static-10k', staticTokens),
    managedBackend('managed', last(1), managedAdminToken),
    jwksBackend('jwks-1', [first]),
    jwksBackend('jwks-1-busy', [first]),
    jwksBackend('jwks-5', providers),
    jwksBackend('jwks-5-busy', providers),
  ];

  const es256Pool = mintPool(first, 'ES256', poolSize);
  const rs256Pool = mintPool(first, 'RS256', poolSize);
  const fifthPool = mintPool(fifth, 'ES256', poolSize);
  const badSignatures = () => {
    const next = cycle(fifthPool);
    return () => withBadSignature(next());
  };
  const es256 = mintJwt(first, 'ES256');
  const fromFifth = mintJwt(fifth, 'ES256');

  const valid = (
    id: string,
    title: string,
    backend: string,
    token: string | (() => () => string),
  ): Scenario =>
    typeof token === 'string'
      ? { id, title, backend, path: '/hello', fixedToken: token, valid: true }
      : { id, title, backend, path: '/hello', tokens: token, valid: true };
  const invalid = (
    id: string,
    title: string,
    backend: string,
    tokens: () => () => string,
  ): Scenario => ({ id, title, backend, path: '/hello', tokens, valid: false });

  const scenarios: Scenario[] = [
    {
      id: 'unauth',
      title: 'unauthenticated route',
      backend: 'static-1',
      path: '/open',
      valid: true,
    },
    valid('static-1', 'static, 1 token', 'static-1', last(1)),
    valid(
      'static-1k',
      'static, 1,000 tokens, the last',
      'static-1k',
      last(1_000),
    ),
    valid(
      'static-10k',
      'static, 10,000 tokens, the last',
      'static-10k',
      last(10_000),
    ),
    {
      id: 'managed',
      title: `managed token, ${MANAGED_TABLE_SIZE.toLocaleString('en')} in the table (built-in: static, 1 token)`,
      backend: 'managed',
      path: '/hello',
      fixedToken: last(1),
      issueToken: {
        gatehouse: backend => issueManagedTokens(backend, managedAdminToken),
      },
      valid: true,
    },
    {
      id: 'managed-static',
      title:
        'static token on the managed-token backend (built-in: static, 1 token)',
      backend: 'managed',
      path: '/hello',
      fixedToken: last(1),
      issueToken: { gatehouse: async () => managedAdminToken },
      valid: true,
    },
    valid(
      'jwt-es256-same',
      'JWT, 1 provider, ES256, same token',
      'jwks-1',
      es256,
    ),
    valid(
      'jwt-rs256-same',
      'JWT, 1 provider, RS256, same token',
      'jwks-1',
      mintJwt(first, 'RS256'),
    ),
    valid(
      'jwt-es256-same-busy',
      'JWT, 1 provider, ES256, same token, busy backend',
      'jwks-1-busy',
      es256,
    ),
    valid(
      'jwt-es256-distinct',
      'JWT, 1 provider, ES256, distinct tokens',
      'jwks-1-busy',
      () => cycle(es256Pool),
    ),
    valid(
      'jwt-rs256-distinct',
      'JWT, 1 provider, RS256, distinct tokens',
      'jwks-1-busy',
      () => cycle(rs256Pool),
    ),
    valid(
      'jwt-5th-same',
      'JWT, 5 providers, from the 5th, ES256, same token',
      'jwks-5',
      fromFifth,
    ),
    valid(
      'jwt-5th-same-busy',
      'JWT, 5 providers, from the 5th, ES256, same token, busy backend',
      'jwks-5-busy',
      fromFifth,
    ),
    valid(
      'jwt-5th-distinct',
      'JWT, 5 providers, from the 5th, ES256, distinct tokens',
      'jwks-5-busy',
      () => cycle(fifthPool),
    ),
    invalid(
      'jwt-garbage',
      'garbage tokens, 5 providers configured',
      'jwks-5-busy',
      () => garbageToken,
    ),
    invalid(
      'jwt-bad-signature',
      'JWTs from the 5th with a bad signature',
      'jwks-5-busy',
      badSignatures,
    ),
    invalid(
      'jwt-random-kid',
      'flood of JWTs with random kids (issuer: the 5th)',
      'jwks-5-busy',
      () => () => randomKidJwt(fifth),
    ),
  ];
  return {
    backends,
    scenarios,
    pools: { first: { ES256: es256Pool, RS256: rs256Pool }, fifth: fifthPool },
  };
}
