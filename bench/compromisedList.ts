import { mockServices } from '@backstage/backend-test-utils';
import { createHash, randomBytes } from 'node:crypto';
import { CompromisedList } from '../src/leaks/CompromisedList';
import type {
  CompromisedMark,
  CompromisedStore,
} from '../src/leaks/CompromisedStore';

/**
 * A compromised-credentials list as a production replica holds it: attached
 * (so every request checks it) with `count` marked tokens that are not the
 * bench's, read from an in-memory stand-in for the database (the hot path
 * never reads it; only its timer would, and it is stopped).
 */
export async function attachedCompromisedList(
  count = 100,
): Promise<CompromisedList> {
  const marks: CompromisedMark[] = Array.from({ length: count }, (_, i) => {
    const key = createHash('sha256').update(randomBytes(32)).digest('hex');
    return {
      key,
      credentialId: `gatehouse-static:${key.slice(0, 8)}`,
      source: 'gatehouse-static',
      fingerprint: key.slice(0, 8),
      markedBy: 'user:default/bench',
      markedAt: i,
      updatedAt: i,
    };
  });
  const store = {
    now: async () => Date.now(),
    all: async () => marks,
    changedSince: async () => [],
  } as unknown as CompromisedStore;
  const list = new CompromisedList({
    logger: mockServices.rootLogger({ level: 'none' }),
    // Never stale during a bench run.
    settings: { maxStaleMs: 24 * 60 * 60_000 },
  });
  await list.attach(store);
  list.close();
  return list;
}
