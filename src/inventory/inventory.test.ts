import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { eventually, whoami } from '../testing/requests';
import {
  runBuiltGatehouseInProcess,
  withGatehouseToken,
} from '../testing/runCli';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from '../testing/startGatehouseTestBackend';
import {
  startTestIdentityProvider,
  TestIdentityProvider,
} from '../testing/testIdentityProvider';
import { sha256Hex } from '../lib/tokenDigest';

const DAY = 24 * 60 * 60_000;
const ADMIN = 'gth_inventory-admin-0123456789abcdefghij';
const DEMO_ONLY = 'gth_inventory-demo-only-0123456789abcdef';
const EXPIRED = 'gth_inventory-expired-0123456789abcdefgh';
const NOT_YET = 'gth_inventory-not-yet-0123456789abcdefgh';
const EXPIRING = 'gth_inventory-expiring-0123456789abcdefg';
const FROM_FILE = 'gth_inventory-from-file-0123456789abcdef';
const BUILT_IN = 'short-built-in-token';
const BUILT_IN_LONG = 'gth_inventory-built-in-0123456789abcdefg';
const SECRETS = [
  ADMIN,
  DEMO_ONLY,
  EXPIRED,
  NOT_YET,
  EXPIRING,
  FROM_FILE,
  BUILT_IN,
  BUILT_IN_LONG,
];

const iso = (ms: number) => new Date(ms).toISOString();

/** A row of the answer, read loosely: the test checks its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

/**
 * The inventory through a real backend with every source configured:
 * gatehouse-static (inline and a tokens file), gatehouse-jwks (a real
 * identity provider), gatehouse-managed, and Backstage's built-in static and
 * jwks; usage flushed to its SQLite database every 200 ms.
 */
describe('GET /api/gatehouse/inventory', () => {
  let idp: TestIdentityProvider;
  let backend: GatehouseTestBackend;
  let dir: string;
  const now = Date.now();

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-inventory-'));
    const tokensFile = join(dir, 'tokens.yaml');
    writeFileSync(
      tokensFile,
      `tokens:\n  - hash: sha256:${sha256Hex(FROM_FILE)}\n    subject: file-caller\n`,
    );
    backend = await startGatehouseTestBackend({
      extraConfig: {
        gatehouse: { usage: { flushInterval: { milliseconds: 200 } } },
      },
      externalAccess: [
        {
          type: 'gatehouse-static',
          options: {
            subject: 'admin',
            tokens: [
              { token: ADMIN },
              { token: EXPIRED, subject: 'old-ci', expiresAt: iso(now - DAY) },
              {
                token: NOT_YET,
                subject: 'next-ci',
                notBefore: iso(now + DAY),
              },
              {
                hash: `sha256:${sha256Hex(EXPIRING)}`,
                subject: 'ci-expiring',
                expiresAt: iso(now + 3 * DAY),
              },
            ],
            tokensFile,
          },
        },
        {
          type: 'gatehouse-static',
          options: { subject: 'ci-demo', token: DEMO_ONLY },
          accessRestrictions: [{ plugin: 'demo' }],
        },
        {
          type: 'gatehouse-jwks',
          options: {
            issuer: idp.issuer,
            audience: 'backstage-api',
            subjectPrefix: 'idp',
            claims: { repository: ['my-org/*'] },
          },
        },
        { type: 'gatehouse-managed', options: {} },
        { type: 'static', options: { token: BUILT_IN, subject: 'legacy' } },
        {
          type: 'static',
          options: { token: BUILT_IN_LONG, subject: 'legacy-long' },
          accessRestrictions: [{ plugin: 'catalog' }],
        },
        {
          type: 'jwks',
          options: {
            url: `${idp.issuer}/jwks`,
            issuer: idp.issuer,
            audience: 'other-api',
            subjectPrefix: 'builtin',
          },
        },
      ],
    });
  });
  afterAll(async () => {
    await backend?.stop();
    await idp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const inventory = (query = '', as = ADMIN) =>
    request(backend.server)
      .get(`/api/gatehouse/inventory${query}`)
      .set('Authorization', `Bearer ${as}`);

  async function rows(query = '') {
    const response = await inventory(query);
    expect(response.status).toBe(200);
    return response.body.items as Row[];
  }

  it('lists every credential once, with its source, status and restrictions', async () => {
    const managed = await request(backend.server)
      .post('/api/gatehouse/tokens')
      .set('Authorization', `Bearer ${ADMIN}`)
      .send({
        owner: 'group:default/platform',
        subject: 'deploy-bot',
        description: 'deploys the demo',
        expiresIn: '30d',
        accessRestrictions: [{ plugin: 'demo' }],
      });
    expect(managed.status).toBe(201);

    const items = await rows();
    const summary = items.map(r => [
      r.source,
      r.subject,
      r.status,
      r.builtIn,
      r.accessRestrictions?.map((a: { plugin: string }) => a.plugin) ?? null,
    ]);
    expect(summary).toEqual(
      expect.arrayContaining([
        ['gatehouse-static', 'admin', 'active', false, null],
        ['gatehouse-static', 'old-ci', 'expired', false, null],
        ['gatehouse-static', 'next-ci', 'not-yet-valid', false, null],
        ['gatehouse-static', 'ci-expiring', 'expiring', false, null],
        ['gatehouse-static', 'file-caller', 'active', false, null],
        ['gatehouse-static', 'ci-demo', 'active', false, ['demo']],
        ['gatehouse-jwks', 'external:idp:*', 'active', false, null],
        ['gatehouse-managed', 'deploy-bot', 'active', false, ['demo']],
        ['static', 'legacy', 'active', true, null],
        ['static', 'legacy-long', 'active', true, ['catalog']],
        ['jwks', 'external:builtin:*', 'active', true, null],
      ]),
    );
    expect(items).toHaveLength(11);
    expect(new Set(items.map(r => r.id)).size).toBe(11);

    const byId = Object.fromEntries(items.map(r => [r.subject, r]));
    expect(byId['ci-expiring']).toMatchObject({ stored: 'hash' });
    expect(byId.admin).toMatchObject({
      stored: 'plain',
      short: false,
      definedAt: 'backend.auth.externalAccess[0].options.tokens[0]',
      fingerprint: sha256Hex(ADMIN).slice(0, 8),
    });
    expect(byId['file-caller'].definedAt).toContain('tokens.yaml');
    expect(byId.legacy).toMatchObject({
      short: true,
      fingerprint: sha256Hex(BUILT_IN).slice(0, 8),
      usage: null,
    });
    expect(byId['external:idp:*'].jwt).toMatchObject({
      issuers: [idp.issuer],
      audiences: ['backstage-api'],
      subjectPrefix: 'idp',
      claims: { repository: ['my-org/*'] },
    });
    expect(byId['deploy-bot']).toMatchObject({
      description: 'deploys the demo',
      createdBy: 'admin',
      definedAt: 'database',
    });
  });

  it('shows usage after a request: last use, plugin, counts; and JWT subjects', async () => {
    expect((await whoami(backend, FROM_FILE, 'other')).status).toBe(200);
    expect((await whoami(backend, FROM_FILE)).status).toBe(200);
    const jwt = await idp.getToken({ claims: { repository: 'my-org/app' } });
    expect((await whoami(backend, jwt)).status).toBe(200);

    await eventually(async () => {
      const [file] = await rows('?subject=file-caller');
      expect(file.usage).toMatchObject({
        lastUsedBy: 'demo',
        uses24h: 2,
        uses30d: 2,
      });
      expect(Date.parse(file.usage.lastUsedAt)).toBeGreaterThan(now);
      const [entry] = await rows('?source=gatehouse-jwks');
      expect(entry.usage).toMatchObject({ lastUsedBy: 'demo', uses24h: 1 });
      expect(entry.subjects).toEqual([
        expect.objectContaining({
          subject: 'external:idp:rs256-client',
          uses24h: 1,
          lastUsedBy: 'demo',
        }),
      ]);
    }, 3000);
  });

  it('shows expired, not-yet-valid and restricted rejections in the row', async () => {
    expect((await whoami(backend, EXPIRED)).status).toBe(401);
    expect((await whoami(backend, NOT_YET)).status).toBe(401);
    expect((await whoami(backend, DEMO_ONLY, 'other')).status).toBe(403);
    const items = await rows('?source=gatehouse-static');
    const reason = (subject: string) =>
      items.find(r => r.subject === subject)?.usage?.lastRejection?.reason;
    expect(reason('old-ci')).toBe('token_expired_static');
    expect(reason('next-ci')).toBe('not_yet_valid');
    expect(reason('ci-demo')).toBe('restricted');
    expect(items.find(r => r.subject === 'ci-demo')?.usage.uses24h).toBe(0);
  });

  it('answers the review questions with filters, as JSON and CSV', async () => {
    const subjects = async (query: string) =>
      (await rows(query)).map(r => r.subject).sort();
    expect(await subjects('?expiringWithin=14d')).toEqual(['ci-expiring']);
    expect(await subjects('?expiringWithin=14d&source=static')).toEqual([]);
    expect(await subjects('?unrestricted=false')).toEqual([
      'ci-demo',
      'deploy-bot',
      'legacy-long',
    ]);
    expect(await subjects('?source=static,jwks')).toEqual([
      'external:builtin:*',
      'legacy',
      'legacy-long',
    ]);
    expect(await subjects('?subject=ci-*')).toEqual(['ci-demo', 'ci-expiring']);
    // A JWT entry matches by the subjects seen on it, too.
    expect(await subjects('?subject=*rs256-client')).toEqual([
      'external:idp:*',
    ]);
    expect(await subjects('?status=expired,not-yet-valid')).toEqual([
      'next-ci',
      'old-ci',
    ]);
    // Unused for 30 days: recorded, never used; the managed token is new.
    const unused = await subjects('?unusedFor=30d');
    expect(unused).toContain('old-ci');
    expect(unused).not.toContain('file-caller');
    expect(unused).not.toContain('deploy-bot');
    expect(unused).not.toContain('legacy');

    const csv = await inventory('?format=csv&source=gatehouse-static');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,source,built_in,subject,/);
    expect(lines).toHaveLength(7);
    expect(lines.find(l => l.includes(',ci-demo,'))).toContain(
      ',demo: everything,',
    );
  });

  it('pages: config first, then managed tokens newest first, each once, with their usage', async () => {
    const made: string[] = [];
    for (const n of [1, 2, 3, 4]) {
      const created = await request(backend.server)
        .post('/api/gatehouse/tokens')
        .set('Authorization', `Bearer ${ADMIN}`)
        .send({
          owner: 'group:default/pagers',
          subject: `pager-${n}`,
          description: 'paged',
          expiresIn: '30d',
          accessRestrictions: [{ plugin: 'demo' }],
        });
      expect(created.status).toBe(201);
      made.push(created.body.token);
    }
    // Used once: its page shows the use, though the page reads only its own usage.
    expect((await whoami(backend, made[1])).status).toBe(200);

    const everything = (await inventory()).body;
    const ids = (everything.items as Row[]).map(r => r.id);
    const managed = (everything.items as Row[]).filter(
      r => r.source === 'gatehouse-managed',
    );
    // Managed tokens come after every credential kept in config, newest first.
    expect(ids.indexOf(managed[0].id)).toBe(ids.length - managed.length);
    expect(managed.slice(0, 4).map(r => r.subject)).toEqual([
      'pager-4',
      'pager-3',
      'pager-2',
      'pager-1',
    ]);
    for (const limit of [1, 3, 5]) {
      const seen: string[] = [];
      for (let offset = 0; offset < ids.length; offset += limit) {
        const page = await inventory(`?limit=${limit}&offset=${offset}`);
        expect(page.status).toBe(200);
        expect(page.body.total).toBe(ids.length);
        seen.push(...page.body.items.map((r: Row) => r.id));
      }
      expect(seen).toEqual(ids);
    }
    // One credential by its id, of any source (a notice's link), revoked too.
    for (const row of [managed[2], everything.items[0]]) {
      const one = await inventory(`?id=${encodeURIComponent(row.id)}`);
      expect(one.body.total).toBe(1);
      expect(one.body.items[0].id).toBe(row.id);
    }
    expect((await inventory('?id=gatehouse-managed:nope')).body.total).toBe(0);
    // Two wildcards are matched by the database, more in memory: one answer.
    for (const subject of ['pager-*', 'p*-*', 'p*g*r*-*', '*a*e*-*']) {
      const found = (await inventory(`?subject=${subject}&limit=3`)).body;
      expect([subject, found.total]).toEqual([subject, 4]);
      expect(found.items.map((r: Row) => r.subject)).toEqual([
        'pager-4',
        'pager-3',
        'pager-2',
      ]);
    }
    // Filters and pages together: the team's usable tokens, two at a time.
    const team = async (offset: number) =>
      (
        await inventory(
          `?owner=group:default/pagers&status=active&limit=2&offset=${offset}`,
        )
      ).body;
    const [first, second, third] = [
      await team(0),
      await team(2),
      await team(4),
    ];
    expect([first.total, second.total, third.total]).toEqual([4, 4, 4]);
    expect(
      [...first.items, ...second.items].map((r: Row) => r.subject),
    ).toEqual(['pager-4', 'pager-3', 'pager-2', 'pager-1']);
    expect(third.items).toEqual([]);
    await eventually(async () => {
      const used = (await team(2)).items.find(
        (r: Row) => r.subject === 'pager-2',
      );
      expect(used.usage.uses24h).toBe(1);
      expect(used.usage.lastUsedBy).toBe('demo');
    }, 5_000);
  });

  it('answers 400 naming the parameter for bad filters', async () => {
    const cases: Array<[string, string]> = [
      ['?unusedFor=soon', 'unusedFor'],
      ['?source=vault', "unknown source 'vault'"],
      ['?status=dead', "unknown status 'dead'"],
      ['?unrestricted=yes', 'unrestricted'],
      ['?format=xml', 'format'],
      ['?limit=0', 'limit'],
      ['?owner=team:default/x', 'owner'],
      ['?color=red', 'color'],
      ['?source=static&source=jwks', 'source'],
    ];
    for (const [query, named] of cases) {
      const response = await inventory(query);
      expect({ query, status: response.status }).toEqual({
        query,
        status: 400,
      });
      expect(response.body.error.message).toContain(named);
    }
  });

  it('needs gatehouse.token.read: a restricted service without the gatehouse plugin gets 403, no token 401', async () => {
    expect((await inventory('', DEMO_ONLY)).status).toBe(403);
    expect(
      (await request(backend.server).get('/api/gatehouse/inventory')).status,
    ).toBe(401);
  });

  it('is read with gatehouse inventory: a table for people, CSV and JSON for scripts', async () => {
    const { port } = backend.server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    await withGatehouseToken(ADMIN, async () => {
      const cli = (...args: string[]) =>
        runBuiltGatehouseInProcess([
          'inventory',
          '--backend-url',
          base,
          ...args,
        ]);
      const expiring = await cli('--expiring', '14d');
      expect(expiring.status).toBe(0);
      const lines = expiring.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(
        /^SOURCE +SUBJECT +OWNER +STATUS +EXPIRES +LAST USED +USES 30D +RESTRICTED TO +FINGERPRINT +LAST REJECTION$/,
      );
      expect(lines.slice(1)).toEqual([
        expect.stringMatching(
          /^static token +ci-expiring +no owner +expiring +\d{4}-\d\d-\d\d +never +0 +every plugin +[0-9a-f]{8}$/,
        ),
      ]);
      const restricted = await cli('--source', 'gatehouse-static');
      expect(restricted.stdout).toMatch(
        / ci-demo .* demo: everything .* restricted$/m,
      );
      expect((await cli('--subject', 'nobody')).stdout).toBe(
        'No credential matches.\n',
      );
      const csv = await cli('--csv', '--unused', '30d');
      expect(csv.stdout.split('\r\n')[0]).toMatch(/^id,source,/);
      expect(csv.stdout).toContain(',old-ci,');
      const json = JSON.parse((await cli('--json')).stdout);
      expect(json.total).toBe((await inventory()).body.total);
      expect(json.items).toHaveLength(json.total);
      const bad = await cli('--source', 'vault');
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain(
        "400: Invalid query: source: unknown source 'vault'",
      );
    });
  });

  it('never shows a token or a hash beyond the fingerprint, in the answer or the logs', async () => {
    const json = (await inventory()).text;
    const csv = (await inventory('?format=csv')).text;
    const logs = JSON.stringify(backend.logs.entries);
    for (const text of [json, csv, logs]) {
      for (const secret of SECRETS) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(sha256Hex(secret).slice(0, 16));
      }
    }
  });
});
