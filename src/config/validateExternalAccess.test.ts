import { ConfigSources } from '@backstage/config-loader';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatehouseConfigError } from '../lib/GatehouseConfigError';
import { validateExternalAccess } from './validateExternalAccess';

const TOKEN = 'gth_validate_external_access_test_token_0001';

/** The report for a YAML file loaded as Backstage loads it, with only `env` set. */
async function reportFor(
  yaml: string,
  env: Record<string, string> = {},
): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-validate-'));
  try {
    const file = join(dir, 'app-config.yaml');
    writeFileSync(file, yaml);
    const config = await ConfigSources.toConfig(
      ConfigSources.default({
        argv: ['--config', file],
        watch: false,
        substitutionFunc: async name => env[name],
      }),
    );
    try {
      validateExternalAccess(config);
      return [];
    } catch (error) {
      if (!(error instanceof GatehouseConfigError)) throw error;
      return error.problems;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the start-up report of backend.auth.externalAccess', () => {
  it('suggests the closest valid key for a misspelt one', async () => {
    expect(
      await reportFor(`
backend:
  auth:
    externalAccess:
      - type: gatehouse-static
        options:
          tokens:
            - token: ${TOKEN}
              subject: a
              expireAt: 2030-01-01T00:00:00Z
      - type: gatehouse-static
        options:
          subject: b
          tokenFile: /etc/backstage/tokens.yaml
      - type: gatehouse-jwks
        options:
          issuer: https://idp.example.com
          audiences: backstage-api
        accesRestrictions:
          - plugin: catalog
`),
    ).toEqual([
      "backend.auth.externalAccess[0].options.tokens[0].expireAt: unknown key 'expireAt'; did you mean 'expiresAt'?",
      "backend.auth.externalAccess[1].options.tokenFile: unknown key 'tokenFile'; did you mean 'tokensFile'?",
      "backend.auth.externalAccess[2].accesRestrictions: unknown key 'accesRestrictions'; did you mean 'accessRestrictions'?",
      "backend.auth.externalAccess[2].options.audiences: unknown key 'audiences'; did you mean 'audience'?",
    ]);
  });

  // Backstage's config loader leaves out a value whose variable is unset, so
  // the key looks never written; every such problem must say so.
  it('hints at an unset variable for every key that can come from one', async () => {
    const yaml = `
backend:
  auth:
    externalAccess:
      - type: gatehouse-static
        options:
          subject: \${SUBJECT}
          token: ${TOKEN}
      - type: gatehouse-static
        options:
          subject: c
          token: \${TOKEN}
      - type: gatehouse-static
        options:
          tokens:
            - hash: \${HASH}
              subject: d
      - type: gatehouse-jwks
        options:
          url: \${JWKS_URL}
          issuer: \${ISSUER}
          audience: backstage-api
          subjectPrefix: one
      - type: gatehouse-jwks
        options:
          issuer: https://idp.example.com
          audience: backstage-api
          subjectPrefix: two
          claims:
            repository_owner: \${OWNER}
      - type: gatehouse-jwks
        options:
          issuer: https://idp.example.com
          audience: backstage-api
          subjectPrefix: three
          claims:
            ref:
              - \${REF}
      - type: static
        options:
          token: ${TOKEN.replace('0001', '0002')}
          subject: e
        accessRestrictions:
          - plugin: catalog
            permission:
              - \${PERMISSION}
          - plugin: scaffolder
            permissionAttribute:
              action:
                - \${ACTION}
      - type: static
        options:
          token: ${TOKEN.replace('0001', '0003')}
          subject: f
        accessRestrictions:
          - \${RESTRICTION}
`;
    const problems = await reportFor(yaml);
    expect(problems.map(p => p.split(':')[0])).toEqual([
      'backend.auth.externalAccess[0].options.subject',
      'backend.auth.externalAccess[1].options',
      'backend.auth.externalAccess[2].options.tokens[0]',
      'backend.auth.externalAccess[3].options',
      'backend.auth.externalAccess[4].options.claims',
      'backend.auth.externalAccess[5].options.claims.ref',
      'backend.auth.externalAccess[6].accessRestrictions[0].permission',
      'backend.auth.externalAccess[6].accessRestrictions[1].permissionAttribute.action',
      'backend.auth.externalAccess[7].accessRestrictions',
    ]);
    for (const problem of problems) {
      expect(problem).toMatch(
        /; if it comes from an environment variable, is the variable set\?$/,
      );
    }
    // With every variable set, the same file is valid.
    expect(
      await reportFor(yaml, {
        SUBJECT: 'a',
        TOKEN: TOKEN.replace('0001', '0004'),
        HASH: `sha256:${'ab'.repeat(32)}`,
        JWKS_URL: 'https://idp.example.com/jwks',
        ISSUER: 'https://idp.example.com',
        OWNER: 'my-org',
        REF: 'refs/heads/main',
        PERMISSION: 'catalog.entity.read',
        ACTION: 'read',
        RESTRICTION: 'catalog',
      }),
    ).toEqual([
      // A string where Backstage wants a restriction object: Backstage's own
      // check refuses it at start-up; Gatehouse's report has nothing to add.
    ]);
  });

  it('refuses empty restrictions, which Backstage reads as no limit', async () => {
    expect(
      await reportFor(`
backend:
  auth:
    externalAccess:
      - type: gatehouse-static
        options:
          subject: a
          token: ${TOKEN}
        accessRestrictions:
          - plugin: catalog
            permission: []
          - plugin: scaffolder
            permissionAttribute: {}
          - plugin: search
            permission: ' , '
          - plugin: techdocs
            permission: catalog.entity.read
            permissionAttribute:
              action: read
`),
    ).toEqual([
      'backend.auth.externalAccess[0].accessRestrictions[0].permission: is empty, which Backstage reads as no limit at all: name what the token may do, or remove the key; if it comes from an environment variable, is the variable set?',
      'backend.auth.externalAccess[0].accessRestrictions[1].permissionAttribute: is empty, which Backstage reads as no limit at all: name what the token may do, or remove the key; if it comes from an environment variable, is the variable set?',
      'backend.auth.externalAccess[0].accessRestrictions[2].permission: is empty, which Backstage reads as no limit at all: name what the token may do, or remove the key; if it comes from an environment variable, is the variable set?',
    ]);
  });
});
