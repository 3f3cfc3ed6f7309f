import fc from 'fast-check';
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  JWTPayload,
  KeyLike,
  SignJWT,
} from 'jose';
import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { eventually, jwksRejections, whoami } from '../testing/requests';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from '../testing/startGatehouseTestBackend';
import {
  startTestIdentityProvider,
  TestIdentityProvider,
} from '../testing/testIdentityProvider';

const b64 = (value: unknown) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Hostile tokens (RFC 8725, OWASP JWT cheat sheet) against a real backend whose
 * gatehouse-jwks entry trusts a real identity provider. Every one must get a
 * 401 (never 200, never 5xx) for the reason we expect, and no URL named inside
 * a token may ever be fetched.
 */
describe('gatehouse-jwks against hostile tokens', () => {
  let idp: TestIdentityProvider;
  let backend: GatehouseTestBackend;
  let rsaKey: { kid: string; key: KeyLike };
  let spy: { url: string; requests: number; close(): void };
  let attackerKey: { privateKey: KeyLike; publicKey: KeyLike };
  let claims: JWTPayload;

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    const jwk = (await idp.signingKeys()).find(k => k.alg === 'RS256')!;
    rsaKey = { kid: jwk.kid, key: (await importJWK(jwk, 'RS256')) as KeyLike };
    attackerKey = await generateKeyPair('RS256', { extractable: true });

    // A server the attacker names in jku/x5u headers: it must never be called.
    const state = { requests: 0 };
    const server = createServer((_req, res) => {
      state.requests += 1;
      res.end('{}');
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    spy = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`,
      get requests() {
        return state.requests;
      },
      close: () => server.close(),
    };

    backend = await startGatehouseTestBackend({
      externalAccess: [
        {
          type: 'gatehouse-jwks',
          options: {
            issuer: idp.issuer,
            audience: 'backstage-api',
            maxTokenAge: '15m',
            jwksCooldown: '200ms',
          },
        },
      ],
    });
    const valid = await idp.getToken();
    expect((await whoami(backend, valid)).status).toBe(200);
  });

  afterAll(async () => {
    await backend.stop();
    await idp.stop();
    spy.close();
  });

  beforeEach(() => {
    const iat = Math.floor(Date.now() / 1000);
    claims = {
      iss: idp.issuer,
      aud: 'backstage-api',
      sub: 'attacker',
      iat,
      exp: iat + 300,
    };
  });

  /** Signs with the provider's own RS256 key, as a legitimate token would be. */
  const signedByProvider = (
    header: Record<string, unknown> = {},
    payload = claims,
  ) =>
    new SignJWT(payload)
      .setProtectedHeader({
        alg: 'RS256',
        kid: rsaKey.kid,
        typ: 'at+jwt',
        ...header,
      })
      .sign(rsaKey.key);

  /**
   * Signs header and payload segment as given, with the provider's key, for
   * tokens jose refuses to produce (unknown crit, unencoded payload).
   */
  async function signRaw(
    header: Record<string, unknown>,
    payloadSegment: string,
  ) {
    const jwk = (await idp.signingKeys()).find(k => k.kid === rsaKey.kid)!;
    const input = `${b64(header)}.${payloadSegment}`;
    const signature = cryptoSign(
      'sha256',
      Buffer.from(input),
      createPrivateKey({ key: jwk as never, format: 'jwk' }),
    );
    return `${input}.${signature.toString('base64url')}`;
  }

  async function expectRejected(token: string, reason?: string) {
    const before = jwksRejections(backend).length;
    const response = await whoami(backend, token);
    expect(response.status).toBe(401);
    if (reason) {
      expect(jwksRejections(backend).slice(before)).toEqual([reason]);
    }
  }

  it('accepts a well-formed token signed by the provider key (the control case)', async () => {
    expect((await whoami(backend, await signedByProvider())).status).toBe(200);
  });

  it.each(['none', 'None', 'NONE', 'nOnE'])('rejects alg %s', async alg => {
    await expectRejected(
      `${b64({ alg, typ: 'JWT' })}.${b64(claims)}.`,
      'alg_not_allowed',
    );
  });

  it('rejects HS256 signed with the provider public key as the secret (key confusion)', async () => {
    const publicJwk = (await idp.signingKeys()).find(
      k => k.kid === rsaKey.kid,
    )!;
    const publicKey = await importJWK(
      { kty: publicJwk.kty, n: publicJwk.n, e: publicJwk.e } as never,
      'RS256',
    );
    for (const secret of [
      await exportSPKI(publicKey as KeyLike),
      JSON.stringify(await exportJWK(publicKey)),
    ]) {
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: rsaKey.kid })
        .sign(new TextEncoder().encode(secret));
      await expectRejected(token, 'alg_not_allowed');
    }
  });

  it('rejects a token signed by an embedded jwk, and never fetches jku, x5u or x5c', async () => {
    const attackerJwk = await exportJWK(attackerKey.publicKey);
    const sign = (header: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', ...header })
        .sign(attackerKey.privateKey);
    await expectRejected(
      await sign({ jwk: attackerJwk, kid: rsaKey.kid }),
      'bad_signature',
    );
    await expectRejected(await sign({ jwk: attackerJwk }), 'bad_signature');
    await expectRejected(await sign({ jku: spy.url, kid: 'attacker' }));
    await expectRejected(await sign({ x5u: spy.url, kid: 'attacker' }));
    await expectRejected(
      await sign({
        x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'],
        kid: rsaKey.kid,
      }),
      'bad_signature',
    );
    expect(spy.requests).toBe(0);
  });

  it('rejects a signature from another key under a known kid', async () => {
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: rsaKey.kid })
      .sign(attackerKey.privateKey);
    await expectRejected(token, 'bad_signature');
  });

  it.each([
    '../../../../etc/passwd',
    "' OR '1'='1' --",
    '"; DROP TABLE keys; --',
    '%00\u0000null',
    `long${'x'.repeat(2000)}`,
    '${jndi:ldap://127.0.0.1/a}',
  ])('treats a kid like %s as an unknown kid', async kid => {
    await new Promise(r => setTimeout(r, 250)); // past the cooldown, so a refetch may happen
    await expectRejected(await signedByProvider({ kid }), 'unknown_kid');
  });

  it('rejects stripped, truncated and re-encoded signatures', async () => {
    const token = await signedByProvider();
    const [h, p, s] = token.split('.');
    await expectRejected(`${h}.${p}.`, 'bad_signature');
    await expectRejected(`${h}.${p}`, 'malformed');
    await expectRejected(`${h}.${p}.${s.slice(0, -10)}`, 'bad_signature');
    await expectRejected(
      `${h}.${p}.${Buffer.from(s, 'base64url').toString('base64')}`,
      'malformed',
    );
    await expectRejected(`${h}.${p}.${s}.${s}`, 'malformed');
  });

  it('rejects tampered payloads and headers under a valid signature', async () => {
    const [h, , s] = (await signedByProvider()).split('.');
    await expectRejected(
      `${h}.${b64({ ...claims, sub: 'admin' })}.${s}`,
      'bad_signature',
    );
    const [, p2, s2] = (await signedByProvider()).split('.');
    await expectRejected(
      `${b64({ alg: 'RS256', kid: rsaKey.kid, typ: 'JWT' })}.${p2}.${s2}`,
      'bad_signature',
    );
  });

  it.each([
    ['expired', { exp: 1 }, 'expired'],
    ['not yet valid', { nbf: 9999999999 }, 'not_yet_valid'],
    [
      'issued in the far future',
      { iat: 9999999999, exp: 9999999999 + 60 },
      'not_yet_valid',
    ],
    ['too old for maxTokenAge', { iat: 1 }, 'too_old'],
    ['without exp', { exp: undefined }, 'claim_mismatch'],
    [
      'from another issuer',
      { iss: 'https://evil.example.com' },
      'issuer_mismatch',
    ],
    ['for another audience', { aud: 'other-api' }, 'audience_mismatch'],
    ['with a string exp', { exp: 'tomorrow' }, 'claim_mismatch'],
  ])('rejects a correctly signed token %s', async (_name, override, reason) => {
    await expectRejected(
      await signedByProvider({}, { ...claims, ...override } as JWTPayload),
      reason,
    );
  });

  it('rejects unknown crit parameters, unencoded payloads and a wrong typ, however well signed', async () => {
    await expectRejected(
      await signRaw(
        { alg: 'RS256', kid: rsaKey.kid, crit: ['exp'], exp: 1 },
        b64(claims),
      ),
      'malformed',
    );
    await expectRejected(
      await signRaw(
        { alg: 'RS256', kid: rsaKey.kid, b64: false, crit: ['b64'] },
        JSON.stringify(claims),
      ),
      'malformed',
    );
    await expectRejected(
      await signedByProvider({ typ: 'secevent+jwt' }),
      'typ_mismatch',
    );
  });

  it('rejects JWE, oversized and garbage tokens without parsing more than needed', async () => {
    await expectRejected(
      `${b64({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a.b.c.d`,
      'malformed',
    );
    await expectRejected(
      `${b64({ alg: 'RS256' })}.${'A'.repeat(9000)}.sig`,
      'too_large',
    );
    await expectRejected('eyJ!!!.###.$$$', 'malformed');
    await expectRejected(
      `${b64({ alg: 'RS256' })}.${b64([1, 2])}.sig`,
      'malformed',
    );
    await expectRejected(
      `${b64({ alg: 'RS256' })}.${Buffer.from([0xff, 0xfe, 0xfd]).toString('base64url')}.sig`,
      'malformed',
    );
    // Not shaped like a JWT at all: left to other handlers, nothing logged by gatehouse-jwks.
    const before = jwksRejections(backend).length;
    expect((await whoami(backend, 'not-a-jwt-at-all')).status).toBe(401);
    expect(
      (await whoami(backend, `${b64([1, 2])}.${b64(claims)}.sig`)).status,
    ).toBe(401);
    expect(jwksRejections(backend).length).toBe(before);
  });

  it('answers random mutations of a valid token with 401, never 200 or 5xx', async () => {
    const valid = await idp.getToken();
    await fc.assert(
      fc.asyncProperty(
        fc.nat(valid.length - 1),
        fc.constantFrom('A', 'B', '_', '-', '.', 'z', '0'),
        fc.constantFrom('replace', 'delete', 'insert'),
        async (at, char, op) => {
          const mutated =
            op === 'replace'
              ? valid.slice(0, at) + char + valid.slice(at + 1)
              : op === 'delete'
                ? valid.slice(0, at) + valid.slice(at + 1)
                : valid.slice(0, at) + char + valid.slice(at);
          fc.pre(mutated !== valid);
          // Non-canonical base64url (slack bits in a segment's last
          // character) would decode to the same bytes; it is refused too.
          expect((await whoami(backend, mutated)).status).toBe(401);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers random bytes and random JSON in JWT shape with 401', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc
            .string({ unit: 'binary-ascii', minLength: 1, maxLength: 300 })
            .map(s => `eyJ${s}`),
          fc
            .tuple(fc.jsonValue(), fc.jsonValue(), fc.string())
            .map(
              ([h, p, s]) =>
                `${b64(h)}.${b64(p)}.${Buffer.from(s).toString('base64url')}`,
            ),
          fc
            .tuple(
              fc.dictionary(fc.string(), fc.jsonValue()),
              fc.constantFrom('RS256', 'ES256', 'HS256', 'none', 'EdDSA'),
            )
            .map(
              ([extra, alg]) =>
                `${b64({ ...extra, alg, kid: rsaKey.kid })}.${b64(claims)}.c2ln`,
            ),
        ),
        async token => {
          fc.pre(/^[\x21-\x7e][\x20-\x7e]*$/.test(token));
          expect((await whoami(backend, token.trim())).status).toBe(401);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never writes a token into the logs', async () => {
    const token = await idp.getToken({ audience: 'wrong-audience' });
    await whoami(backend, token);
    await eventually(
      () => expect(backend.logs.entries.length).toBeGreaterThan(0),
      100,
    );
    const text = backend.logs.text();
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.split('.')[2]);
  });
});
