import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  runBuiltGatehouseInProcess,
  withGatehouseToken,
} from '../testing/runCli';
import { createManagedToken, gatehouseApi, whoami } from '../testing/requests';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from '../testing/startGatehouseTestBackend';
import {
  startTestIdentityProvider,
  TestIdentityProvider,
} from '../testing/testIdentityProvider';
import { fingerprintOf } from '../lib/tokenDigest';

const ADMIN = 'gth_leaks-test-admin-0123456789abcdefghij';
const LEAKED = 'gth_leaks-test-leaked-0123456789abcdefghi';
const BY_FINGERPRINT = 'gth_leaks-test-by-fingerprint-0123456789a';
const BY_ID = 'gth_leaks-test-by-id-0123456789abcdefghijk';
const BYSTANDER = 'gth_leaks-test-bystander-0123456789abcdef';
const CLI_LEAKED = 'gth_leaks-test-cli-leaked-0123456789abcd';
const READ_ONLY = 'gth_leaks-test-read-only-0123456789abcdefg';

/** A row of an answer, read loosely: the test checks its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

/**
 * Marking credentials compromised through a real backend: real auth and
 * httpAuth, the gatehouse plugin with its SQLite database, static tokens,
 * managed tokens, and JWTs from a real identity provider.
 */
describe('POST /api/gatehouse/leaks', () => {
  let idp: TestIdentityProvider;
  let backend: GatehouseTestBackend;

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    backend = await startGatehouseTestBackend({
      externalAccess: [
        {
          type: 'gatehouse-static',
          options: {
            subject: 'admin',
            tokens: [
              { token: ADMIN },
              { token: LEAKED, subject: 'leaky-ci' },
              { token: BY_FINGERPRINT, subject: 'ci-by-fingerprint' },
              { token: BY_ID, subject: 'ci-by-id' },
              { token: BYSTANDER, subject: 'bystander' },
              { token: CLI_LEAKED, subject: 'ci-by-cli' },
            ],
          },
        },
        {
          type: 'gatehouse-static',
          options: { subject: 'reviewer', token: READ_ONLY },
          accessRestrictions: [
            { plugin: 'gatehouse', permission: ['gatehouse.token.read'] },
          ],
        },
        {
          type: 'gatehouse-jwks',
          options: {
            issuer: idp.issuer,
            audience: 'backstage-api',
            subjectPrefix: 'idp',
          },
        },
        { type: 'gatehouse-managed', options: {} },
      ],
    });
  });
  afterAll(async () => {
    await backend?.stop();
    await idp?.stop();
  });

  const leak = (body: unknown, as = ADMIN) =>
    gatehouseApi(backend, 'post', '/leaks', as).send(body as object);
  const rows = async (query = '') => {
    const response = await gatehouseApi(
      backend,
      'get',
      `/inventory${query}`,
      ADMIN,
    );
    expect(response.status).toBe(200);
    return response.body.items as Row[];
  };
  const audits = () =>
    backend.logs.entries.filter(
      e => e.meta.isAuditEvent && e.meta.eventId === 'credential-compromise',
    );

  it('refuses a static token marked by the token itself at once, with token_compromised, and nothing else about it changes', async () => {
    expect((await whoami(backend, LEAKED)).status).toBe(200);
    const before = (await rows('?subject=leaky-ci'))[0];
    const auditsBefore = audits().length;

    const marked = await leak({ token: LEAKED, reason: 'pasted in a chat' });
    expect(marked.status).toBe(201);
    expect(marked.body).toEqual({
      credential: before.id,
      source: 'gatehouse-static',
      subject: 'leaky-ci',
      fingerprint: fingerprintOf(LEAKED),
      compromised: {
        at: expect.any(String),
        by: 'admin',
        reason: 'pasted in a chat',
      },
      alreadyMarked: false,
    });

    const refused = await whoami(backend, LEAKED);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toBe(
      `Static token ${fingerprintOf(LEAKED)} was marked compromised at ${marked.body.compromised.at} and is refused; ask its owner for a new credential`,
    );
    // Refused by every plugin, and no later entry takes it.
    expect((await whoami(backend, LEAKED, 'other')).status).toBe(401);
    expect((await whoami(backend, BYSTANDER)).status).toBe(200);
    expect(
      backend.logs.entries.some(
        e =>
          e.message.startsWith('gatehouse-static rejected a token') &&
          e.meta.reason === 'token_compromised' &&
          e.meta.fingerprint === fingerprintOf(LEAKED),
      ),
    ).toBe(true);

    const after = (await rows('?subject=leaky-ci'))[0];
    expect(after).toEqual({
      ...before,
      status: 'compromised',
      compromised: marked.body.compromised,
      usage: expect.anything(),
      // Nothing more to do to it.
      actions: [],
    });
    expect((await rows('?status=compromised')).map(r => r.subject)).toEqual([
      'leaky-ci',
    ]);

    const events = audits().slice(auditsBefore);
    expect(events.map(e => e.meta.status)).toEqual(['initiated', 'succeeded']);
    expect(events[0].meta).toMatchObject({
      severityLevel: 'high',
      actor: { actorId: 'admin' },
      meta: {
        credential: before.id,
        source: 'gatehouse-static',
        subject: 'leaky-ci',
        fingerprint: fingerprintOf(LEAKED),
        reason: 'pasted in a chat',
      },
    });
    expect(backend.logs.text()).not.toContain(LEAKED);
  });

  it('keeps the first mark when a credential is marked again', async () => {
    const first = (await rows('?subject=leaky-ci'))[0].compromised;
    const again = await leak({ token: LEAKED, reason: 'seen again' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      alreadyMarked: true,
      compromised: first,
    });
  });

  it('marks a static token by source and fingerprint, or by inventory id', async () => {
    const byFingerprint = await leak({
      source: 'gatehouse-static',
      fingerprint: fingerprintOf(BY_FINGERPRINT),
    });
    expect(byFingerprint.status).toBe(201);
    expect(byFingerprint.body.subject).toBe('ci-by-fingerprint');
    expect((await whoami(backend, BY_FINGERPRINT)).status).toBe(401);

    const id = (await rows('?subject=ci-by-id'))[0].id;
    const byId = await leak({ credential: id });
    expect(byId.status).toBe(201);
    expect(byId.body.credential).toBe(id);
    expect((await whoami(backend, BY_ID)).status).toBe(401);
    expect((await whoami(backend, BYSTANDER)).status).toBe(200);
  });

  it('revokes a managed token marked compromised, with what it made, and says why to its holder', async () => {
    // Unrestricted: on every release line it may make tokens (a restricted
    // one's restrictions cannot be read on backend-defaults 0.16).
    const parent = await createManagedToken(backend, ADMIN, {
      subject: 'leaky-bot',
      description: 'leaks in this test',
    });
    const child = await createManagedToken(backend, parent.token, {
      subject: 'leaky-bot-child',
      description: 'made by the leaked token',
      accessRestrictions: [{ plugin: 'demo' }],
    });
    expect((await whoami(backend, parent.token)).status).toBe(200);

    const marked = await leak({ token: parent.token });
    expect(marked.status).toBe(201);
    expect(marked.body).toMatchObject({
      credential: `gatehouse-managed:${parent.id}`,
      source: 'gatehouse-managed',
      subject: 'leaky-bot',
      fingerprint: parent.fingerprint,
      alsoRevoked: [{ id: child.id, subject: 'leaky-bot-child' }],
    });
    const refused = await whoami(backend, parent.token);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(
      /^Managed token [0-9a-f]{8} was marked compromised at /,
    );
    expect((await whoami(backend, child.token)).status).toBe(401);

    const token = await gatehouseApi(
      backend,
      'get',
      `/tokens/${parent.id}`,
      ADMIN,
    );
    expect(token.body).toMatchObject({
      status: 'revoked',
      revokedBy: 'admin',
      revokeReason: 'compromised',
    });
    const compromised = await rows(
      '?status=compromised&source=gatehouse-managed',
    );
    expect(compromised.map(r => r.subject)).toEqual(['leaky-bot']);
    const revoked = await rows('?status=revoked&source=gatehouse-managed');
    expect(revoked.map(r => r.subject)).toEqual(['leaky-bot-child']);
  });

  it('refuses a JWT subject until the leaked token would have expired, whatever tokens the provider issues meanwhile', async () => {
    const leaked = await idp.getToken({ client: 'rs256-client' });
    const other = await idp.getToken({ client: 'es256-client' });
    expect((await whoami(backend, leaked)).status).toBe(200);

    const marked = await leak({ token: leaked, reason: 'in a CI log' });
    expect(marked.status).toBe(201);
    expect(marked.body).toMatchObject({
      source: 'gatehouse-jwks',
      subject: 'external:idp:rs256-client',
      compromised: { by: 'admin', until: expect.any(String) },
    });
    const { exp } = JSON.parse(
      Buffer.from(leaked.split('.')[1], 'base64url').toString(),
    );
    expect(Date.parse(marked.body.compromised.until)).toBe(exp * 1000);

    const fresh = await idp.getToken({ client: 'rs256-client' });
    expect(fresh).not.toBe(leaked);
    const refused = await whoami(backend, fresh);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(
      /^Subject 'external:idp:rs256-client' of this identity provider was marked compromised at .* and is refused until /,
    );
    expect((await whoami(backend, other)).status).toBe(200);

    const [entry] = await rows('?source=gatehouse-jwks');
    expect(entry.status).toBe('active');
    expect(entry.compromisedSubjects).toEqual([
      {
        subject: 'external:idp:rs256-client',
        ...marked.body.compromised,
      },
    ]);
  });

  it('marks a JWT subject by entry and subject, until a time given', async () => {
    const [entry] = await rows('?source=gatehouse-jwks');
    const until = new Date(Date.now() + 60 * 60_000).toISOString();
    const marked = await leak({
      credential: entry.id,
      subject: 'external:idp:es256-client',
      until,
    });
    expect(marked.status).toBe(201);
    expect(marked.body.compromised.until).toBe(until);
    const other = await idp.getToken({ client: 'es256-client' });
    expect((await whoami(backend, other)).status).toBe(401);
  });

  it.each([
    [
      {},
      "must name the credential one way: 'token', 'credential', or 'source' and 'fingerprint'",
    ],
    [
      { token: BYSTANDER, credential: 'gatehouse-static:abcd1234' },
      'must name the credential one way',
    ],
    [{ source: 'gatehouse-static' }, "'source' and 'fingerprint' go together"],
    [
      { source: 'gatehouse-static', fingerprint: 'XYZ' },
      'fingerprint: must be 8 lower-case hex digits',
    ],
    [
      { credential: 'static:abcd1234' },
      "must be a Gatehouse credential's inventory id",
    ],
    [
      { token: BYSTANDER, subject: 'x' },
      "'subject' is for a gatehouse-jwks entry's credential",
    ],
    [{ token: BYSTANDER, until: 'tomorrow' }, 'until'],
    [{ token: BYSTANDER, reason: 'a\u001b[31mred' }, 'reason'],
    [{ token: BYSTANDER, extra: 1 }, 'extra'],
  ])('answers 400 to %j', async (body, message) => {
    const response = await leak(body);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain(message);
    expect((await whoami(backend, BYSTANDER)).status).toBe(200);
  });

  it('answers 400 to a body that is not JSON, and for a JWT entry without a subject and time, or a time past', async () => {
    const notJson = await gatehouseApi(backend, 'post', '/leaks', ADMIN)
      .set('Content-Type', 'application/json')
      .send('{"token":');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.message).toBe(
      'Invalid request: the body is not JSON',
    );
    const [entry] = await rows('?source=gatehouse-jwks');
    const noSubject = await leak({ credential: entry.id });
    expect(noSubject.status).toBe(400);
    expect(noSubject.body.error.message).toContain("'subject' and 'until'");
    const past = await leak({
      credential: entry.id,
      subject: 'external:idp:someone',
      until: new Date(Date.now() - 1000).toISOString(),
    });
    expect(past.status).toBe(400);
    expect(past.body.error.message).toContain("'until' must be in the future");
  });

  it('answers 404 for a token, fingerprint, id or JWT no Gatehouse credential has now', async () => {
    const unknown = await leak({
      token: 'gth_not-a-token-of-this-backend-012345',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain(
      `fingerprint ${fingerprintOf('gth_not-a-token-of-this-backend-012345')}`,
    );
    expect(
      (await leak({ source: 'gatehouse-static', fingerprint: '00000000' }))
        .status,
    ).toBe(404);
    expect(
      (await leak({ credential: 'gatehouse-managed:no-such-id' })).status,
    ).toBe(404);
    const expiredJwt = await idp.getToken({
      claims: { exp: Math.floor(Date.now() / 1000) - 3600 },
    });
    const jwt = await leak({ token: expiredJwt });
    expect(jwt.status).toBe(404);
    expect(jwt.body.error.message).toContain('name its entry and subject');
  });

  it('marks from the CLI, the token read from standard input', async () => {
    const { port } = backend.server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    await withGatehouseToken(ADMIN, async () => {
      const fromStdin = await runBuiltGatehouseInProcess(
        ['leak', '--backend-url', base, '--reason', 'found in a gist'],
        { input: `${CLI_LEAKED}\n` },
      );
      expect(fromStdin).toEqual({
        status: 0,
        stdout: expect.stringMatching(
          /^Marked gatehouse-static:[0-9a-f]{8} compromised: every replica refuses it within seconds\.\n  gatehouse-static  ci-by-cli  fingerprint [0-9a-f]{8}\n/,
        ),
        stderr: '',
      });
      expect(fromStdin.stdout).not.toContain(CLI_LEAKED);
      expect((await whoami(backend, CLI_LEAKED)).status).toBe(401);

      const again = await runBuiltGatehouseInProcess(
        ['leak', '--backend-url', base, '--json'],
        { input: CLI_LEAKED },
      );
      expect(JSON.parse(again.stdout)).toMatchObject({
        alreadyMarked: true,
        compromised: { by: 'admin', reason: 'found in a gist' },
      });

      const empty = await runBuiltGatehouseInProcess([
        'leak',
        '--backend-url',
        base,
      ]);
      expect(empty.status).toBe(2);
      expect(empty.stderr).toContain('No token on standard input');
      // A token on the command line is not an option.
      const onArgv = await runBuiltGatehouseInProcess([
        'leak',
        BYSTANDER,
        '--backend-url',
        base,
      ]);
      expect(onArgv.status).toBe(2);
      expect(onArgv.stderr).not.toContain(BYSTANDER);
    });
    expect((await whoami(backend, BYSTANDER)).status).toBe(200);
  });

  it('answers 403 to a caller without gatehouse.token.compromise, and 401 to none', async () => {
    const denied = await leak({ token: BYSTANDER }, READ_ONLY);
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toBe(
      "'reviewer' may not use gatehouse.token.compromise",
    );
    const anonymous = await request(backend.server)
      .post('/api/gatehouse/leaks')
      .send({ token: BYSTANDER });
    expect(anonymous.status).toBe(401);
    expect((await whoami(backend, BYSTANDER)).status).toBe(200);
  });
});
