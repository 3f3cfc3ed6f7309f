import {
  CompactEncrypt,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  JWK,
  KeyLike,
  SignJWT,
} from 'jose';
import { createPrivateKey, sign as cryptoSign } from 'node:crypto';

/** One hostile bearer value, and what Gatehouse should say about it. */
export interface HostileToken {
  /** Which attack, for the table in SECURITY.md. */
  attack: string;
  token: string;
  /**
   * The reason code gatehouse-jwks must log, where the token reaches it; absent
   * where Backstage's own checks or the HTTP layer answer first.
   */
  jwksReason?: string;
}

const b64 = (value: unknown) =>
  Buffer.from(
    typeof value === 'string' ? value : JSON.stringify(value),
  ).toString('base64url');

/** Everything the corpus is built from: the trusted provider's key and the attacker's. */
export interface CorpusInputs {
  issuer: string;
  audience: string;
  /** The provider's RS256 signing key (private JWK with kid), trusted by the backend. */
  providerRsa: JWK & { kid: string };
  /** The provider's ES256 signing key (private JWK with kid). */
  providerEc: JWK & { kid: string };
  /** A URL nothing may ever fetch: named in jku, x5u, kid and claims. */
  spyUrl: string;
}

/**
 * Hostile JWTs after RFC 8725 and the OWASP JWT cheat sheet. Each is checked
 * through a real backend by securityBattery.test.ts.
 */
export async function hostileJwts(
  inputs: CorpusInputs,
): Promise<HostileToken[]> {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: inputs.issuer,
    aud: inputs.audience,
    sub: 'attacker',
    iat: now,
    exp: now + 300,
  };
  const rsa = (await importJWK(inputs.providerRsa, 'RS256')) as KeyLike;
  const ec = (await importJWK(inputs.providerEc, 'ES256')) as KeyLike;
  const attacker = await generateKeyPair('RS256', { extractable: true });
  const attackerJwk = await exportJWK(attacker.publicKey);
  const providerPublic = {
    kty: inputs.providerRsa.kty,
    n: inputs.providerRsa.n,
    e: inputs.providerRsa.e,
  };
  const providerPem = await exportSPKI(
    (await importJWK(providerPublic, 'RS256')) as KeyLike,
  );

  const signRsa = (header: Record<string, unknown>, payload: object = claims) =>
    new SignJWT({ ...payload })
      .setProtectedHeader({
        alg: 'RS256',
        kid: inputs.providerRsa.kid,
        typ: 'JWT',
        ...header,
      })
      .sign(rsa);
  const signAttacker = (header: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', ...header })
      .sign(attacker.privateKey);
  const hmac = (alg: string, secret: string) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg, kid: inputs.providerRsa.kid })
      .sign(new TextEncoder().encode(secret));
  /** Signs segments jose refuses to produce, with the provider's own key. */
  const signRaw = (headerSegment: string, payloadSegment: string) => {
    const input = `${headerSegment}.${payloadSegment}`;
    const key = createPrivateKey({
      key: inputs.providerRsa as never,
      format: 'jwk',
    });
    return `${input}.${cryptoSign('sha256', Buffer.from(input), key).toString('base64url')}`;
  };

  const valid = await signRsa({});
  const [h, p, s] = valid.split('.');
  const validEc = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: inputs.providerEc.kid })
    .sign(ec);
  const [eh, ep] = validEc.split('.');
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  const corpus: HostileToken[] = [
    ...['none', 'None', 'NONE', 'nOnE'].flatMap(alg => [
      {
        attack: `alg ${alg}, empty signature`,
        token: `${b64({ alg, typ: 'JWT' })}.${b64(claims)}.`,
        jwksReason: 'alg_not_allowed',
      },
      {
        attack: `alg ${alg}, with a signature`,
        token: `${b64({ alg })}.${b64(claims)}.${s}`,
        jwksReason: 'alg_not_allowed',
      },
    ]),
    {
      attack: 'HS256 keyed with the provider public key (PEM)',
      token: await hmac('HS256', providerPem),
      jwksReason: 'alg_not_allowed',
    },
    {
      attack: 'HS256 keyed with the provider public key (JWK)',
      token: await hmac('HS256', JSON.stringify(providerPublic)),
      jwksReason: 'alg_not_allowed',
    },
    {
      attack: 'HS512 keyed with the provider public key',
      token: await hmac('HS512', providerPem),
      jwksReason: 'alg_not_allowed',
    },
    {
      attack: 'embedded jwk (attacker key) with the provider kid',
      token: await signAttacker({
        jwk: attackerJwk,
        kid: inputs.providerRsa.kid,
      }),
      jwksReason: 'bad_signature',
    },
    {
      attack: 'embedded jwk without kid',
      token: await signAttacker({ jwk: attackerJwk }),
      jwksReason: 'bad_signature',
    },
    {
      attack: 'jku pointing at the attacker',
      token: await signAttacker({ jku: inputs.spyUrl, kid: 'attacker' }),
      jwksReason: 'unknown_kid',
    },
    {
      attack: 'x5u pointing at the attacker',
      token: await signAttacker({ x5u: inputs.spyUrl, kid: 'attacker' }),
      jwksReason: 'unknown_kid',
    },
    {
      attack: 'x5c with an attacker certificate',
      token: await signAttacker({
        x5c: [Buffer.from('not a real certificate').toString('base64')],
        kid: inputs.providerRsa.kid,
      }),
      jwksReason: 'bad_signature',
    },
    ...[
      '../../../../etc/passwd',
      "' OR '1'='1",
      inputs.spyUrl,
      `${'k'.repeat(4000)}`,
    ].map(kid => ({
      attack: `kid injection: ${kid.length > 40 ? `${kid.length} characters` : kid}`,
      token: '',
      kid,
      jwksReason: 'unknown_kid',
    })),
    {
      attack: 'kid as an object',
      token: await signRsa({ kid: { $ne: null } as never }),
    },
    {
      attack: 'unknown crit header parameter',
      token: signRaw(
        b64({
          alg: 'RS256',
          kid: inputs.providerRsa.kid,
          crit: ['exp'],
          exp: 1,
        }),
        p,
      ),
      jwksReason: 'malformed',
    },
    {
      attack: 'unencoded payload (b64: false)',
      token: signRaw(
        b64({
          alg: 'RS256',
          kid: inputs.providerRsa.kid,
          b64: false,
          crit: ['b64'],
        }),
        b64(claims),
      ),
      jwksReason: 'malformed',
    },
    {
      attack: 'JWE encrypted to the provider public key instead of a JWS',
      token: await new CompactEncrypt(Buffer.from(JSON.stringify(claims)))
        .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })
        .encrypt(
          await importJWK(
            { ...providerPublic, alg: 'RSA-OAEP-256' },
            'RSA-OAEP-256',
          ),
        ),
      jwksReason: 'malformed',
    },
    {
      attack: 'psychic ECDSA signature r = s = 0 (raw)',
      token: `${eh}.${ep}.${Buffer.alloc(64).toString('base64url')}`,
      jwksReason: 'bad_signature',
    },
    {
      attack: 'psychic ECDSA signature r = s = 0 (DER)',
      token: `${eh}.${ep}.${Buffer.from([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]).toString('base64url')}`,
      jwksReason: 'bad_signature',
    },
    {
      attack: 'signature from another key under the provider kid',
      token: await signAttacker({ kid: inputs.providerRsa.kid }),
      jwksReason: 'bad_signature',
    },
    {
      attack: 'stripped signature',
      token: `${h}.${p}.`,
      jwksReason: 'bad_signature',
    },
    {
      attack: 'truncated signature',
      token: `${h}.${p}.${s.slice(0, 100)}`,
      jwksReason: 'bad_signature',
    },
    {
      attack: 'payload swapped under a valid signature',
      token: `${h}.${b64({ ...claims, sub: 'admin' })}.${s}`,
      jwksReason: 'bad_signature',
    },
    {
      attack: 'non-canonical base64 (standard alphabet, padding)',
      token: `${h}.${p}.${Buffer.from(s, 'base64url').toString('base64')}`,
      jwksReason: 'malformed',
    },
    {
      attack: 'duplicated segments',
      token: `${h}.${p}.${s}.${s}`,
      jwksReason: 'malformed',
    },
    {
      attack: 'two tokens joined',
      token: `${valid}.${valid}`,
      jwksReason: 'malformed',
    },
    {
      attack: 'huge header (7 KB)',
      token: await signRsa({ junk: 'x'.repeat(7000) }),
      jwksReason: 'too_large',
    },
    {
      attack: 'oversized token (12 KB)',
      token: `${h}.${b64({ ...claims, junk: 'x'.repeat(9000) })}.${s}`,
      jwksReason: 'too_large',
    },
    {
      attack: 'deeply nested JSON payload (2,500 levels)',
      token: `${h}.${b64(`{"a":${nested(2500)}}`)}.${s}`,
      // Parsed without trouble; it has no iss, so no entry goes further.
      jwksReason: 'issuer_mismatch',
    },
    {
      attack: 'non-UTF-8 payload',
      token: `${h}.${Buffer.from([0xff, 0xfe, 0xfd, 0x80]).toString('base64url')}.${s}`,
      jwksReason: 'malformed',
    },
    {
      attack: 'header that is not an object',
      token: `${b64({ alg: 'RS256' }).slice(0, 3)}${b64([1]).slice(3)}.${p}.${s}`,
    },
    {
      attack: 'expired, correctly signed',
      token: await signRsa({}, { ...claims, exp: now - 3600 }),
      jwksReason: 'expired',
    },
    {
      attack: 'exp as a string',
      token: await signRsa({}, { ...claims, exp: 'never' as never }),
      jwksReason: 'claim_mismatch',
    },
    {
      attack: 'no exp',
      token: await signRsa({}, { ...claims, exp: undefined }),
      jwksReason: 'claim_mismatch',
    },
    {
      attack: 'issued in the future',
      token: await signRsa({}, { ...claims, iat: now + 3600, exp: now + 7200 }),
      jwksReason: 'not_yet_valid',
    },
    {
      attack: 'issuer with a trailing slash',
      token: await signRsa({}, { ...claims, iss: `${inputs.issuer}/` }),
      jwksReason: 'issuer_mismatch',
    },
    {
      attack: 'issuer named by a URL the attacker controls',
      token: await signRsa({}, { ...claims, iss: inputs.spyUrl }),
      jwksReason: 'issuer_mismatch',
    },
    {
      attack: 'audience of another application',
      token: await signRsa({}, { ...claims, aud: 'other-app' }),
      jwksReason: 'audience_mismatch',
    },
    {
      attack: "audience 'backstage' (user-token confusion)",
      token: await signRsa({}, { ...claims, aud: 'backstage' }),
    },
    {
      attack: 'security event token typ',
      token: await signRsa({ typ: 'secevent+jwt' }),
      jwksReason: 'typ_mismatch',
    },
    {
      attack: 'Backstage plugin token typ, attacker-signed',
      token: await signAttacker({ typ: 'vnd.backstage.plugin', kid: 'x' }),
    },
    {
      attack: 'Backstage user token typ, attacker-signed',
      token: await signAttacker({ typ: 'vnd.backstage.user', kid: 'x' }),
    },
  ];
  // kid injections are signed by the provider key, with the hostile kid.
  for (const entry of corpus) {
    const kid = (entry as HostileToken & { kid?: string }).kid;
    if (kid !== undefined) {
      entry.token = await signRsa({ kid });
      delete (entry as { kid?: string }).kid;
    }
  }
  return corpus;
}

/** Probes against static tokens: near misses of a real token. */
export function staticProbes(validToken: string, hash: string): HostileToken[] {
  const flip = (i: number) =>
    validToken.slice(0, i) +
    (validToken[i] === 'a' ? 'b' : 'a') +
    validToken.slice(i + 1);
  return [
    {
      attack: 'static: prefix of a valid token',
      token: validToken.slice(0, -1),
    },
    {
      attack: 'static: the first half of a valid token',
      token: validToken.slice(0, validToken.length / 2),
    },
    {
      attack: 'static: a valid token with one character changed (first)',
      token: flip(0),
    },
    {
      attack: 'static: a valid token with one character changed (last)',
      token: flip(validToken.length - 1),
    },
    { attack: 'static: the valid token twice', token: validToken + validToken },
    {
      attack: "static: the configured hash ('sha256:...') as the token",
      token: hash,
    },
    {
      attack: 'static: the hash hex digits as the token',
      token: hash.slice('sha256:'.length),
    },
    {
      attack: 'static: upper-cased valid token',
      token: validToken.toUpperCase(),
    },
    { attack: 'static: 4 KB of a repeated character', token: 'a'.repeat(4097) },
  ];
}
