import type { JsonObject } from '@backstage/types';
import { loadConfigSchema } from '@backstage/config-loader';
import { join } from 'node:path';

describe('config.d.ts', () => {
  // Loading also proves the schema merges with backend-defaults' own: a union
  // of entry types here would make Backstage's schema merge throw.
  it('marks every plain static token secret, so Backstage redacts it from logs', async () => {
    const schema = await loadConfigSchema({
      dependencies: ['@backstage/backend-defaults'],
      packagePaths: [join(__dirname, '../package.json')],
    });
    const data = {
      backend: {
        auth: {
          externalAccess: [
            {
              type: 'gatehouse-static',
              options: {
                subject: 'ci',
                token: 'entry-level-secret-0123456789',
                tokens: [
                  { token: 'listed-secret-0123456789abc', subject: 'next' },
                  { hash: `sha256:${'a'.repeat(64)}`, expiresAt: '2027-01-01' },
                ],
                tokensFile: '/etc/tokens.yaml',
              },
            },
            {
              type: 'gatehouse-jwks',
              options: {
                issuer: 'https://token.actions.githubusercontent.com',
                audience: 'backstage-api',
                claims: { repository_owner: 'my-org', run_number: 42 },
                clockTolerance: '30s',
              },
            },
          ],
        },
      },
    };
    const [secrets] = schema.process([{ data, context: 'test' }], {
      visibility: ['secret'],
      ignoreSchemaErrors: true,
    });
    expect(secrets.data).toEqual({
      backend: {
        auth: {
          externalAccess: [
            {
              options: {
                token: 'entry-level-secret-0123456789',
                tokens: [{ token: 'listed-secret-0123456789abc' }],
              },
            },
          ],
        },
      },
    });
  });

  // What `backstage-cli config:check --strict` checks: the merged schema with
  // undeclared properties refused and schema errors fatal.
  const strictErrors = async (externalAccess: JsonObject[]) => {
    const schema = await loadConfigSchema({
      dependencies: ['@backstage/backend-defaults'],
      packagePaths: [join(__dirname, '../package.json')],
      noUndeclaredProperties: true,
    });
    try {
      schema.process([
        {
          data: {
            app: { baseUrl: 'http://localhost:3000' },
            backend: {
              baseUrl: 'http://localhost:7007',
              database: { client: 'better-sqlite3', connection: ':memory:' },
              auth: { externalAccess },
            },
          },
          context: 'test',
        },
      ]);
      return [];
    } catch (error) {
      return (error as { messages?: string[] }).messages ?? [String(error)];
    }
  };

  it("leaves config:check --strict passing for Backstage's own entry types", async () => {
    expect(
      await strictErrors([
        { type: 'static', options: { token: 'a'.repeat(24), subject: 's' } },
        { type: 'jwks', options: { url: 'https://idp.example/jwks' } },
        { type: 'legacy', options: { secret: 'c2VjcmV0', subject: 'l' } },
      ]),
    ).toEqual([]);
  });

  it("cannot make config:check --strict accept Gatehouse's types: Backstage's entry union is closed (docs/troubleshooting.md)", async () => {
    const errors = await strictErrors([
      {
        type: 'gatehouse-static',
        options: { subject: 'ci', token: 'b'.repeat(24) },
      },
    ]);
    expect(errors.join('\n')).toContain(
      'must be equal to constant { allowedValue=static } at /backend/auth/externalAccess/0/type',
    );
  });
});
