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
