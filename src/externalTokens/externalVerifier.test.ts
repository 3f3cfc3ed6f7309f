import {
  BackendFeature,
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import Router from 'express-promise-router';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from '../testing/startGatehouseTestBackend';
import {
  staticPluginKeyStore,
  StaticPluginKey,
  writeStaticPluginKey,
} from '../testing/staticPluginKeys';
import { BACKSTAGE_GUARDS_DELEGATION } from '../testing/backstageLine';
import { authBackendForTests, getUserToken } from '../testing/userTokens';
import { externalAudienceTokenServiceRef } from './externalAudienceTokenServiceRef';

/**
 * Tokens from `externalAudienceTokenServiceRef`, issued by a real backend and
 * checked by an independent, non-JavaScript verifier (PyJWT, Debian's
 * python3-jwt) the way HashiCorp Vault's JWT auth checks them: `jwks_url` of
 * the source plugin, `bound_audiences`, `bound_subject`,
 * `jwt_supported_algs=ES256`, `clock_skew_leeway`.
 */

/** Debian's python3 with python3-jwt 2.6, not a pyenv python from PATH. */
const PYTHON = '/usr/bin/python3';
const VERIFIER = join(__dirname, 'vault_like_verify.py');

const TESTER_TOKEN = 'gth_external-verifier-tester-0123456789ab';
const RESTRICTED_TOKEN = 'gth_external-verifier-restricted-01234567';

const externalAccess = [
  {
    type: 'gatehouse-static',
    options: { subject: 'tester', token: TESTER_TOKEN },
  },
  {
    type: 'gatehouse-static',
    options: { subject: 'terraform-only', token: RESTRICTED_TOKEN },
    accessRestrictions: [{ plugin: 'terraform' }],
  },
];

/**
 * A plugin that hands out tokens for an external audience:
 * `GET /vault-token?audience=` as the plugin itself, and
 * `GET /vault-token-for-me?audience=` on behalf of the caller.
 */
function createTerraformPlugin(): BackendFeature {
  return createBackendPlugin({
    pluginId: 'terraform',
    register(env) {
      env.registerInit({
        deps: {
          httpRouter: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
          externalAudienceTokens: externalAudienceTokenServiceRef,
        },
        async init({ httpRouter, httpAuth, externalAudienceTokens }) {
          const router = Router();
          const audienceOf = (query: unknown): string => {
            const { audience } = query as { audience?: unknown };
            if (typeof audience !== 'string') {
              throw new InputError('Use ?audience=<audience>');
            }
            return audience;
          };
          router.get('/vault-token', async (req, res) => {
            await httpAuth.credentials(req);
            const { token, expiresAt } = await externalAudienceTokens.getToken({
              audience: audienceOf(req.query),
            });
            res.json({ token, expiresAt: expiresAt.toISOString() });
          });
          router.get('/vault-token-for-me', async (req, res) => {
            const onBehalfOf = await httpAuth.credentials(req);
            const { token, expiresAt } = await externalAudienceTokens.getToken({
              audience: audienceOf(req.query),
              onBehalfOf,
            });
            res.json({ token, expiresAt: expiresAt.toISOString() });
          });
          httpRouter.use(router);
        },
      });
    },
  });
}

/** A plugin whose only purpose is to make `catalog` a plugin id of the backend. */
const catalogStub = createBackendPlugin({
  pluginId: 'catalog',
  register(env) {
    env.registerInit({ deps: {}, async init() {} });
  },
});

interface Issued {
  status: number;
  body: {
    token?: string;
    expiresAt?: string;
    error?: { name: string; message: string };
  };
}

async function issue(
  backend: GatehouseTestBackend,
  audience: string,
  options: { route?: 'vault-token' | 'vault-token-for-me'; as?: string } = {},
): Promise<Issued> {
  const response = await request(backend.server)
    .get(`/api/terraform/${options.route ?? 'vault-token'}`)
    .query({ audience })
    .set('Authorization', `Bearer ${options.as ?? TESTER_TOKEN}`);
  return { status: response.status, body: response.body as Issued['body'] };
}

async function issueToken(
  backend: GatehouseTestBackend,
  audience: string,
): Promise<string> {
  const { status, body } = await issue(backend, audience);
  expect(status).toBe(200);
  return body.token!;
}

/** `jwks_url` for Vault: the source plugin's JWKS, on the backend's real port. */
function jwksUrl(backend: GatehouseTestBackend, pluginId = 'terraform') {
  const { address, family, port } = backend.server.address() as AddressInfo;
  let host = address;
  if (address === '::' || address === '0.0.0.0') {
    host = family === 'IPv6' ? '::1' : '127.0.0.1';
  }
  if (host.includes(':')) {
    host = `[${host}]`;
  }
  return `http://${host}:${port}/api/${pluginId}/.backstage/auth/v1/jwks.json`;
}

interface VerifierResult {
  ok: boolean;
  sub: string | null;
  aud: string | string[] | null;
  exp: number | null;
  iat: number | null;
  kid: string | null;
  error: string | null;
  message: string | null;
}

/**
 * Runs the Python verifier. Asynchronous on purpose: the verifier fetches the
 * JWKS from this process's backend, whose event loop must keep running.
 */
function vaultLikeVerify(
  token: string,
  options: {
    jwksUrl: string;
    boundAudience: string;
    boundSubject: string;
    nowOffsetSeconds?: number;
    clockSkewLeeway?: number;
    supportedAlg?: string;
  },
): Promise<VerifierResult & { exitCode: number | null }> {
  const args = [
    '-I',
    VERIFIER,
    '--jwks-url',
    options.jwksUrl,
    '--bound-audience',
    options.boundAudience,
    '--bound-subject',
    options.boundSubject,
    '--supported-alg',
    options.supportedAlg ?? 'ES256',
  ];
  if (options.nowOffsetSeconds !== undefined) {
    args.push('--now-offset', String(options.nowOffsetSeconds));
  }
  if (options.clockSkewLeeway !== undefined) {
    args.push('--clock-skew-leeway', String(options.clockSkewLeeway));
  }
  return new Promise((resolve, reject) => {
    // A minimal environment: no proxy variables that would send the loopback
    // JWKS request elsewhere, no PYTHON* variables (-I ignores them anyway).
    const child = spawn(PYTHON, args, {
      env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', chunk => (stdout += chunk));
    child.stderr.on('data', chunk => (stderr += chunk));
    child.on('error', reject);
    child.on('close', exitCode => {
      try {
        expect(stdout).not.toContain(token);
        expect(stderr).not.toContain(token);
        expect(stderr).toBe('');
        resolve({ ...(JSON.parse(stdout) as VerifierResult), exitCode });
      } catch (error) {
        reject(
          new Error(
            `verifier failed (exit ${exitCode}): ${String(error)}\nstdout: ${stdout}\nstderr: ${stderr}`,
          ),
        );
      }
    });
    child.stdin.end(token);
  });
}

function requirePython() {
  if (!existsSync(PYTHON)) {
    throw new Error(`${PYTHON} is missing: apt-get install python3-jwt`);
  }
}

describe('external audience tokens, checked like Vault by PyJWT', () => {
  let backend: GatehouseTestBackend;
  let vaultToken: string;

  beforeAll(async () => {
    requirePython();
    const authBackend = authBackendForTests();
    backend = await startGatehouseTestBackend({
      externalAccess,
      extraConfig: authBackend.config,
      features: [createTerraformPlugin(), catalogStub, ...authBackend.features],
    });
    vaultToken = await issueToken(backend, 'vault-jwt');
  });
  afterAll(() => backend?.stop());

  const vault = (
    token: string,
    options: Partial<Parameters<typeof vaultLikeVerify>[1]> = {},
  ) =>
    vaultLikeVerify(token, {
      jwksUrl: jwksUrl(backend),
      boundAudience: 'vault-jwt',
      boundSubject: 'terraform',
      ...options,
    });

  it('is accepted with bound_audiences=vault-jwt and bound_subject=terraform', async () => {
    const result = await vault(vaultToken);
    const claims = decodeJwt(vaultToken);
    expect(result).toEqual({
      exitCode: 0,
      ok: true,
      sub: 'terraform',
      aud: 'vault-jwt',
      exp: claims.exp,
      iat: claims.iat,
      kid: decodeProtectedHeader(vaultToken).kid,
      error: null,
      message: null,
    });
  });

  it('is a Backstage plugin token: typ, ES256, kid; sub, aud, iat, exp = iat + 3600; no iss, no obo', async () => {
    const { status, body } = await issue(backend, 'vault-jwt');
    expect(status).toBe(200);
    const header = decodeProtectedHeader(body.token!);
    expect(header).toEqual({
      typ: 'vnd.backstage.plugin',
      alg: 'ES256',
      kid: expect.any(String),
    });
    expect(header.kid).toBe('test-key-1');
    const claims = decodeJwt(body.token!);
    expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'sub']);
    expect(claims).toMatchObject({ sub: 'terraform', aud: 'vault-jwt' });
    expect(claims.exp).toBe(claims.iat! + 3600);
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(30);
    expect(body.expiresAt).toBe(new Date(claims.exp! * 1000).toISOString());
  });

  it('is rejected for another bound audience or another bound subject', async () => {
    await expect(
      vault(vaultToken, { boundAudience: 'other-audience' }),
    ).resolves.toMatchObject({
      exitCode: 1,
      ok: false,
      error: 'InvalidAudienceError',
      sub: null,
    });
    await expect(
      vault(vaultToken, { boundSubject: 'catalog' }),
    ).resolves.toMatchObject({
      exitCode: 1,
      ok: false,
      error: 'InvalidSubjectError',
    });
  });

  it('is refused for audiences that are plugin ids of the backend', async () => {
    for (const audience of ['catalog', 'terraform', 'demo', 'auth']) {
      const { status, body } = await issue(backend, audience);
      expect({ audience, status, error: body.error?.name }).toEqual({
        audience,
        status: 400,
        error: 'InputError',
      });
      expect(body.error?.message).toContain('is the id of a plugin');
      expect(body.token).toBeUndefined();
    }
  });

  it('for another external audience is rejected by a verifier bound to vault-jwt', async () => {
    const notVault = await issueToken(backend, 'not-vault');
    await expect(vault(notVault)).resolves.toMatchObject({
      ok: false,
      error: 'InvalidAudienceError',
    });
    await expect(
      vault(notVault, { boundAudience: 'not-vault' }),
    ).resolves.toMatchObject({ ok: true, aud: 'not-vault' });
  });

  it('on behalf of a static token caller is the plugin’s own token, without obo', async () => {
    const { status, body } = await issue(backend, 'vault-jwt', {
      route: 'vault-token-for-me',
    });
    expect(status).toBe(200);
    const claims = decodeJwt(body.token!);
    expect(claims.obo).toBeUndefined();
    expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'sub']);
    expect(claims).toMatchObject({ sub: 'terraform', aud: 'vault-jwt' });
    await expect(vault(body.token!)).resolves.toMatchObject({
      ok: true,
      sub: 'terraform',
    });
  });

  it('on behalf of a caller restricted to the plugin is refused (Backstage will not delegate)', async () => {
    const { status, body } = await issue(backend, 'vault-jwt', {
      route: 'vault-token-for-me',
      as: RESTRICTED_TOKEN,
    });
    expect(status).toBe(403);
    expect(body.error).toMatchObject({
      name: 'NotAllowedError',
      message: BACKSTAGE_GUARDS_DELEGATION
        ? "Access to target plugin 'vault-jwt' is not included in token's access restrictions"
        : // Before backend-defaults 0.17.8, Gatehouse's auth refuses every
          // restricted caller (src/auth).
          "Access to target plugin 'vault-jwt' cannot be delegated: the caller's token is restricted, and this Backstage version does not say which plugins it may reach",
    });
    // As the plugin itself, the same caller gets one.
    expect(
      (await issue(backend, 'vault-jwt', { as: RESTRICTED_TOKEN })).status,
    ).toBe(200);
  });

  it('on behalf of a user is refused: the token would carry the user’s token (obo)', async () => {
    const { token: userToken } = await getUserToken(backend.server);
    const { status, body } = await issue(backend, 'vault-jwt', {
      route: 'vault-token-for-me',
      as: userToken,
    });
    expect(status).toBe(403);
    expect(body.error).toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining('on behalf of a user principal'),
    });
    expect(body.token).toBeUndefined();
  });

  it('expires: rejected an hour later, past the 60 s clock skew leeway Vault allows by default', async () => {
    const exp = decodeJwt(vaultToken).exp!;
    const secondsToExp = exp - Math.floor(Date.now() / 1000);
    await expect(
      vault(vaultToken, { nowOffsetSeconds: secondsToExp + 90 }),
    ).resolves.toMatchObject({
      exitCode: 1,
      ok: false,
      error: 'ExpiredSignatureError',
    });
    // Within the default clock_skew_leeway (60 s) after exp: still accepted.
    await expect(
      vault(vaultToken, { nowOffsetSeconds: secondsToExp + 30 }),
    ).resolves.toMatchObject({ ok: true });
    // With clock_skew_leeway=-1 (no leeway), the same moment is too late.
    await expect(
      vault(vaultToken, {
        nowOffsetSeconds: secondsToExp + 30,
        clockSkewLeeway: -1,
      }),
    ).resolves.toMatchObject({ ok: false, error: 'ExpiredSignatureError' });
    // A verifier whose clock is 5 minutes behind sees iat in the future.
    await expect(
      vault(vaultToken, { nowOffsetSeconds: -300 }),
    ).resolves.toMatchObject({ ok: false, error: 'ImmatureSignatureError' });
  });

  it('is rejected when tampered with or when ES256 is not an accepted algorithm', async () => {
    const [header, payload, signature] = vaultToken.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...decodeJwt(vaultToken), sub: 'admin' }),
    ).toString('base64url');
    expect(payload).not.toBe(forged);
    await expect(
      vault(`${header}.${forged}.${signature}`, { boundSubject: 'admin' }),
    ).resolves.toMatchObject({ ok: false, error: 'InvalidSignatureError' });
    await expect(
      vault(vaultToken, { supportedAlg: 'RS256' }),
    ).resolves.toMatchObject({ ok: false, error: 'InvalidAlgorithmError' });
  });

  it('verifies with the JWKS of any plugin of the backend: bound_subject is what ties it to terraform', async () => {
    await expect(
      vault(vaultToken, { jwksUrl: jwksUrl(backend, 'demo') }),
    ).resolves.toMatchObject({ ok: true, sub: 'terraform' });
  });
});

describe('external audience tokens across a rotation of the static plugin keys', () => {
  let dir: string;
  let keyA: Required<StaticPluginKey>;
  let keyB: Required<StaticPluginKey>;
  let backend: GatehouseTestBackend | undefined;

  beforeAll(async () => {
    requirePython();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-rotation-'));
    keyA = await writeStaticPluginKey(dir, 'key-a');
    keyB = await writeStaticPluginKey(dir, 'key-b');
  });
  afterEach(async () => {
    await backend?.stop();
    backend = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = async (keys: StaticPluginKey[]) => {
    backend = await startGatehouseTestBackend({
      pluginKeyStore: staticPluginKeyStore(keys),
      externalAccess,
      features: [createTerraformPlugin()],
    });
    return backend;
  };
  const publicOnly = ({ keyId, publicKeyFile }: StaticPluginKey) => ({
    keyId,
    publicKeyFile,
  });
  const vault = (b: GatehouseTestBackend, token: string) =>
    vaultLikeVerify(token, {
      jwksUrl: jwksUrl(b),
      boundAudience: 'vault-jwt',
      boundSubject: 'terraform',
    });

  it('keeps old tokens valid while the old key is published, and rejects them after', async () => {
    // 1. Signing with A, B published ahead of time.
    let b = await start([keyA, publicOnly(keyB)]);
    const tokenA = await issueToken(b, 'vault-jwt');
    expect(decodeProtectedHeader(tokenA).kid).toBe('key-a');
    await expect(vault(b, tokenA)).resolves.toMatchObject({
      ok: true,
      kid: 'key-a',
    });
    await b.stop();
    backend = undefined;

    // 2. Signing with B, A still published: both tokens verify.
    b = await start([keyB, publicOnly(keyA)]);
    const tokenB = await issueToken(b, 'vault-jwt');
    expect(decodeProtectedHeader(tokenB).kid).toBe('key-b');
    await expect(vault(b, tokenA)).resolves.toMatchObject({
      ok: true,
      kid: 'key-a',
    });
    await expect(vault(b, tokenB)).resolves.toMatchObject({
      ok: true,
      kid: 'key-b',
    });
    await b.stop();
    backend = undefined;

    // 3. A retired: the verifier no longer finds A's kid.
    b = await start([keyB]);
    await expect(vault(b, tokenA)).resolves.toMatchObject({
      ok: false,
      kid: 'key-a',
      error: 'PyJWKClientError',
      message: expect.stringContaining('key-a'),
    });
    await expect(vault(b, tokenB)).resolves.toMatchObject({
      ok: true,
      kid: 'key-b',
    });
  });
});
