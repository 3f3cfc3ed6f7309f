import type { Credential } from '../api/types';

/** Test fixtures shared by the new system's and the legacy page's tests. */

export const BASE = 'http://example.com/api/gatehouse';

/** When the fake inventory is made: the page's relative times count from it. */
export const GENERATED_AT = '2026-11-28T12:41:00.000Z';

/** The inventory answer of these credentials. */
export const inventoryOf = (items: Credential[], total = items.length) => ({
  generatedAt: GENERATED_AT,
  total,
  items,
});

/** The inventory answer as the backend pages it: `id`, `offset` and `limit` of the query. */
export function inventoryPage(items: Credential[], url: URL) {
  const id = url.searchParams.get('id');
  const matching = id ? items.filter(c => c.id === id) : items;
  const offset = Number(url.searchParams.get('offset') ?? 0);
  const limit = Number(url.searchParams.get('limit') ?? 10_000);
  return inventoryOf(matching.slice(offset, offset + limit), matching.length);
}

export const CREDENTIALS: Credential[] = [
  {
    id: 'gatehouse-static:3f9a61c2',
    source: 'gatehouse-static',
    builtIn: false,
    subject: 'ci-pipeline',
    fingerprint: '3f9a61c2',
    definedAt: 'backend.auth.externalAccess[0].options.tokens[0]',
    stored: 'hash',
    expiresAt: '2027-02-25T00:00:00.000Z',
    status: 'active',
    accessRestrictions: [
      {
        plugin: 'catalog',
        permission: ['catalog.entity.read'],
        permissionAttribute: { action: ['read'] },
      },
    ],
    usage: {
      lastUsedAt: '2026-11-28T09:41:00.000Z',
      lastUsedBy: 'catalog',
      uses24h: 12,
      uses30d: 340,
    },
  },
  {
    id: 'gatehouse-managed:7b1c',
    source: 'gatehouse-managed',
    builtIn: false,
    subject: 'deploy-bot',
    description: 'deploys the docs site',
    fingerprint: 'c41d0b9e',
    definedAt: 'database',
    createdBy: 'user:default/alice',
    createdAt: '2026-11-01T10:00:00.000Z',
    expiresAt: '2026-12-05T10:00:00.000Z',
    status: 'expiring',
    accessRestrictions: null,
    usage: { uses24h: 0, uses30d: 0 },
    owner: 'group:default/docs-team',
    actions: ['rotate', 'revoke', 'update'],
  },
  {
    id: 'static:5e8812aa',
    source: 'static',
    builtIn: true,
    subject: 'legacy',
    fingerprint: '5e8812aa',
    definedAt: 'backend.auth.externalAccess[3].options.token',
    status: 'active',
    accessRestrictions: null,
    usage: null,
  },
];

/** The backend's API as the page sees it: answers per method and path, and every request made. */
export function fakeBackend(
  answer: (method: string, url: URL, body: any) => [number, unknown] = (
    _method,
    url,
  ) => [200, inventoryPage(CREDENTIALS, url)],
) {
  const requests: Array<{ method: string; url: URL; body: any }> = [];
  const fetch = jest.fn(
    async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input));
      const method = init?.method ?? 'GET';
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      requests.push({ method, url, body });
      const [status, json] = answer(method, url, body);
      return new Response(JSON.stringify(json), {
        status,
        headers: { 'content-type': 'application/json' },
      });
    },
  );
  return { fetch, requests };
}

/**
 * `backend` with its answers to `method` held back until `release` is
 * called: a request under way.
 */
export function heldBack(
  backend: ReturnType<typeof fakeBackend>,
  method: string,
) {
  let release!: () => void;
  const gate = new Promise<void>(resolve => (release = resolve));
  const fetch = jest.fn(
    async (input: RequestInfo | URL, init?: RequestInit) => {
      if ((init?.method ?? 'GET') === method) await gate;
      return backend.fetch(input, init);
    },
  );
  return { backend: { ...backend, fetch }, release };
}
