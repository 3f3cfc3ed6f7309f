import { execFileSync } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { freePort } from '../src/testing/freePort';

/** A token made by the installed package's own CLI, with its hash. */
function createTokenWithCli(
  dir: string,
  subject: string,
  command = join('node_modules', '.bin', 'gatehouse'),
  env?: NodeJS.ProcessEnv,
): { token: string; hash: string } {
  return JSON.parse(
    execFileSync(
      join(dir, command),
      ['token', 'create', '--subject', subject, '--json'],
      { cwd: dir, encoding: 'utf8', env },
    ),
  );
}

/**
 * A stand-in identity provider: a key set on loopback and JWTs signed with
 * its key, for a `gatehouse-jwks` entry with `url`.
 */
export async function startKeySet(): Promise<{
  url: string;
  issuer: string;
  sign(claims: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'ci-1', alg: 'ES256' };
  const server: Server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  const port = await freePort();
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
  const issuer = 'https://ci.example.test';
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    issuer,
    sign: claims =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'ci-1', typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience('backstage-api')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(privateKey),
    close: () => new Promise(resolve => server.close(() => resolve())),
  };
}

export type KeySet = Awaited<ReturnType<typeof startKeySet>>;

/**
 * The credentials the checks use: `reader` may read the catalog only;
 * `relayed` may read the catalog and call the relay plugin, which calls the
 * catalog on its behalf.
 */
export interface CheckTokens {
  reader: string;
  admin: string;
  jwt: string;
  relayed: string;
}

/**
 * The checks' credentials: static tokens made by the `gatehouse` command in
 * `dir` (the package as installed or exported), the admin's kept only as a
 * hash in config, and a JWT from a stand-in key set, which the caller closes.
 * `env`: the command's environment (default: this process's).
 */
export async function issueCheckTokens(
  dir: string,
  command?: string,
  env?: NodeJS.ProcessEnv,
): Promise<{
  tokens: CheckTokens;
  adminHash: string;
  keySet: KeySet;
}> {
  const reader = createTokenWithCli(dir, 'ci-reader', command, env);
  const admin = createTokenWithCli(dir, 'ci-admin', command, env);
  const relayed = createTokenWithCli(dir, 'ci-relayed', command, env);
  const keySet = await startKeySet();
  return {
    tokens: {
      reader: reader.token,
      admin: admin.token,
      relayed: relayed.token,
      jwt: await keySet.sign({ sub: 'deploy-bot' }),
    },
    adminHash: admin.hash,
    keySet,
  };
}

/**
 * The entry of the `relayed` token: the catalog's read actions and the relay
 * plugin, which calls the catalog on its behalf. That call must not lift the
 * read-only limit (Backstage before 0.17.8 would: the relay's own token).
 */
export const relayedEntry = (token: string) => ({
  type: 'gatehouse-static',
  options: { subject: 'ci-relayed', token },
  accessRestrictions: [
    { plugin: 'catalog', permissionAttribute: { action: ['read'] } },
    { plugin: 'relay' },
  ],
});

/**
 * The externalAccess entries behind `CheckTokens`: a restricted plain
 * token, an unrestricted hashed one, JWTs from `keySet`, and the relayed
 * token's.
 */
export function externalAccessFor(options: {
  readerToken: string;
  adminHash: string;
  relayedToken: string;
  keySet: { url: string; issuer: string };
}): unknown[] {
  return [
    {
      type: 'gatehouse-static',
      options: { subject: 'ci-reader', token: options.readerToken },
      accessRestrictions: [
        { plugin: 'catalog', permissionAttribute: { action: ['read'] } },
      ],
    },
    {
      type: 'gatehouse-static',
      options: { subject: 'ci-admin', tokens: [{ hash: options.adminHash }] },
    },
    {
      type: 'gatehouse-jwks',
      options: {
        url: options.keySet.url,
        issuer: options.keySet.issuer,
        audience: 'backstage-api',
        subjectPrefix: 'ci',
      },
    },
    relayedEntry(options.relayedToken),
  ];
}

interface Probe {
  what: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  token?: string;
  expected: number;
}

/** Plugins besides the catalog that backendIndexTs installs, and a request to each. */
const OTHER_PLUGINS = [
  { plugin: 'scaffolder', method: 'GET', path: '/api/scaffolder/v2/actions' },
  { plugin: 'search', method: 'GET', path: '/api/search/query?term=service' },
] as const;

/**
 * Sends every check to a backend of backendIndexTs and returns, per check,
 * what it expected and what it got, for one `deepStrictEqual`.
 */
export async function runTokenChecks(
  baseUrl: string,
  tokens: CheckTokens,
): Promise<{ expected: string[]; actual: string[] }> {
  // A catalog write (catalog.location.create). The location is stored at
  // once; the catalog reads it later, in the background.
  const registerLocation = {
    method: 'POST' as const,
    path: '/api/catalog/locations',
    body: {
      type: 'url',
      target: 'https://example.com/catalog-info.yaml',
    },
  };
  const catalogRead = {
    method: 'GET' as const,
    path: '/api/catalog/entities',
  };
  const relayToCatalog = {
    method: 'GET' as const,
    path: `/api/relay/relay?target=catalog&path=${encodeURIComponent('/entities')}`,
  };
  /** What one caller may do: read the catalog, write to it, call the others. */
  const callerProbes = (
    who: string,
    token: string,
    expected: { write?: number; others: number },
  ): Probe[] => [
    { what: `${who} reads the catalog`, ...catalogRead, token, expected: 200 },
    ...(expected.write
      ? [
          {
            what: `${who} writes to the catalog`,
            ...registerLocation,
            token,
            expected: expected.write,
          },
        ]
      : []),
    ...OTHER_PLUGINS.map(request => ({
      ...request,
      what: `${who} calls ${request.plugin}`,
      token,
      expected: expected.others,
    })),
  ];
  const probes: Probe[] = [
    ...callerProbes('reader', tokens.reader, { write: 403, others: 403 }),
    ...callerProbes('admin', tokens.admin, { write: 201, others: 200 }),
    // A plugin calling the catalog on the caller's behalf: never for a
    // caller whose catalog access is limited, on any release line.
    {
      what: 'the relay plugin calls the catalog for the read-only relayed token',
      ...relayToCatalog,
      token: tokens.relayed,
      expected: 403,
    },
    {
      what: 'the relay plugin calls the catalog for the admin',
      ...relayToCatalog,
      token: tokens.admin,
      expected: 200,
    },
    // No write: the admin's registered that location already.
    ...callerProbes('JWT', tokens.jwt, { others: 200 }),
    {
      what: 'no token',
      method: 'GET',
      path: '/api/catalog/entities',
      expected: 401,
    },
    {
      what: 'a wrong token',
      method: 'GET',
      path: '/api/catalog/entities',
      token: WRONG_TOKEN,
      expected: 401,
    },
    {
      what: 'a wrong token on a write',
      ...registerLocation,
      token: WRONG_TOKEN,
      expected: 401,
    },
    {
      what: 'the reader token with one character changed',
      method: 'GET',
      path: '/api/catalog/entities',
      token: `${tokens.reader.slice(0, -1)}${tokens.reader.endsWith('A') ? 'B' : 'A'}`,
      expected: 401,
    },
  ];
  const expected: string[] = [];
  const actual: string[] = [];
  for (const probe of probes) {
    const response = await fetch(`${baseUrl}${probe.path}`, {
      method: probe.method,
      headers: {
        ...(probe.token ? { authorization: `Bearer ${probe.token}` } : {}),
        ...(probe.body ? { 'content-type': 'application/json' } : {}),
      },
      body: probe.body ? JSON.stringify(probe.body) : undefined,
    });
    const text = await response.text();
    expected.push(`${probe.what}: ${probe.expected}`);
    actual.push(
      `${probe.what}: ${response.status}${
        response.status === probe.expected ? '' : ` ${text.slice(0, 300)}`
      }`,
    );
  }
  return { expected, actual };
}

/** A well-formed token no entry has. */
export const WRONG_TOKEN = 'gth_this_token_is_not_configured_anywhere_0000';

/**
 * The secret parts of every credential the checks sent (a JWT's signature,
 * which its header and payload cannot be used without), to look for in the
 * backend's log.
 */
export function secretsIn(tokens: CheckTokens): string[] {
  return [
    tokens.reader,
    tokens.admin,
    tokens.relayed,
    tokens.jwt.split('.')[2],
    WRONG_TOKEN,
  ];
}

/**
 * The first 16-character piece of any of `secrets` found in `text`: a log
 * line may not hold even part of a token.
 */
export function leakedPiece(
  text: string,
  secrets: string[],
): string | undefined {
  for (const secret of secrets) {
    for (let i = 0; i + 16 <= secret.length; i += 1) {
      const piece = secret.slice(i, i + 16);
      if (text.includes(piece)) {
        return piece;
      }
    }
  }
  return undefined;
}

/**
 * Creates a managed token restricted to the catalog with the admin token,
 * and uses it on the catalog and on another plugin: what each answered.
 */
/** What runManagedTokenChecks gives when the installed package works. */
export const MANAGED_TOKEN_CHECKS_PASS = {
  created: 201,
  restrictedPluginAllowed: 200,
  otherPluginRefused: 403,
  inventory: 200,
  inventoryUses: 1,
  inventoryLastRejection: 'restricted',
};

export async function runManagedTokenChecks(
  baseUrl: string,
  adminToken: string,
): Promise<Record<string, number | string>> {
  const created = await fetch(`${baseUrl}/api/gatehouse/tokens`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${adminToken}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      subject: 'packaged-script',
      owner: 'group:default/platform-team',
      description: 'packaging test',
      accessRestrictions: [{ plugin: 'catalog' }],
    }),
  });
  const text = await created.text();
  if (created.status !== 201) {
    return { created: created.status, body: text.slice(0, 300) };
  }
  const { token } = JSON.parse(text) as { token: string };
  const call = (path: string) =>
    fetch(`${baseUrl}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    }).then(r => r.status);
  const restrictedPluginAllowed = await call('/api/catalog/entities');
  const otherPluginRefused = await call('/api/scaffolder/v2/actions');
  // The inventory, from the installed package's migrations and handlers.
  const inventory = await fetch(
    `${baseUrl}/api/gatehouse/inventory?subject=packaged-script`,
    { headers: { authorization: `Bearer ${adminToken}` } },
  );
  const [row] = inventory.ok
    ? (
        (await inventory.json()) as {
          items: Array<{
            usage: { uses24h: number; lastRejection?: { reason: string } };
          }>;
        }
      ).items
    : [];
  return {
    created: created.status,
    restrictedPluginAllowed,
    otherPluginRefused,
    inventory: inventory.status,
    inventoryUses: row?.usage.uses24h ?? -1,
    inventoryLastRejection: row?.usage.lastRejection?.reason ?? 'none',
  };
}
