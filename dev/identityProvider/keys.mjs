import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

export const SUPPORTED_ALGS = ['RS256', 'ES256'];

const KEY_PARAMS = {
  RS256: ['rsa', { modulusLength: 2048 }],
  ES256: ['ec', { namedCurve: 'P-256' }],
};

/** A private signing JWK with `kid`, `alg` and `use`, as oidc-provider's `jwks` wants it. */
export async function generateSigningKey(alg, kid) {
  if (!SUPPORTED_ALGS.includes(alg)) {
    throw new RangeError(`unsupported alg ${alg}`);
  }
  const [type, options] = KEY_PARAMS[alg];
  const { privateKey } = await generate(type, options);
  // A random suffix keeps kids distinct across restarts, so a verifier's
  // cache never meets the same kid bound to different key material by accident.
  return {
    ...privateKey.export({ format: 'jwk' }),
    kid: kid ?? `${alg.toLowerCase()}-${randomBytes(4).toString('hex')}`,
    alg,
    use: 'sig',
  };
}

/**
 * The provider's key set. Newest first: the first key of an alg signs, the
 * others stay published so tokens they signed still verify.
 */
export class KeyRing {
  #keys;

  constructor(keys) {
    this.#keys = [...keys];
  }

  static async generate() {
    return new KeyRing(
      await Promise.all(SUPPORTED_ALGS.map(alg => generateSigningKey(alg))),
    );
  }

  get keys() {
    return this.#keys.map(key => ({ ...key }));
  }

  activeKid(alg) {
    return this.#keys.find(key => key.alg === alg)?.kid;
  }

  has(kid) {
    return this.#keys.some(key => key.kid === kid);
  }

  /** Returns a new ring; the instance a running provider was built from never changes. */
  withKey(key) {
    return new KeyRing([key, ...this.#keys]);
  }

  withoutKey(kid) {
    return new KeyRing(this.#keys.filter(key => key.kid !== kid));
  }

  summary() {
    return this.#keys.map(({ kid, alg }) => ({
      kid,
      alg,
      active: this.activeKid(alg) === kid,
    }));
  }
}
