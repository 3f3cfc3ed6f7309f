import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runGatehouse } from '../testing/runCli';
import { schemaPackages } from './configCheckCommand';

/**
 * `gatehouse config-check`, the built command, run in this repository: its
 * dependencies (backend-defaults, the catalog, auth and permission backends)
 * are the schemas `--strict` reads, as a backend package's would be.
 */
describe('gatehouse config-check', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-check-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const valid = {
    app: { baseUrl: 'http://localhost:3000' },
    backend: {
      baseUrl: 'http://localhost:7007',
      database: { client: 'better-sqlite3', connection: ':memory:' },
      auth: {
        externalAccess: [
          {
            type: 'static',
            options: { token: 'built-in-static-token-0001', subject: 'old' },
          },
          {
            type: 'gatehouse-static',
            options: { subject: 'ci', token: '${CI_TOKEN}' },
            accessRestrictions: [{ plugin: 'catalog' }],
          },
          {
            type: 'gatehouse-jwks',
            options: {
              issuer: 'https://token.actions.githubusercontent.com',
              audience: 'backstage-api',
            },
          },
        ],
      },
    },
  };
  const check = (config: object, ...flags: string[]) => {
    const file = join(dir, `app-config-${Math.random()}.yaml`);
    writeFileSync(file, stringify(config));
    return runGatehouse(['config-check', '--config', file, ...flags], {
      env: { CI_TOKEN: 'a-token-of-the-environment-0001' },
    });
  };

  it("passes --strict where backstage-cli config:check --strict fails: Gatehouse's entries checked by Gatehouse, the rest by Backstage's schema", () => {
    const result = check(valid, '--strict');
    expect(result.stdout).toBe(
      [
        'Gatehouse: backend.auth.externalAccess is valid.',
        "Backstage: the config matches every package's schema (strict; Gatehouse's entries checked above).",
        '',
      ].join('\n'),
    );
    expect(result.status).toBe(0);
  });

  it('reports a misspelt Backstage key and a misspelt entry key, with exit code 1', () => {
    const { backend } = valid;
    const [, ours, ...rest] = backend.auth.externalAccess;
    const { accessRestrictions, ...withoutRestrictions } = ours;
    const result = check(
      {
        ...valid,
        backend: {
          ...backend,
          baseUrll: backend.baseUrl,
          auth: {
            externalAccess: [
              backend.auth.externalAccess[0],
              { ...withoutRestrictions, acessRestrictions: accessRestrictions },
              ...rest,
            ],
          },
        },
      },
      '--strict',
    );
    expect(result.stdout).toContain(
      "backend.auth.externalAccess[1].acessRestrictions: unknown key 'acessRestrictions'; did you mean 'accessRestrictions'?",
    );
    expect(result.stdout).toContain(
      'Config must NOT have additional properties { additionalProperty=baseUrll } at /backend',
    );
    expect(result.status).toBe(1);
  });

  it('checks only Gatehouse without --strict, and lets --lax stand in for unset variables', () => {
    const noVar = {
      ...valid,
      backend: { ...valid.backend, baseUrll: 'not checked without --strict' },
    };
    const unset = JSON.parse(
      JSON.stringify(noVar).replace('${CI_TOKEN}', '${GATEHOUSE_UNSET_VAR}'),
    );
    expect(check(noVar).status).toBe(0);
    const withoutLax = check(unset);
    expect(withoutLax.stdout).toContain(
      'Not set in this environment: GATEHOUSE_UNSET_VAR. Backstage leaves out a value whose variable is unset',
    );
    expect(withoutLax.stdout).toContain('is the variable set?');
    expect(withoutLax.status).toBe(1);
    const lax = check(unset, '--lax');
    expect(lax.stdout).toContain(
      'Not set in this environment, given a placeholder (--lax): GATEHOUSE_UNSET_VAR',
    );
    expect(lax.status).toBe(0);
    // A variable with a default is not reported, and gets its default.
    const withDefault = JSON.parse(
      JSON.stringify(noVar).replace(
        '${CI_TOKEN}',
        '${GATEHOUSE_UNSET_VAR:-a-default-token-value-0001}',
      ),
    );
    const defaulted = check(withDefault, '--lax');
    expect(defaulted.stdout).not.toContain('Not set');
    expect(defaulted.status).toBe(0);
  });

  it('prints the start-up warnings of a valid config', () => {
    const { backend } = valid;
    const result = check({
      ...valid,
      backend: {
        ...backend,
        auth: {
          externalAccess: [
            {
              type: 'gatehouse-jwks',
              options: {
                issuer: 'https://token.actions.githubusercontent.com',
              },
            },
          ],
        },
      },
    });
    expect(result.stdout).toContain(
      "warning: backend.auth.externalAccess[0].options: 'audience' is not set",
    );
    expect(result.status).toBe(0);
  });

  it('reads the schemas of every workspace package of a Backstage root, as backstage-cli does', () => {
    const root = join(dir, 'root');
    for (const [path, name] of [
      ['packages/app', 'app'],
      ['packages/backend', 'backend'],
      ['plugins/my-plugin', '@internal/plugin-my-plugin'],
    ]) {
      mkdirSync(join(root, path), { recursive: true });
      writeFileSync(join(root, path, 'package.json'), JSON.stringify({ name }));
    }
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({ workspaces: ['packages/*', 'plugins/*'] }),
    );
    expect(schemaPackages(root).sort()).toEqual([
      '@internal/plugin-my-plugin',
      'app',
      'backend',
    ]);
  });
});
