import { mockServices } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import fc from 'fast-check';
import { StaticTokenRegistry } from './StaticTokenRegistry';

const FIRST = 'gth_registry-first-token-0123456789abcdef';
const SECOND = 'gth_registry-second-token-0123456789abcde';
const UNKNOWN = 'gth_registry-unknown-token-0123456789abcd';

describe('StaticTokenRegistry.verify', () => {
  it('answers each entry about each token whatever the order of the questions', async () => {
    const config = mockServices.rootConfig({
      data: {
        backend: {
          auth: {
            externalAccess: [
              {
                type: 'gatehouse-static',
                options: { token: FIRST, subject: 'first' },
              },
              {
                type: 'gatehouse-static',
                options: { token: SECOND, subject: 'second' },
              },
            ],
          },
        },
      } as JsonObject,
    });
    const registry = await StaticTokenRegistry.create({
      config,
      logger: mockServices.rootLogger({ level: 'none' }),
    });
    try {
      const owner: Record<string, number | undefined> = {
        [FIRST]: 0,
        [SECOND]: 1,
        [UNKNOWN]: undefined,
      };
      fc.assert(
        fc.property(
          fc.array(
            fc.tuple(
              fc.constantFrom(FIRST, SECOND, UNKNOWN),
              fc.constantFrom(0, 1),
            ),
            { maxLength: 30 },
          ),
          questions => {
            for (const [token, entryIndex] of questions) {
              const expected =
                owner[token] === undefined
                  ? 'unknown'
                  : owner[token] === entryIndex
                    ? 'accepted'
                    : 'elsewhere';
              expect(registry.verify(token, entryIndex).result).toBe(expected);
            }
          },
        ),
        { numRuns: 200 },
      );
    } finally {
      registry.close();
    }
  });
});
