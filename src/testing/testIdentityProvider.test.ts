import {
  SignJWT,
  createRemoteJWKSet,
  decodeProtectedHeader,
  importJWK,
  jwtVerify,
} from 'jose';
import {
  TestIdentityProvider,
  startTestIdentityProvider,
} from './testIdentityProvider';

let idp: TestIdentityProvider;

beforeAll(async () => {
  idp = await startTestIdentityProvider();
});

afterAll(async () => {
  await idp?.stop();
});

afterEach(async () => {
  await idp.setFault('jwks', 'ok');
  await idp.setFault('discovery', 'ok');
});

// A fresh key set per verification, so no test sees another's cached JWKS.
function verify(token: string, audience = 'backstage-api') {
  return jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUri)), {
    issuer: idp.issuer,
    audience,
    typ: 'at+jwt',
  });
}

describe('discovery', () => {
  it('is served by oidc-provider under the issuer, pointing at its JWKS', async () => {
    const response = await fetch(idp.discoveryUrl);
    const document = (await response.json()) as Record<string, unknown>;

    expect(idp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(document).toMatchObject({
      issuer: idp.issuer,
      jwks_uri: idp.jwksUri,
      token_endpoint: idp.tokenEndpoint,
    });
    expect(document.grant_types_supported).toContain('client_credentials');
  });
});

describe('tokens', () => {
  it.each([
    ['rs256-client', 'RS256'],
    ['es256-client', 'ES256'],
  ] as const)('%s gets an %s JWT access token', async (client, alg) => {
    const token = await idp.getToken({ client });
    const { payload, protectedHeader } = await verify(token);

    expect(protectedHeader).toEqual({
      alg,
      typ: 'at+jwt',
      kid: expect.any(String),
    });
    expect(payload).toMatchObject({
      iss: idp.issuer,
      aud: 'backstage-api',
      sub: client,
      client_id: client,
      repository_owner: 'my-org',
      ref: 'refs/heads/main',
      run_number: 42,
      protected: true,
      groups: ['a', 'b'],
    });
    expect(payload.exp! - payload.iat!).toBe(600);
  });

  it('takes the audience from the request, bare word or URI', async () => {
    const bare = await idp.getToken({ audience: 'other-api' });
    const uri = await idp.getToken({ audience: 'https://backstage.test' });

    expect((await verify(bare, 'other-api')).payload.aud).toBe('other-api');
    expect((await verify(uri, 'https://backstage.test')).payload.aud).toBe(
      'https://backstage.test',
    );
  });

  it('applies claim and header overrides, null removing', async () => {
    const token = await idp.getToken({
      claims: { ref: null, repository_owner: 'evil-org', sub: 'someone' },
      header: { typ: 'JWT' },
      scope: 'read',
    });

    expect(decodeProtectedHeader(token).typ).toBe('JWT');
    const { payload } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(idp.jwksUri)),
      { issuer: idp.issuer, audience: 'backstage-api' },
    );
    expect(payload).toMatchObject({
      repository_owner: 'evil-org',
      sub: 'someone',
      scope: 'read',
    });
    expect(payload).not.toHaveProperty('ref');
  });

  it('exposes private keys that match the published kids', async () => {
    const [jwk] = await idp.signingKeys();
    const key = await importJWK(jwk, jwk.alg);
    const handMade = await new SignJWT({ hand: 'made' })
      .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'at+jwt' })
      .setIssuer(idp.issuer)
      .setAudience('backstage-api')
      .setExpirationTime('1m')
      .sign(key);

    expect((await verify(handMade)).payload.hand).toBe('made');
    expect(await idp.kids()).toContain(jwk.kid);
  });
});

describe('key rotation', () => {
  it('signs with the new key and keeps the old one published until removed', async () => {
    const before = await idp.getToken({ client: 'es256-client' });
    const oldKid = decodeProtectedHeader(before).kid!;

    const newKid = await idp.rotate('ES256');
    const after = await idp.getToken({ client: 'es256-client' });

    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    expect(await idp.kids()).toEqual(expect.arrayContaining([oldKid, newKid]));
    await expect(verify(before)).resolves.toBeDefined();
    await expect(verify(after)).resolves.toBeDefined();

    await idp.removeKey(oldKid);

    expect(await idp.kids()).not.toContain(oldKid);
    const jwks = (await (await fetch(idp.jwksUri)).json()) as {
      keys: { kid: string }[];
    };
    expect(jwks.keys.map(key => key.kid)).not.toContain(oldKid);
    await expect(verify(before)).rejects.toThrow(/no applicable key/i);
    await expect(verify(after)).resolves.toBeDefined();
  });

  it('accepts a chosen kid and refuses to drop the last key of an alg', async () => {
    const kid = await idp.rotate('RS256', { kid: 'chosen-kid' });
    const token = await idp.getToken();

    expect(kid).toBe('chosen-kid');
    expect(decodeProtectedHeader(token).kid).toBe('chosen-kid');
    await expect(idp.rotate('RS256', { kid: 'chosen-kid' })).rejects.toThrow(
      /409/,
    );
    const esKids = (await idp.keys()).filter(key => key.alg === 'ES256');
    expect(esKids).toHaveLength(1);
    await expect(idp.removeKey(esKids[0].kid)).rejects.toThrow(/409/);
  });
});

describe('faults', () => {
  it.each(['jwks', 'discovery'] as const)(
    'down on %s resets the connection, for that endpoint only',
    async endpoint => {
      await idp.setFault(endpoint, 'down');
      const other = endpoint === 'jwks' ? idp.discoveryUrl : idp.jwksUri;
      const faulted = endpoint === 'jwks' ? idp.jwksUri : idp.discoveryUrl;

      await expect(fetch(faulted)).rejects.toThrow();
      expect((await fetch(other)).status).toBe(200);
    },
  );

  it('http500 answers 500', async () => {
    await idp.setFault('jwks', 'http500');

    expect((await fetch(idp.jwksUri)).status).toBe(500);
  });

  it('garbage answers 200 with a body that is not JSON', async () => {
    await idp.setFault('discovery', 'garbage');
    const response = await fetch(idp.discoveryUrl);

    expect(response.status).toBe(200);
    // Matched by message: undici's SyntaxError comes from outside Jest's realm.
    await expect(response.json()).rejects.toThrow(/not valid JSON/);
  });

  it('garbage-json answers 200 with JSON that is no key set', async () => {
    await idp.setFault('jwks', 'garbage-json');
    const response = await fetch(idp.jwksUri);

    expect(response.status).toBe(200);
    expect(await response.json()).not.toHaveProperty('keys');
  });

  it('slow delays a normal answer', async () => {
    await idp.setFault('jwks', 'slow', { delayMs: 400 });
    const started = Date.now();
    const response = await fetch(idp.jwksUri);

    const jwks = (await response.json()) as { keys: unknown[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
  });

  it.each([false, true])(
    'huge sends megabytes (Content-Length: %s)',
    async contentLength => {
      const sizeBytes = 3 * 1024 * 1024;
      await idp.setFault('jwks', 'huge', { sizeBytes, contentLength });
      const response = await fetch(idp.jwksUri);

      expect(response.headers.has('content-length')).toBe(contentLength);
      expect((await response.arrayBuffer()).byteLength).toBe(sizeBytes);
    },
  );

  it('custom serves any document, e.g. a mix-up issuer', async () => {
    const body = JSON.stringify({ issuer: 'https://evil.test' });
    await idp.setFault('discovery', 'custom', { body });

    expect(await (await fetch(idp.discoveryUrl)).json()).toEqual({
      issuer: 'https://evil.test',
    });
  });

  it('times limits a fault to the next N requests', async () => {
    await idp.setFault('jwks', 'http500', { times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await fetch(idp.jwksUri)).status);
    }

    expect(statuses).toEqual([500, 500, 200]);
  });
});

describe('request counts', () => {
  it('counts JWKS, discovery and token requests, faulted ones too', async () => {
    await idp.resetCounts();
    await idp.setFault('jwks', 'http500', { times: 1 });
    await fetch(idp.jwksUri);
    await fetch(idp.jwksUri);
    await fetch(idp.discoveryUrl);
    await idp.getToken();

    expect(await idp.requestCounts()).toEqual({
      jwks: 2,
      discovery: 1,
      token: 1,
    });
    await idp.resetCounts();
    expect(await idp.requestCounts()).toEqual({
      jwks: 0,
      discovery: 0,
      token: 0,
    });
  });
});

describe('going down and coming back', () => {
  it('restart keeps port and keys, so earlier tokens still verify', async () => {
    const token = await idp.getToken();
    const kids = await idp.kids();

    await idp.restart();

    expect(await idp.kids()).toEqual(kids);
    await expect(verify(token)).resolves.toBeDefined();
  });

  it('stop frees the port for a new provider on the same port', async () => {
    const { port, issuer } = idp;
    await idp.stop();
    await expect(fetch(idp.discoveryUrl)).rejects.toThrow();

    idp = await startTestIdentityProvider({ port });

    expect(idp.issuer).toBe(issuer);
    await expect(verify(await idp.getToken())).resolves.toBeDefined();
  });
});
