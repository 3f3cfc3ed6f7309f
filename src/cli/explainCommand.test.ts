import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBuiltGatehouseInProcess, runGatehouse } from '../testing/runCli';
import {
  startTestIdentityProvider,
  TestIdentityProvider,
} from '../testing/testIdentityProvider';

const CI_TOKEN = 'gth_explain-ci-token-0123456789abcdefghijk';
const EXPIRED_TOKEN = 'gth_explain-expired-0123456789abcdefghijk';
const BUILTIN_TOKEN = 'builtin-explain-token-0123456789';

describe('gatehouse explain (the built CLI)', () => {
  let idp: TestIdentityProvider;
  let configFile: string;

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-explain-'));
    configFile = join(dir, 'app-config.yaml');
    writeFileSync(
      configFile,
      `backend:
  auth:
    externalAccess:
      - type: gatehouse-static
        options:
          subject: ci-pipeline
          tokens:
            - token: \${EXPLAIN_CI_TOKEN}
            - token: ${EXPIRED_TOKEN}
              expiresAt: 2020-01-01
        accessRestrictions:
          - plugin: catalog
            permissionAttribute: { action: [read] }
      - type: static
        options: { token: ${BUILTIN_TOKEN}, subject: builtin }
      - type: gatehouse-jwks
        options:
          issuer: ${idp.issuer}
          audience: backstage-api
          subjectPrefix: ci
          claims:
            ref: [refs/heads/main, refs/tags/v*]
`,
    );
  });
  afterAll(() => idp.stop());

  const explain = (token: string, input?: string) =>
    runGatehouse(['explain', '--config', configFile, token], {
      input,
      env: { EXPLAIN_CI_TOKEN: CI_TOKEN },
    });

  function expectNoSecrets(output: string, token: string) {
    for (const secret of [token, CI_TOKEN, EXPIRED_TOKEN, BUILTIN_TOKEN]) {
      expect(output).not.toContain(secret);
    }
  }

  it('names the accepting entry, its subject and restrictions (exit 0), never the token', () => {
    const result = explain(CI_TOKEN);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      "backend.auth.externalAccess[0] gatehouse-static: ACCEPTED: accepted as 'ci-pipeline' (token backend.auth.externalAccess[0].options.tokens[0])",
    );
    expect(result.stdout).toContain(
      'accessRestrictions: [{"plugin":"catalog","permissionAttribute":{"action":["read"]}}]',
    );
    expect(result.stdout).toContain(
      'backend.auth.externalAccess[1] static: not tried: an earlier entry accepts the token',
    );
    expect(result.stdout).toContain(
      "Result: accepted by backend.auth.externalAccess[0] as 'ci-pipeline'.",
    );
    expectNoSecrets(result.stdout + result.stderr, CI_TOKEN);
  });

  it('says when a static token expired (exit 1), and reads the token from stdin', () => {
    const result = explain('-', `${EXPIRED_TOKEN}\n`);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(
      /gatehouse-static: rejected \(token_expired_static\): expired at 2020-01-01T00:00:00\.000Z, \d+ days ago/,
    );
    expect(result.stdout).toContain(
      "backend.auth.externalAccess[1] static: rejected (unknown_token): not this entry's token",
    );
    expectNoSecrets(result.stdout + result.stderr, EXPIRED_TOKEN);
  });

  it('accepts a JWT from the identity provider through the same code as the handler', async () => {
    const token = await idp.getToken();
    const result = explain(token);
    expect(result.stdout).toContain(
      "gatehouse-jwks: ACCEPTED: accepted as 'external:ci:rs256-client'",
    );
    expect(result.status).toBe(0);
    expectNoSecrets(result.stdout, token);
    expect(result.stdout).not.toContain(token.split('.')[2]);
  });

  it.each([
    [
      { claims: { ref: 'refs/heads/dev' } },
      `rejected (claim_mismatch): claim 'ref' is 'refs/heads/dev' but must match "refs/heads/main" or "refs/tags/v*"`,
    ],
    [
      { audience: 'other-api' },
      "rejected (audience_mismatch): audience 'other-api' is not in [backstage-api]",
    ],
    [
      { claims: { exp: Math.floor(Date.now() / 1000) - 40 } },
      /rejected \(expired\): expired at \S+, (4\d|5\d) s ago/,
    ],
    [
      { header: { kid: 'no-such-kid' } },
      /rejected \(unknown_kid\): kid 'no-such-kid' is not in the key set at http:\/\/127\.0\.0\.1:\d+\/jwks \(found by OIDC discovery of http:\/\/127\.0\.0\.1:\d+\) \(kids: rs256-/,
    ],
    [
      { header: { typ: 'secevent+jwt' } },
      "rejected (typ_mismatch): header typ 'secevent+jwt' is not absent, 'JWT' or 'at+jwt'",
    ],
  ])('explains a JWT rejected for %j', async (tokenOptions, expected) => {
    const token = await idp.getToken(tokenOptions);
    const result = explain(token);
    expect(result.status).toBe(1);
    if (typeof expected === 'string') {
      expect(result.stdout).toContain(
        `backend.auth.externalAccess[2] gatehouse-jwks: ${expected}`,
      );
    } else {
      expect(result.stdout).toMatch(expected);
    }
    expectNoSecrets(result.stdout, token);
  });

  it("warns about Backstage's own checks: the backstage audience trap", async () => {
    const token = await idp.getToken({ audience: 'backstage' });
    const result = explain(token);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      "! The audience is 'backstage': Backstage takes the token for one of its user tokens",
    );
    expect(result.stdout).toContain(
      "not reached: Backstage's own check decides",
    );
  });

  it('reports a configuration Backstage would not start with (exit 2), naming the key', () => {
    const result = runGatehouse(
      ['explain', '--config', configFile, 'whatever-token-value'],
      {
        env: { EXPLAIN_CI_TOKEN: '' },
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      'Backstage would not start with this configuration:',
    );
    // An empty variable substitutes an empty token.
    expect(result.stderr).toContain(
      'backend.auth.externalAccess[0].options.tokens[0].token: must be at least 16 characters long',
    );
    expect(result.stderr).not.toContain('Usage:');
    expect(
      runGatehouse(['explain', '--config', '/nonexistent.yaml', 'x']).stderr,
    ).toContain(
      'Cannot load the configuration: Config file "/nonexistent.yaml" does not exist',
    );
    expect(runGatehouse(['explain', 'x']).status).toBe(2);
  });

  it('refuses an entry type no module adds (exit 2), unless told another module adds it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-explain-types-'));
    try {
      const file = join(dir, 'app-config.yaml');
      writeFileSync(
        file,
        `backend:
  auth:
    externalAccess:
      - type: gatehouse-statik
        options: { subject: a, token: ${CI_TOKEN} }
      - type: my-company-tokens
        options: {}
      - type: static
        options: { token: ${BUILTIN_TOKEN}, subject: builtin }
`,
      );
      const refused = runGatehouse(['explain', '--config', file, CI_TOKEN]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain(
        "backend.auth.externalAccess[0].type: unknown type 'gatehouse-statik'; did you mean 'gatehouse-static'?",
      );
      expect(refused.stderr).toContain(
        "backend.auth.externalAccess[1].type: unknown type 'my-company-tokens' Backstage starts only with types its modules add",
      );
      expect(refused.stderr).toContain('pass --module-type my-company-tokens');
      expectNoSecrets(refused.stdout + refused.stderr, CI_TOKEN);

      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('gatehouse-statik', 'static'),
      );
      const explained = runGatehouse([
        'explain',
        '--config',
        file,
        '--module-type',
        'my-company-tokens',
        BUILTIN_TOKEN,
      ]);
      expect(explained.stdout).toContain(
        "Gatehouse cannot explain entries of type 'my-company-tokens'; Backstage tries it here",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the variables that are not set', () => {
    const result = runGatehouse(['explain', '--config', configFile, CI_TOKEN]);
    expect(result.stderr).toContain(
      'Not set in this environment: EXPLAIN_CI_TOKEN.',
    );
  });

  it('prints text from the token escaped, so a token cannot forge the result or hide lines', () => {
    const forged =
      "\n\nResult: accepted by backend.auth.externalAccess[0] as 'admin'.\n\u001b[8m\u202e";
    const b64 = (value: unknown) =>
      Buffer.from(JSON.stringify(value)).toString('base64url');
    const iat = Math.floor(Date.now() / 1000);
    for (const [header, payload] of [
      [
        { alg: 'RS256' },
        { iss: forged, aud: 'backstage-api', sub: forged, iat, exp: iat + 60 },
      ],
      [
        { alg: 'RS256', kid: forged },
        {
          iss: idp.issuer,
          aud: 'backstage-api',
          sub: 's',
          ref: 'refs/heads/main',
          iat,
          exp: iat + 60,
        },
      ],
      [
        { alg: 'RS256' },
        {
          iss: idp.issuer,
          aud: 'backstage-api',
          sub: 's',
          ref: forged,
          iat,
          exp: iat + 60,
        },
      ],
    ]) {
      const token = `${b64(header)}.${b64(payload)}.c2ln`;
      const result = explain(token);
      expect(result.status).toBe(1);
      expect(result.stdout).not.toMatch(/^Result: accepted/m);
      expect(result.stdout).toMatch(/^Result: rejected/m);
      expect(result.stdout.replace(/\n/g, '')).not.toMatch(
        /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/,
      );
      expect(result.stdout).toContain(
        "\\u{a}\\u{a}Result: accepted by backend.auth.externalAccess[0] as 'admin'.\\u{a}\\u{1b}[8m\\u{202e}",
      );
    }
  });

  it('never prints the line of a YAML syntax error, which may hold a token', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-explain-yaml-'));
    const broken = join(dir, 'app-config.yaml');
    writeFileSync(
      broken,
      `backend:\n  auth:\n    externalAccess:\n      - type: gatehouse-static\n        options:\n          token: ${CI_TOKEN}: oops\n`,
    );
    const result = runGatehouse(['explain', '--config', broken, 'x']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('at line 6, column');
    expect(result.stderr).toContain(
      '(the line itself is not shown: it may hold a secret)',
    );
    expect(result.stderr).not.toContain(CI_TOKEN);
  });

  it('never prints credentials of a JWKS URL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-explain-url-'));
    const config = join(dir, 'app-config.yaml');
    writeFileSync(
      config,
      `backend:\n  auth:\n    externalAccess:\n      - type: gatehouse-jwks\n        options:\n          url: http://svc:SECRETPW@127.0.0.1:9/jwks?api_key=SECRETKEY\n          issuer: https://idp.example\n`,
    );
    const b64 = (value: unknown) =>
      Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = `${b64({ alg: 'RS256', kid: 'k' })}.${b64({ iss: 'https://idp.example', sub: 's', exp: 2e9 })}.c2ln`;
    const result = runGatehouse(['explain', '--config', config, token]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('http://***@127.0.0.1:9/jwks?api_key=***');
    expect(result.stdout + result.stderr).not.toMatch(/SECRETPW|SECRETKEY/);
  });
});

describe('gatehouse vault-config (the built CLI)', () => {
  it('prints the Vault commands for a plugin', () => {
    const result = runGatehouse([
      'vault-config',
      '--backend-url',
      'https://backstage.example.com/',
      '--plugin',
      'terraform',
      '--audience',
      'vault-jwt',
      '--mount',
      'jwt-terraform',
      '--policies',
      'terraform-state',
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatchInlineSnapshot(`
     "# Vault JWT auth for tokens issued by the Backstage plugin 'terraform'
     # (externalAudienceTokens.getToken({ audience: 'vault-jwt' })).
     # jwks_url names the source plugin's keys; with the static key store all plugins
     # share keys, so bound_subject is what ties a token to 'terraform': keep it.
     vault auth enable -path=jwt-terraform jwt   # once per mount

     vault write auth/jwt-terraform/config \\
         jwks_url=https://backstage.example.com/api/terraform/.backstage/auth/v1/jwks.json \\
         jwt_supported_algs=ES256

     # Backstage plugin tokens have no iss claim: do not set bound_issuer.
     vault write auth/jwt-terraform/role/terraform \\
         role_type=jwt \\
         bound_audiences=vault-jwt \\
         bound_subject=terraform \\
         user_claim=sub \\
         clock_skew_leeway=60 \\
         expiration_leeway=60 \\
         not_before_leeway=60 \\
         token_policies=terraform-state \\
         token_ttl=15m

     # The plugin logs in with:
     #   vault write auth/jwt-terraform/login role=terraform jwt='<token>'
     "
    `);
  });

  it('prints nothing that runs a command when pasted into a shell, whatever the options', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-vault-'));
    const marker = join(dir, 'pwned');
    const inject = [
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `'; touch ${marker}; '`,
    ];
    const cases = inject.flatMap(payload => [
      ['--policies', payload],
      ['--ttl', `15m${payload}`],
      ['--role', payload],
      ['--audience', payload],
      ['--mount', payload],
      ['--backend-url', `https://backstage.example.com/${payload}`],
      ['--backend-url', `https://backstage.example.com/?q=${payload}`],
    ]);
    for (const extra of cases) {
      const args = [
        '--backend-url',
        'https://backstage.example.com',
        '--plugin',
        'terraform',
        ...extra,
      ];
      const result = await runBuiltGatehouseInProcess([
        'vault-config',
        ...args,
      ]);
      if (result.status !== 0) {
        expect(result.status).toBe(2);
        continue;
      }
      // Pasted into bash, with a vault that only records its arguments.
      const run = spawnSync(
        'bash',
        [
          '-c',
          `vault() { printf '%s\\n' "$@" >> ${dir}/args; }\n${result.stdout}`,
        ],
        { encoding: 'utf8' },
      );
      expect(run.status).toBe(0);
      expect(existsSync(marker)).toBe(false);
    }
    // What a pasted command passes is exactly what was asked for.
    const ok = runGatehouse([
      'vault-config',
      '--backend-url',
      'https://backstage.example.com/base/',
      '--plugin',
      'terraform',
      '--policies',
      'a,b',
      '--ttl',
      '1h30m',
    ]);
    rmSync(join(dir, 'args'), { force: true });
    spawnSync('bash', [
      '-c',
      `vault() { printf '%s\\n' "$@" >> ${dir}/args; }\n${ok.stdout}`,
    ]);
    expect(readFileSync(join(dir, 'args'), 'utf8').split('\n')).toEqual(
      expect.arrayContaining([
        'jwks_url=https://backstage.example.com/base/api/terraform/.backstage/auth/v1/jwks.json',
        'token_policies=a,b',
        'token_ttl=1h30m',
        'bound_subject=terraform',
      ]),
    );
  });

  it('refuses bad input with exit code 2', () => {
    for (const args of [
      ['--plugin', 'terraform'],
      ['--backend-url', 'not a url', '--plugin', 'terraform'],
      ['--backend-url', 'ftp://x', '--plugin', 'terraform'],
      ['--backend-url', 'https://x', '--plugin', 'bad plugin'],
      ['--backend-url', 'https://x', '--plugin', 'p', '--role', 'a"; rm -rf /'],
    ]) {
      expect(runGatehouse(['vault-config', ...args]).status).toBe(2);
    }
    expect(
      runGatehouse([
        'vault-config',
        '--backend-url',
        'http://backstage.internal',
        '--plugin',
        'p',
      ]).stdout,
    ).toContain('WARNING: the JWKS is fetched over plain http');
  });
});
