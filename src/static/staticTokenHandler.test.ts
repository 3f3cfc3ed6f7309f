import fc from 'fast-check';
import { mkdtempSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
  startupErrorOf,
  testBackendConfig,
} from '../testing/startGatehouseTestBackend';
import { eventually, whoami } from '../testing/requests';
import { hashStaticToken } from './staticTokenFormat';

const CI_TOKEN = 'gth_ci-plain-token-0123456789abcdefghijklmno';
const HASHED_TOKEN = 'gth_hashed-token-0123456789abcdefghijklmnopq';
const NEXT_TOKEN = 'gth_rotation-next-0123456789abcdefghijklmno';
const EXPIRED_TOKEN = 'gth_expired-token-0123456789abcdefghijklmno';
const FUTURE_TOKEN = 'gth_future-token-0123456789abcdefghijklmnop';
const FILE_TOKEN = 'gth_file-token-0123456789abcdefghijklmnopqr';
const ADDED_TOKEN = 'gth_added-to-file-0123456789abcdefghijklmno';
const RESTRICTED_TOKEN = 'gth_restricted-0123456789abcdefghijklmnopqrs';
const BUILTIN_TOKEN = 'builtin-static-token-0123456789abcdefghij';
const ALL_TOKENS = [
  CI_TOKEN,
  HASHED_TOKEN,
  NEXT_TOKEN,
  EXPIRED_TOKEN,
  FUTURE_TOKEN,
  FILE_TOKEN,
  ADDED_TOKEN,
  RESTRICTED_TOKEN,
  BUILTIN_TOKEN,
];

const DAY = 24 * 60 * 60 * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

function tokensYaml(
  tokens: Array<{ token: string; subject?: string }>,
): string {
  return `tokens:\n${tokens
    .map(
      t =>
        `  - token: ${t.token}\n${t.subject ? `    subject: ${t.subject}\n` : ''}`,
    )
    .join('')}`;
}

/** Writes the file the way editors and Kubernetes do: a new file renamed over the old. */
function replaceFile(path: string, content: string) {
  writeFileSync(`${path}.tmp`, content);
  renameSync(`${path}.tmp`, path);
}

function externalAccess(tokensFile: string) {
  return [
    {
      type: 'gatehouse-static',
      options: {
        subject: 'ci-pipeline',
        token: CI_TOKEN,
        tokens: [
          { hash: hashStaticToken(HASHED_TOKEN), subject: 'hashed-caller' },
          {
            token: NEXT_TOKEN,
            subject: 'ci-pipeline-next',
            expiresAt: iso(Date.now() + 30 * DAY),
          },
          { token: EXPIRED_TOKEN, expiresAt: iso(Date.now() - DAY) },
          { token: FUTURE_TOKEN, notBefore: iso(Date.now() + DAY) },
        ],
      },
    },
    {
      type: 'static',
      options: { token: BUILTIN_TOKEN, subject: 'builtin-caller' },
    },
    {
      type: 'gatehouse-static',
      options: { subject: 'from-file', tokensFile },
    },
    {
      type: 'gatehouse-static',
      options: {
        subject: 'restricted-caller',
        tokens: [{ token: RESTRICTED_TOKEN }],
      },
      accessRestrictions: [{ plugin: 'other' }],
    },
  ];
}

describe('gatehouse-static through a real backend', () => {
  let backend: GatehouseTestBackend;
  let tokensFile: string;

  beforeEach(async () => {
    tokensFile = join(
      mkdtempSync(join(tmpdir(), 'gatehouse-e2e-')),
      'tokens.yaml',
    );
    writeFileSync(tokensFile, tokensYaml([{ token: FILE_TOKEN }]));
    backend = await startGatehouseTestBackend({
      externalAccess: externalAccess(tokensFile),
    });
  });

  afterEach(async () => {
    await backend.stop();
    // Nothing secret, whatever the test did.
    const logText = backend.logs.text();
    for (const token of ALL_TOKENS) {
      expect(logText).not.toContain(token);
    }
  });

  it('accepts a plain token, with the entry subject reaching credentials and the audit actor', async () => {
    const response = await whoami(backend, CI_TOKEN);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      plugin: 'demo',
      principal: { type: 'service', subject: 'ci-pipeline' },
    });
    const audit = backend.logs.entries.find(
      e =>
        e.meta.isAuditEvent &&
        e.meta.eventId === 'whoami' &&
        e.meta.status === 'succeeded',
    );
    expect(audit?.meta.actor).toMatchObject({ actorId: 'ci-pipeline' });
  });

  it('accepts a token known only by its hash, and per-token subjects', async () => {
    expect((await whoami(backend, HASHED_TOKEN)).body.principal.subject).toBe(
      'hashed-caller',
    );
    expect((await whoami(backend, NEXT_TOKEN)).body.principal.subject).toBe(
      'ci-pipeline-next',
    );
  });

  it('accepts a token from tokensFile, with the entry subject as default', async () => {
    const response = await whoami(backend, FILE_TOKEN);
    expect(response.status).toBe(200);
    expect(response.body.principal.subject).toBe('from-file');
  });

  it('works side by side with the built-in static type', async () => {
    expect((await whoami(backend, BUILTIN_TOKEN)).body.principal.subject).toBe(
      'builtin-caller',
    );
  });

  it('rejects unknown tokens with 401 and logs a fingerprint, not the token', async () => {
    const unknown = 'gth_unknown-token-0123456789abcdefghijklmno';
    const response = await whoami(backend, unknown);
    expect(response.status).toBe(401);
    expect(response.body.error).toMatchObject({
      name: 'AuthenticationError',
      message: 'Illegal token',
    });
    expect(
      backend.logs.matching(
        'debug',
        /gatehouse-static rejected a token \(unknown_token\)/,
      ),
    ).toEqual([
      expect.objectContaining({
        meta: expect.objectContaining({
          fingerprint: expect.stringMatching(/^[0-9a-f]{8}$/),
        }),
      }),
    ]);
    expect(backend.logs.text()).not.toContain(unknown);
  });

  it('rejects expired and not-yet-valid tokens with 401 and a clear message', async () => {
    const expired = await whoami(backend, EXPIRED_TOKEN);
    expect(expired.status).toBe(401);
    expect(expired.body.error.name).toBe('AuthenticationError');
    expect(expired.body.error.message).toMatch(
      /^Static token [0-9a-f]{8} expired at \d{4}-/,
    );

    const future = await whoami(backend, FUTURE_TOKEN);
    expect(future.status).toBe(401);
    expect(future.body.error.message).toMatch(
      /^Static token [0-9a-f]{8} is not valid before \d{4}-/,
    );

    expect(
      backend.logs.entries
        .filter(
          e =>
            e.level === 'debug' && /gatehouse-static rejected/.test(e.message),
        )
        .map(e => e.meta.reason),
    ).toEqual(['token_expired_static', 'not_yet_valid']);
  });

  it('applies accessRestrictions: 403 for another plugin, 200 for the named one', async () => {
    const denied = await whoami(backend, RESTRICTED_TOKEN, 'demo');
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({
      name: 'NotAllowedError',
      message: "This token's access is restricted to plugin(s) 'other'",
    });
    const allowed = await whoami(backend, RESTRICTED_TOKEN, 'other');
    expect(allowed.status).toBe(200);
    expect(allowed.body.principal).toEqual({
      type: 'service',
      subject: 'restricted-caller',
      accessRestrictions: {},
    });
  });

  it('warns at start-up about a token that expires within 7 days', async () => {
    await backend.stop();
    backend = await startGatehouseTestBackend({
      externalAccess: [
        {
          type: 'gatehouse-static',
          options: {
            subject: 'ci',
            tokens: [{ token: CI_TOKEN, expiresAt: iso(Date.now() + 2 * DAY) }],
          },
        },
      ],
    });
    expect(
      backend.logs.matching('warn', /expires at .* \(in about 2 days\)/),
    ).toHaveLength(1);
  });

  it('picks up tokens added to and removed from tokensFile within 2 s, without restart', async () => {
    replaceFile(
      tokensFile,
      tokensYaml([{ token: ADDED_TOKEN, subject: 'added' }]),
    );
    await eventually(async () => {
      expect((await whoami(backend, ADDED_TOKEN)).status).toBe(200);
    }, 2000);
    // One shared table: every plugin sees the change at once.
    expect((await whoami(backend, ADDED_TOKEN, 'other')).status).toBe(200);
    expect((await whoami(backend, FILE_TOKEN)).status).toBe(401);
    expect((await whoami(backend, FILE_TOKEN, 'other')).status).toBe(401);
    expect(
      backend.logs.matching(
        'info',
        /gatehouse-static reloaded .*tokens.yaml: 1 token\(s\), was 1/,
      ),
    ).toHaveLength(1);

    // An in-place rewrite is noticed as well.
    writeFileSync(
      tokensFile,
      tokensYaml([{ token: FILE_TOKEN }, { token: ADDED_TOKEN }]),
    );
    await eventually(async () => {
      expect((await whoami(backend, FILE_TOKEN)).status).toBe(200);
    }, 2000);
  });

  it('keeps the last good tokens when the file breaks, and logs the file and the problem once', async () => {
    replaceFile(tokensFile, `tokens:\n  - token: ${ADDED_TOKEN}: broken\n`);
    await eventually(async () => {
      expect(
        backend.logs.matching('error', /keeps the last good 1 token\(s\) of/),
      ).toHaveLength(1);
    }, 2000);
    const [error] = backend.logs.matching('error', /keeps the last good/);
    expect(error.message).toContain(tokensFile);
    expect(error.message).toContain('YAML syntax error');
    expect((await whoami(backend, FILE_TOKEN)).status).toBe(200);

    // Valid YAML, invalid content, and a duplicate of an inline token: same.
    replaceFile(tokensFile, tokensYaml([{ token: 'short' }]));
    await eventually(async () => {
      expect(
        backend.logs.matching(
          'error',
          /tokens\[0\]\.token: must be at least 16/,
        ),
      ).toHaveLength(1);
    }, 2000);
    replaceFile(tokensFile, tokensYaml([{ token: CI_TOKEN }]));
    await eventually(async () => {
      expect(
        backend.logs.matching(
          'error',
          /the same token is already configured at backend\.auth\.externalAccess\[0\]\.options\.token/,
        ),
      ).toHaveLength(1);
    }, 2000);
    expect((await whoami(backend, FILE_TOKEN)).status).toBe(200);
    expect((await whoami(backend, CI_TOKEN)).body.principal.subject).toBe(
      'ci-pipeline',
    );

    // An emptied or deleted file also keeps the last good set.
    replaceFile(tokensFile, '');
    await eventually(async () => {
      expect(
        backend.logs.matching('error', /must be a YAML or JSON object/),
      ).toHaveLength(1);
    }, 2000);
    unlinkSync(tokensFile);
    await eventually(async () => {
      expect(
        backend.logs.matching('error', /cannot be read \(ENOENT\)/),
      ).toHaveLength(1);
    }, 2000);
    expect((await whoami(backend, FILE_TOKEN)).status).toBe(200);

    // Once fixed, the file is applied.
    replaceFile(tokensFile, tokensYaml([{ token: ADDED_TOKEN }]));
    await eventually(async () => {
      expect((await whoami(backend, ADDED_TOKEN)).status).toBe(200);
    }, 2000);
    expect((await whoami(backend, FILE_TOKEN)).status).toBe(401);
  });

  it('re-reads its entries when the root config changes', async () => {
    const access = externalAccess(tokensFile);
    (access[0].options as { token: string }).token = ADDED_TOKEN;
    backend.updateConfig(await testBackendConfig(access));
    await eventually(async () => {
      expect((await whoami(backend, ADDED_TOKEN)).status).toBe(200);
    }, 2000);
    expect((await whoami(backend, CI_TOKEN)).status).toBe(401);
    expect(
      backend.logs.matching('info', /applied a configuration change/),
    ).toHaveLength(1);
  });

  it('keeps its tokens when a root config change is invalid or moves entries', async () => {
    const invalid = externalAccess(tokensFile);
    (invalid[0].options as { token: string }).token = 'short';
    backend.updateConfig(await testBackendConfig(invalid));
    await eventually(async () => {
      expect(
        backend.logs.matching('error', /ignored a configuration change/),
      ).toHaveLength(1);
    }, 2000);
    expect(backend.logs.matching('error', /ignored/)[0].message).toContain(
      'backend.auth.externalAccess[0].options.token: must be at least 16 characters',
    );
    expect((await whoami(backend, CI_TOKEN)).status).toBe(200);

    backend.updateConfig(
      await testBackendConfig(externalAccess(tokensFile).reverse()),
    );
    await eventually(async () => {
      expect(
        backend.logs.matching(
          'error',
          /restart the backend to apply this change/,
        ),
      ).toHaveLength(1);
    }, 2000);
    expect((await whoami(backend, CI_TOKEN)).status).toBe(200);
  });

  it('refuses a reload that swaps a restricted and an unrestricted entry, which would widen access', async () => {
    // Backstage keeps the restrictions it read per position at start-up:
    // applying [3]'s tokens at [0] would make the restricted token
    // unrestricted.
    const swapped = externalAccess(tokensFile);
    [swapped[0], swapped[3]] = [swapped[3], swapped[0]];
    backend.updateConfig(await testBackendConfig(swapped));
    await eventually(async () => {
      expect(
        backend.logs.matching('error', /ignored a configuration change/),
      ).toHaveLength(1);
    }, 2000);
    const [refusal] = backend.logs.matching('error', /ignored/);
    expect(refusal.message).toContain(
      'backend.auth.externalAccess[0] (gatehouse-static): its accessRestrictions changed; backend.auth.externalAccess[3] (gatehouse-static): its accessRestrictions changed.',
    );
    expect(refusal.message).toContain(
      'restart the backend to apply this change',
    );
    expect(
      backend.logs.matching('info', /applied a configuration change/),
    ).toEqual([]);
    expect((await whoami(backend, RESTRICTED_TOKEN, 'demo')).status).toBe(403);
    expect((await whoami(backend, RESTRICTED_TOKEN, 'other')).status).toBe(200);
    expect((await whoami(backend, CI_TOKEN, 'demo')).status).toBe(200);
  });

  it('refuses a reload that changes an entry type or tightens restrictions, which Backstage cannot apply either', async () => {
    const tightened = externalAccess(tokensFile);
    (tightened[0] as { accessRestrictions?: unknown }).accessRestrictions = [
      { plugin: 'other' },
    ];
    (tightened[0].options as { token: string }).token = ADDED_TOKEN;
    backend.updateConfig(await testBackendConfig(tightened));
    await eventually(async () => {
      expect(
        backend.logs.matching(
          'error',
          /externalAccess\[0\] \(gatehouse-static\): its accessRestrictions changed/,
        ),
      ).toHaveLength(1);
    }, 2000);
    // The last good tokens stay, all of them: none of the new ones.
    expect((await whoami(backend, CI_TOKEN)).status).toBe(200);
    expect((await whoami(backend, ADDED_TOKEN)).status).toBe(401);

    const retyped = externalAccess(tokensFile);
    retyped[1] = {
      type: 'gatehouse-static',
      options: { subject: 'x', token: ADDED_TOKEN },
    };
    backend.updateConfig(await testBackendConfig(retyped));
    await eventually(async () => {
      expect(
        backend.logs.matching(
          'error',
          /externalAccess\[1\]: its type changed from static to gatehouse-static/,
        ),
      ).toHaveLength(1);
    }, 2000);
    expect((await whoami(backend, ADDED_TOKEN)).status).toBe(401);
  });

  it('answers random bearer values with 401, never accepting one or failing with 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ minLength: 1, maxLength: 100 }),
          fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 5000 }),
          fc
            .constantFrom(...ALL_TOKENS)
            .chain(t =>
              fc
                .nat(t.length - 1)
                .map(
                  i =>
                    t.slice(0, i) +
                    String.fromCharCode(t.charCodeAt(i) ^ 1) +
                    t.slice(i + 1),
                ),
            ),
          fc.constantFrom(...ALL_TOKENS).map(t => hashStaticToken(t)),
          fc.constantFrom(...ALL_TOKENS).map(t => t.slice(0, -1)),
        ),
        async value => {
          // Values a client cannot put into a header are not an input.
          fc.pre(
            /^[\x21-\x7e][\x20-\x7e]*$/.test(value) &&
              !ALL_TOKENS.includes(value.trim()),
          );
          const response = await whoami(backend, value);
          expect(response.status).toBe(401);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('gatehouse-static start-up validation', () => {
  it('fails for short, spaced or malformed tokens, naming the config path', async () => {
    expect(
      await startupErrorOf([
        {
          type: 'gatehouse-static',
          options: { subject: 'a', token: 'too-short' },
        },
        {
          type: 'gatehouse-static',
          options: {
            subject: 'b',
            tokens: [
              { token: 'has white space in the token' },
              { hash: 'sha256:1234' },
            ],
          },
        },
      ]),
    ).toMatchInlineSnapshot(`
     "Invalid backend.auth.externalAccess configuration:
       - backend.auth.externalAccess[0].options.token: must be at least 16 characters long; generate one with 'npx gatehouse token create'
       - backend.auth.externalAccess[1].options.tokens[0].token: must consist of printable ASCII characters, without white space
       - backend.auth.externalAccess[1].options.tokens[1].hash: must be 'sha256:' followed by 64 hexadecimal digits; compute it with 'npx gatehouse token hash'"
    `);
  });

  it('fails for a token or hash configured twice across entries', async () => {
    expect(
      await startupErrorOf([
        {
          type: 'gatehouse-static',
          options: { subject: 'a', token: CI_TOKEN },
        },
        {
          type: 'gatehouse-static',
          options: {
            subject: 'b',
            tokens: [{ hash: hashStaticToken(CI_TOKEN) }],
          },
        },
      ]),
    ).toMatchInlineSnapshot(`
     "Duplicate gatehouse-static tokens:
       - backend.auth.externalAccess[1].options.tokens[0]: the same token is already configured at backend.auth.externalAccess[0].options.token; each token may appear once"
    `);
  });

  it('fails for keys Backstage would ignore, which would leave a token unrestricted', async () => {
    expect(
      await startupErrorOf([
        {
          type: 'gatehouse-static',
          options: { subject: 'a', token: CI_TOKEN },
          acessRestrictions: [{ plugin: 'catalog' }],
        },
        {
          type: 'static',
          options: {
            token: BUILTIN_TOKEN,
            subject: 'b',
            accessRestrictions: [{ plugin: 'catalog' }],
          },
        },
        {
          type: 'gatehouse-static',
          options: {
            subject: 'c',
            token: HASHED_TOKEN,
            accessRestrictions: [{ plugin: 'catalog' }],
          },
        },
        {
          type: 'static',
          options: { token: NEXT_TOKEN, subject: 'd' },
          permission: 'catalog.entity.read',
        },
      ]),
    ).toMatchInlineSnapshot(`
     "Invalid backend.auth.externalAccess configuration:
       - backend.auth.externalAccess[0].acessRestrictions: unknown key 'acessRestrictions'; did you mean 'accessRestrictions'?
       - backend.auth.externalAccess[1].options.accessRestrictions: unknown key 'accessRestrictions': it belongs one level up, beside 'type' and 'options' of the externalAccess entry; here Backstage ignores it, and the token would have no restrictions
       - backend.auth.externalAccess[2].options.accessRestrictions: unknown key 'accessRestrictions': it belongs one level up, beside 'type' and 'options' of the externalAccess entry; here Backstage ignores it, and the token would have no restrictions
       - backend.auth.externalAccess[3].permission: unknown key 'permission'; the valid keys are 'type', 'options', 'accessRestrictions'"
    `);
  });

  it('fails for subjects that imitate Backstage principals or hide characters', async () => {
    expect(
      await startupErrorOf([
        {
          type: 'gatehouse-static',
          options: {
            tokens: [
              { token: CI_TOKEN, subject: 'plugin:catalog' },
              { token: NEXT_TOKEN, subject: 'External:github:octocat' },
              { token: HASHED_TOKEN, subject: 'ci\u202epipeline' },
              { token: ADDED_TOKEN, subject: 'ci\u200bpipeline' },
              // Fullwidth colon; Cyrillic er: they read as 'plugin:'.
              { token: EXPIRED_TOKEN, subject: 'plugin\uff1acatalog' },
              { token: FUTURE_TOKEN, subject: '\u0440lugin:catalog' },
            ],
          },
        },
      ]),
    ).toMatchInlineSnapshot(`
     "Invalid backend.auth.externalAccess configuration:
       - backend.auth.externalAccess[0].options.tokens[0].subject: must not start with 'plugin:' or anything that reads like it, which is how Backstage's own principals begin (plugins, JWT callers, users); choose a name such as 'ci-pipeline'
       - backend.auth.externalAccess[0].options.tokens[1].subject: must not start with 'external:' or anything that reads like it, which is how Backstage's own principals begin (plugins, JWT callers, users); choose a name such as 'ci-pipeline'
       - backend.auth.externalAccess[0].options.tokens[2].subject: must be a non-empty string without white space, control or format characters
       - backend.auth.externalAccess[0].options.tokens[3].subject: must be a non-empty string without white space, control or format characters
       - backend.auth.externalAccess[0].options.tokens[4].subject: must not start with 'plugin:' or anything that reads like it, which is how Backstage's own principals begin (plugins, JWT callers, users); choose a name such as 'ci-pipeline'
       - backend.auth.externalAccess[0].options.tokens[5].subject: must not start with 'plugin:' or anything that reads like it, which is how Backstage's own principals begin (plugins, JWT callers, users); choose a name such as 'ci-pipeline'"
    `);
  });

  it('fails for an unreadable tokensFile', async () => {
    expect(
      await startupErrorOf([
        {
          type: 'gatehouse-static',
          options: { subject: 'a', tokensFile: '/nonexistent/tokens.yaml' },
        },
      ]),
    ).toMatchInlineSnapshot(`
     "Invalid gatehouse-static tokensFile:
       - backend.auth.externalAccess[0].options.tokensFile: /nonexistent/tokens.yaml: cannot be read (ENOENT); check the path in 'tokensFile' and the file's permissions"
    `);
  });
});
