import type { BackendProcess } from './BackendProcess';

/** The tokens a managed-token backend holds besides the one under load. */
export const MANAGED_TABLE_SIZE = 1_000;
const CONCURRENCY = 10;

/**
 * Issues `count` managed tokens through the backend's own API, as an
 * administrator would (POST /api/gatehouse/tokens with the admin token), and
 * returns the last: managed tokens exist only once the backend runs, and
 * only the answer to their creation shows them.
 */
export async function issueManagedTokens(
  backend: BackendProcess,
  adminToken: string,
  count = MANAGED_TABLE_SIZE,
): Promise<string> {
  const url = backend.baseUrl.replace(/\/api\/bench$/, '/api/gatehouse/tokens');
  const issue = async (i: number): Promise<string> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${adminToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        subject: `bench-caller-${i}`,
        owner: 'group:default/bench',
        description: `load benchmark token ${i}`,
        expiresIn: '1d',
      }),
    });
    if (response.status !== 201) {
      throw new Error(
        `POST ${url}: ${response.status} ${await response.text()}`,
      );
    }
    return ((await response.json()) as { token: string }).token;
  };
  let last = '';
  for (let i = 0; i < count; i += CONCURRENCY) {
    const batch = Array.from(
      { length: Math.min(CONCURRENCY, count - i) },
      (_, j) => issue(i + j),
    );
    last = (await Promise.all(batch)).at(-1)!;
  }
  await untilAccepted(backend, last);
  return last;
}

/** A token made on this replica is in its table at once; wait for it anyway, briefly. */
async function untilAccepted(backend: BackendProcess, token: string) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const response = await fetch(`${backend.baseUrl}/hello`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (response.ok) return;
    if (Date.now() > deadline) {
      throw new Error(`the new managed token gets ${response.status}`);
    }
    await new Promise(done => setTimeout(done, 100));
  }
}
