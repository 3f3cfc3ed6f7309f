import { createPrivateKey, KeyObject } from 'node:crypto';
import {
  IdentityProviderProcess,
  spawnIdentityProvider,
} from '../src/testing/identityProviderProcess';

export type Alg = 'ES256' | 'RS256';

/** A real token of the provider, decoded: what hand-minted tokens copy. */
export interface TokenTemplate {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/** One running dev/identityProvider/server.mjs and what minting needs from it. */
export interface Provider {
  /** 1-based, as in "a token from the 5th provider". */
  number: number;
  issuer: string;
  jwksUri: string;
  audience: string;
  signingKeys: Record<Alg, { kid: string; privateKey: KeyObject }>;
  templates: Record<Alg, TokenTemplate>;
  process: IdentityProviderProcess;
}

const CLIENT_OF: Record<Alg, string> = {
  ES256: 'es256-client',
  RS256: 'rs256-client',
};

async function getJson(url: string, init?: RequestInit): Promise<unknown> {
  const response = await fetch(url, init);
  if (!response.ok) {
    throw new Error(`${url}: ${response.status} ${await response.text()}`);
  }
  return response.json();
}

function decodeSegment(segment: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

async function realToken(
  ready: IdentityProviderProcess['ready'],
  alg: Alg,
): Promise<TokenTemplate> {
  const client = CLIENT_OF[alg];
  const body = (await getJson(ready.tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client}:${ready.clients[client].secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  })) as { access_token: string };
  const [header, payload] = body.access_token.split('.');
  return { header: decodeSegment(header), payload: decodeSegment(payload) };
}

/**
 * Starts `count` providers, each with fresh RS256 and ES256 keys, and reads
 * their private signing keys (control API) and one real token per algorithm,
 * so that the benchmark can mint as many tokens as it needs with the
 * provider's own kid, header and claims.
 */
export async function startProviders(count: number): Promise<Provider[]> {
  const processes = await Promise.all(
    Array.from({ length: count }, () => spawnIdentityProvider(0)),
  );
  return Promise.all(
    processes.map(async (idp, i) => {
      const { ready } = idp;
      const { keys } = (await getJson(`${ready.controlUrl}/signing-keys`)) as {
        keys: Array<Record<string, string>>;
      };
      const signingKey = (alg: Alg) => {
        const jwk = keys.find(k => k.alg === alg)!;
        return {
          kid: jwk.kid,
          privateKey: createPrivateKey({ key: jwk, format: 'jwk' }),
        };
      };
      return {
        number: i + 1,
        issuer: ready.issuer,
        jwksUri: ready.jwksUri,
        audience: ready.defaultAudience,
        signingKeys: { ES256: signingKey('ES256'), RS256: signingKey('RS256') },
        templates: {
          ES256: await realToken(ready, 'ES256'),
          RS256: await realToken(ready, 'RS256'),
        },
        process: idp,
      };
    }),
  );
}

/** Requests each provider's JWKS endpoint has received since its last reset. */
export async function jwksCounts(providers: Provider[]): Promise<number[]> {
  return Promise.all(
    providers.map(async p => {
      const counts = (await getJson(
        `${p.process.ready.controlUrl}/counts`,
      )) as { jwks: number };
      return counts.jwks;
    }),
  );
}

export async function resetJwksCounts(providers: Provider[]): Promise<void> {
  await Promise.all(
    providers.map(p =>
      getJson(`${p.process.ready.controlUrl}/counts/reset`, {
        method: 'POST',
      }),
    ),
  );
}
