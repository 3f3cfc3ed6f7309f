import { randomBytes, randomUUID, sign } from 'node:crypto';
import type { Alg, Provider } from './identityProviders';

/** Every minted JWT lives this long, longer than any run. */
const LIFETIME_SEC = 6 * 60 * 60;

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A random static token of 43 characters, like `gatehouse token create` makes. */
export function randomStaticToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A JWT as the provider would issue it (its header, kid and claims) but with
 * a fresh `jti` and lifetime, signed with the provider's own private key, so
 * that it verifies against the provider's JWKS like a real one.
 */
export function mintJwt(provider: Provider, alg: Alg): string {
  const template = provider.templates[alg];
  const now = Math.floor(Date.now() / 1000);
  const signingInput = `${segment(template.header)}.${segment({
    ...template.payload,
    jti: randomUUID(),
    iat: now,
    exp: now + LIFETIME_SEC,
  })}`;
  const signature = sign('sha256', Buffer.from(signingInput), {
    key: provider.signingKeys[alg].privateKey,
    // JWS wants r||s for ECDSA, not DER.
    dsaEncoding: 'ieee-p1363',
  });
  return `${signingInput}.${signature.toString('base64url')}`;
}

export function mintPool(provider: Provider, alg: Alg, size: number): string[] {
  return Array.from({ length: size }, () => mintJwt(provider, alg));
}

/** Walks a pool round-robin; a pool larger than an LRU cache never hits it. */
export function cycle(pool: string[]): () => string {
  let next = 0;
  return () => {
    const token = pool[next];
    next = (next + 1) % pool.length;
    return token;
  };
}

/** Not a JWT, not a configured token: what a scanner sends. */
export function garbageToken(): string {
  return randomBytes(16 + Math.floor(Math.random() * 48)).toString('base64url');
}

/** A well-formed token with its signature replaced by random bytes of the same length. */
export function withBadSignature(token: string): string {
  const dot = token.lastIndexOf('.');
  const length = Buffer.from(token.slice(dot + 1), 'base64url').length;
  return `${token.slice(0, dot)}.${randomBytes(length).toString('base64url')}`;
}

/**
 * A token from the provider's issuer and audience, current, but naming a
 * `kid` the provider never published: each one makes a naive verifier look
 * for a new key set.
 */
export function randomKidJwt(provider: Provider): string {
  const template = provider.templates.ES256;
  const now = Math.floor(Date.now() / 1000);
  const header = { ...template.header, kid: randomBytes(8).toString('hex') };
  const payload = {
    ...template.payload,
    jti: randomUUID(),
    iat: now,
    exp: now + LIFETIME_SEC,
  };
  return `${segment(header)}.${segment(payload)}.${randomBytes(64).toString('base64url')}`;
}
