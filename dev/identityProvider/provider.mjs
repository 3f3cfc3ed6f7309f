import { Provider, errors } from 'oidc-provider';

/** Fixed test-only credentials; the client picks the signing algorithm. */
export const CLIENTS = {
  'rs256-client': { secret: 'rs256-client-secret', alg: 'RS256' },
  'es256-client': { secret: 'es256-client-secret', alg: 'ES256' },
};

// RFC 8707 resource indicators must be absolute URIs, but Backstage audiences
// are usually plain words, so this prefix carries one: the token's `aud` is
// what follows it. Any other absolute URI becomes the `aud` as it is.
export const AUDIENCE_RESOURCE_PREFIX = 'urn:gatehouse:audience:';
export const DEFAULT_AUDIENCE = 'backstage-api';

export const DEFAULT_EXTRA_CLAIMS = {
  repository_owner: 'my-org',
  ref: 'refs/heads/main',
  run_number: 42,
  protected: true,
  groups: ['a', 'b'],
};

export const ACCESS_TOKEN_TTL_SECONDS = 600;

function audienceOf(resource) {
  return resource.startsWith(AUDIENCE_RESOURCE_PREFIX)
    ? decodeURIComponent(resource.slice(AUDIENCE_RESOURCE_PREFIX.length))
    : resource;
}

/**
 * `test_claims` / `test_header`: optional JSON objects in the token request
 * body, applied last so they can override anything, including iss, aud, exp
 * or typ; a null value removes the claim or header. oidc-provider drops
 * unknown token parameters from ctx.oidc.params, so read the raw body.
 */
function requestOverrides(ctx, name) {
  const raw = ctx?.oidc?.body?.[name];
  if (raw === undefined) return undefined;
  let parsed;
  try {
    parsed = JSON.parse(String(raw));
  } catch {
    // Leave parsed undefined: reported below as a client error, not a 500.
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new errors.InvalidRequest(`${name} must be a JSON object`);
  }
  return parsed;
}

function applyOverrides(target, overrides, onNull) {
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (value === null) onNull(target, name);
    else target[name] = value;
  }
  return target;
}

/** One immutable provider per key set: rotation builds a new one. */
export function createProvider(issuer, keyRing) {
  const provider = new Provider(issuer, {
    clients: Object.entries(CLIENTS).map(([clientId, { secret }]) => ({
      client_id: clientId,
      client_secret: secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    })),
    jwks: { keys: keyRing.keys },
    routes: { jwks: '/jwks', token: '/token' },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE_RESOURCE_PREFIX + DEFAULT_AUDIENCE,
        getResourceServerInfo: (_ctx, resource, client) => {
          const alg = CLIENTS[client.clientId].alg;
          return {
            scope: 'read write',
            audience: audienceOf(resource),
            accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
            accessTokenFormat: 'jwt',
            // The kid is explicit so the newest key signs, whatever order
            // oidc-provider's key selection would otherwise prefer.
            jwt: { sign: { alg, kid: keyRing.activeKid(alg) } },
          };
        },
      },
    },
    extraTokenClaims: () => ({ ...DEFAULT_EXTRA_CLAIMS }),
    formats: {
      customizers: {
        jwt: (ctx, _token, jwt) => {
          applyOverrides(
            jwt.payload,
            requestOverrides(ctx, 'test_claims'),
            (payload, name) => delete payload[name],
          );
          const header = requestOverrides(ctx, 'test_header');
          if (header) {
            // oidc-provider spreads these over its own header; undefined
            // makes the JSON serialisation drop the field.
            jwt.header = applyOverrides(
              {},
              header,
              (fields, name) => (fields[name] = undefined),
            );
          }
        },
      },
    },
    ttl: { ClientCredentials: ACCESS_TOKEN_TTL_SECONDS },
    findAccount: () => undefined,
  });
  return provider;
}
