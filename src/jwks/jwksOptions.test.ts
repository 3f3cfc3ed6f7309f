import { GatehouseConfigError } from '../lib/GatehouseConfigError';
import {
  DEFAULT_ALGORITHMS,
  KEY_SET_DEFAULTS,
  parseJwksOptions,
} from './jwksOptions';

const PATH = 'backend.auth.externalAccess[1].options';

function problemsOf(raw: unknown): string[] {
  try {
    parseJwksOptions(raw, PATH);
  } catch (error) {
    if (error instanceof GatehouseConfigError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected the options to be rejected');
}

describe('parseJwksOptions', () => {
  it('accepts the built-in jwks shape, with secure defaults', () => {
    const options = parseJwksOptions(
      {
        url: 'https://idp.example.com/jwks',
        issuer: 'https://idp.example.com',
        audience: 'backstage-api, other-api',
        algorithm: 'ES256',
        subjectPrefix: 'ci',
      },
      PATH,
    );
    expect(options).toMatchObject({
      url: 'https://idp.example.com/jwks',
      issuers: ['https://idp.example.com'],
      audiences: ['backstage-api', 'other-api'],
      algorithms: ['ES256'],
      subjectClaim: 'sub',
      subjectPrefix: 'ci',
      clockToleranceSec: 0,
      maxTokenAgeSec: undefined,
      keySet: KEY_SET_DEFAULTS,
      warnings: [],
    });
    expect(
      parseJwksOptions({ issuer: 'https://idp.example.com' }, PATH).algorithms,
    ).toEqual([...DEFAULT_ALGORITHMS]);
  });

  it('reads durations as Backstage does, and seconds as numbers', () => {
    const options = parseJwksOptions(
      {
        issuer: 'https://idp.example.com',
        clockTolerance: '30s',
        maxTokenAge: { hours: 1 },
        jwksCooldown: 2,
        jwksTimeout: '1500ms',
        jwksCacheMaxAge: 'PT5M',
        jwksMaxStale: '12',
      },
      PATH,
    );
    expect(options.clockToleranceSec).toBe(30);
    expect(options.maxTokenAgeSec).toBe(3600);
    expect(options.keySet).toEqual({
      cooldownMs: 2000,
      timeoutMs: 1500,
      cacheMaxAgeMs: 300_000,
      maxStaleMs: 12_000,
    });
  });

  it('warns about the backstage audience, unbound tokens and plain-http key sets', () => {
    expect(
      parseJwksOptions(
        { url: 'http://idp.example.com/jwks', audience: ['backstage'] },
        PATH,
      ).warnings,
    ).toMatchInlineSnapshot(`
      [
        "backend.auth.externalAccess[1].options.audience: 'backstage' is the audience of Backstage's own user tokens, so Backstage takes such JWTs for user tokens and rejects them before any external handler sees them; use another audience, such as 'backstage-api'",
        "backend.auth.externalAccess[1].options.url: the JWKS is fetched over plain http, so anybody on the network path can substitute keys; use https",
      ]
    `);
    expect(
      parseJwksOptions({ url: 'http://127.0.0.1:8080/jwks' }, PATH).warnings,
    ).toMatchInlineSnapshot(`
      [
        "backend.auth.externalAccess[1].options: neither 'issuer' nor 'audience' is set, so any token signed by this key set is accepted, including tokens the provider issued for other applications",
      ]
    `);
    expect(
      parseJwksOptions({ issuer: 'https://idp.example.com' }, PATH).warnings,
    ).toEqual([
      "backend.auth.externalAccess[1].options: 'audience' is not set, so tokens the provider issued for any other application are accepted too; if it comes from an environment variable, is the variable set?",
    ]);
  });

  it('takes an owner, as the catalog writes refs, and names a bad one', () => {
    expect(
      parseJwksOptions(
        { url: 'https://idp.example.com/jwks', owner: 'group:default/ci' },
        'x',
      ).owner,
    ).toBe('group:default/ci');
    expect(
      problemsOf({ url: 'https://idp.example.com/jwks', owner: 'a b' }),
    ).toEqual([
      "backend.auth.externalAccess[1].options.owner: must be a catalog entity ref of a group or a user, such as 'group:default/payments' or 'user:default/jane' ('payments' alone means group:default/payments)",
    ]);
  });

  it('names the config path and the fix for every problem', () => {
    expect(problemsOf({})).toMatchInlineSnapshot(`
     [
       "backend.auth.externalAccess[1].options: needs 'url' (the JWKS URL) or 'issuer' (to find it by OIDC discovery); if it comes from an environment variable, is the variable set?",
     ]
    `);
    expect(
      problemsOf({ issuer: 'my-idp', algorithm: ['HS256', 'none', 'RS256'] }),
    ).toMatchInlineSnapshot(`
      [
        "backend.auth.externalAccess[1].options.issuer: 'my-idp' must be an http(s) URL for OIDC discovery, or set 'url'",
        "backend.auth.externalAccess[1].options.algorithm: 'HS256' is not accepted; use asymmetric algorithms (RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA): 'none' and HMAC are never accepted",
        "backend.auth.externalAccess[1].options.algorithm: 'none' is not accepted; use asymmetric algorithms (RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA): 'none' and HMAC are never accepted",
      ]
    `);
    expect(
      problemsOf({
        url: 'ftp://idp/jwks',
        clockTolerance: 'a while',
        claims: { ref: [], nested: { a: 1 } },
        subjectPrefix: 'has space',
        audiences: 'typo',
      }),
    ).toMatchInlineSnapshot(`
     [
       "backend.auth.externalAccess[1].options.url: must be an http(s) URL",
       "backend.auth.externalAccess[1].options.subjectPrefix: must be a non-empty string without white space, control or format characters",
       "backend.auth.externalAccess[1].options.claims.ref: must list at least one value; if it comes from an environment variable, is the variable set?",
       "backend.auth.externalAccess[1].options.claims.nested: Invalid input",
       "backend.auth.externalAccess[1].options.clockTolerance: must be a duration: seconds as a number (30), a string such as '30s', '5m', '1h', or an object such as { minutes: 5 }",
       "backend.auth.externalAccess[1].options.audiences: unknown key 'audiences'; did you mean 'audience'?",
     ]
    `);
  });
});
