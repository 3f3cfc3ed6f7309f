import request from 'supertest';
import type { GatehouseTestBackend } from './startGatehouseTestBackend';

/** GET /api/<plugin>/whoami with a bearer token. */
export function whoami(
  backend: GatehouseTestBackend,
  token: string,
  plugin = 'demo',
) {
  return request(backend.server)
    .get(`/api/${plugin}/whoami`)
    .set('Authorization', `Bearer ${token}`);
}

/** A request to the gatehouse plugin's API (`/api/gatehouse<path>`) as the bearer of `token`. */
export function gatehouseApi(
  backend: GatehouseTestBackend,
  method: 'get' | 'post' | 'patch' | 'delete',
  path: string,
  token: string,
) {
  return request(backend.server)
    [method](`/api/gatehouse${path}`)
    .set('Authorization', `Bearer ${token}`);
}

/** The owner tests give tokens that are not about ownership. */
export const TEST_OWNER = 'group:default/platform';

/**
 * Creates a managed token as the bearer of `token`, owned by TEST_OWNER
 * unless `body` names an owner; fails the test unless 201.
 */
export async function createManagedToken(
  backend: GatehouseTestBackend,
  token: string,
  body: object,
) {
  const response = await gatehouseApi(backend, 'post', '/tokens', token).send({
    owner: TEST_OWNER,
    ...body,
  });
  if (response.status !== 201) {
    throw new Error(
      `expected 201 creating a managed token, got ${response.status}: ${JSON.stringify(response.body)}`,
    );
  }
  return response.body;
}

/** The reason codes gatehouse-jwks logged for rejected tokens, oldest first. */
export function jwksRejections(backend: GatehouseTestBackend): string[] {
  return backend.logs.entries
    .filter(
      e =>
        e.level === 'debug' &&
        e.message.startsWith('gatehouse-jwks rejected a token'),
    )
    .map(e => String(e.meta.reason));
}

/** Retries an assertion until it passes or the time is up. */
export async function eventually(
  assertion: () => Promise<void> | void,
  withinMs: number,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      await new Promise(r => setTimeout(r, 50));
    }
  }
}
