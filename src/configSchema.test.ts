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
});
