import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SWRConfig } from 'swr';
import { ServiceAccessContent } from './ServiceAccessContent';
import { BASE, CREDENTIALS, fakeBackend } from '../testing/fakeBackend';

async function render(
  backend: ReturnType<typeof fakeBackend>,
  allowed: string[] = [
    'gatehouse.token.read',
    'gatehouse.token.create',
    'gatehouse.token.revoke',
  ],
) {
  // usePermission keeps decisions in SWR's cache, which would carry one
  // test's permissions into the next: a fresh cache per render.
  await renderInTestApp(
    <SWRConfig value={{ provider: () => new Map() }}>
      <ServiceAccessContent />
    </SWRConfig>,
    {
      apis: [
        mockApis.fetch({ baseImplementation: backend.fetch as any }),
        mockApis.discovery(),
        mockApis.permission({
          authorize: request =>
            allowed.includes(request.permission.name)
              ? AuthorizeResult.ALLOW
              : AuthorizeResult.DENY,
        }),
      ],
    },
  );
}

const SLOW = { timeout: 10_000 };

/** The details dialog of a credential, from its row's button. */
async function openDetails(subject: string) {
  await userEvent.click(
    await screen.findByRole('button', { name: `Details of ${subject}` }, SLOW),
  );
  return screen.findByRole('dialog');
}

describe('the Service access page', () => {
  it('lists every credential with its source, restrictions, status and last use in words', async () => {
    const backend = fakeBackend();
    await render(backend);
    const row = (
      await screen.findByText('ci-pipeline', undefined, SLOW)
    ).closest('tr')!;
    expect(within(row).getByText('static token')).toBeInTheDocument();
    expect(
      within(row).getByText('catalog: catalog.entity.read (read)'),
    ).toBeInTheDocument();
    expect(within(row).getByText('active')).toBeInTheDocument();
    expect(within(row).getByText(/\(catalog\)$/)).toBeInTheDocument();
    const bot = screen.getByText('deploy-bot').closest('tr')!;
    expect(within(bot).getByText('every plugin')).toBeInTheDocument();
    expect(within(bot).getByText('never')).toBeInTheDocument();
    const legacy = screen.getByText('legacy').closest('tr')!;
    expect(
      within(legacy).getByText('built-in static token'),
    ).toBeInTheDocument();
    expect(within(legacy).getByText('not recorded')).toBeInTheDocument();
    expect(screen.getByText('Credentials (3)')).toBeInTheDocument();
    expect(backend.requests[0].url.href).toBe(`${BASE}/inventory`);
  });

  it('says when the backend sent only the first of more credentials', async () => {
    await render(
      fakeBackend(() => [
        200,
        { generatedAt: '', total: 12_345, items: CREDENTIALS },
      ]),
    );
    expect(
      await screen.findByText(
        'Credentials (the first 3 of 12345: narrow them with the filters)',
        undefined,
        SLOW,
      ),
    ).toBeInTheDocument();
  });

  it('asks the backend the review questions through its filters', async () => {
    const backend = fakeBackend();
    await render(backend);
    await screen.findByText('ci-pipeline', undefined, SLOW);
    await userEvent.click(screen.getByLabelText('Unused for 30 days'));
    await userEvent.click(screen.getByLabelText('Expiring within 14 days'));
    await userEvent.click(screen.getByLabelText('Unrestricted only'));
    await userEvent.selectOptions(
      screen.getByLabelText('Source'),
      'gatehouse-managed',
    );
    await waitFor(() =>
      expect(backend.requests.at(-1)!.url.search).toBe(
        '?unusedFor=30d&expiringWithin=14d&unrestricted=true&source=gatehouse-managed',
      ),
    );
    // The subject is asked for once typing pauses, not for every key.
    await userEvent.type(screen.getByLabelText(/^Subject/), 'ci-*');
    await waitFor(() =>
      expect(backend.requests.at(-1)!.url.searchParams.get('subject')).toBe(
        'ci-*',
      ),
    );
    expect(
      backend.requests.filter(r => r.url.searchParams.has('subject')),
    ).toHaveLength(1);
  });

  it('shows a plain "not allowed" panel, and asks nothing, without gatehouse.token.read', async () => {
    const backend = fakeBackend();
    await render(backend, []);
    expect(
      await screen.findByText('Not allowed', undefined, SLOW),
    ).toBeInTheDocument();
    expect(screen.getByText(/gatehouse\.token\.read/)).toBeInTheDocument();
    expect(backend.requests).toEqual([]);
  });

  it('offers only what the permissions allow: no New token, no Revoke', async () => {
    await render(fakeBackend(), ['gatehouse.token.read']);
    await screen.findByText('deploy-bot', undefined, SLOW);
    expect(screen.queryByRole('button', { name: 'New token' })).toBeNull();
    await userEvent.click(
      screen.getByRole('button', { name: 'Details of deploy-bot' }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText('user:default/alice', { exact: false }),
    ).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: /Revoke/ })).toBeNull();
    expect(within(dialog).queryByRole('button', { name: /Rotate/ })).toBeNull();
  });

  it('creates a token with restrictions, shows it once with a curl line, and says why when the backend refuses', async () => {
    let refuse = true;
    const backend = fakeBackend((method, url, body) => {
      if (method === 'POST' && url.pathname.endsWith('/tokens')) {
        if (refuse) {
          refuse = false;
          return [
            400,
            {
              error: {
                message:
                  'Invalid request: subject: must not start with plugin:',
              },
            },
          ];
        }
        return [
          201,
          {
            id: 'new-id',
            token: 'gthm_newtoken',
            fingerprint: 'aaaa1111',
            subject: body.subject,
            expiresAt: '2026-12-28T00:00:00.000Z',
            accessRestrictions: body.accessRestrictions,
          },
        ];
      }
      return [200, { generatedAt: '', total: 0, items: CREDENTIALS }];
    });
    await render(backend);
    await userEvent.click(
      await screen.findByRole('button', { name: 'New token' }, SLOW),
    );
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(
      within(dialog).getByLabelText(/Subject/),
      'docs-publisher',
    );
    await userEvent.type(
      within(dialog).getByLabelText(/Description/),
      'publishes TechDocs',
    );
    await userEvent.selectOptions(
      within(dialog).getByLabelText('Lifetime'),
      '7d',
    );
    await userEvent.type(
      within(dialog).getByLabelText(/Restricted to/),
      'catalog: catalog.entity.read, catalog.location.*{enter}techdocs (read, nonsense){enter}search',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Create' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'Invalid request: subject: must not start with plugin:',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Create' }),
    );
    expect(
      await within(dialog).findByText('gthm_newtoken'),
    ).toBeInTheDocument();
    expect(within(dialog).getByText(/shown only once/)).toBeInTheDocument();
    expect(
      within(dialog).getByText(
        'curl -H "Authorization: Bearer gthm_newtoken" http://example.com/api/catalog/entities',
      ),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByRole('button', { name: 'Copy the token' }),
    ).toBeInTheDocument();
    const post = backend.requests.filter(r => r.method === 'POST').at(-1)!;
    expect(post.body).toEqual({
      subject: 'docs-publisher',
      description: 'publishes TechDocs',
      expiresIn: '7d',
      accessRestrictions: [
        {
          plugin: 'catalog',
          permission: ['catalog.entity.read', 'catalog.location.*'],
        },
        { plugin: 'techdocs', permissionAttribute: { action: ['read'] } },
        { plugin: 'search' },
      ],
    });
  });

  it("offers the backend's lifetimes up to its maximum, and its plugins and permissions", async () => {
    const backend = fakeBackend((method, url, body) => {
      if (url.pathname.endsWith('/tokens/options')) {
        return [
          200,
          {
            maxLifetimeMs: 30 * 86_400_000,
            defaultLifetimeMs: 7 * 86_400_000,
            rotationOverlapMs: 3_600_000,
            plugins: [
              {
                pluginId: 'catalog',
                permissions: [{ name: 'catalog.entity.read', action: 'read' }],
              },
              { pluginId: 'techdocs', permissions: [] },
            ],
          },
        ];
      }
      if (method === 'POST') {
        return [
          201,
          { id: 'x', token: 'gthm_x', subject: body.subject, expiresAt: '' },
        ];
      }
      return [200, { generatedAt: '', total: 3, items: CREDENTIALS }];
    });
    await render(backend);
    await userEvent.click(
      await screen.findByRole('button', { name: 'New token' }, SLOW),
    );
    const dialog = await screen.findByRole('dialog');
    const choice = await within(dialog).findByLabelText(
      'A plugin or one of its permissions',
    );
    const add = within(dialog).getByRole('button', { name: 'Add' });
    expect(add).toBeDisabled();
    expect(
      [...(choice as HTMLSelectElement).options].map(o => o.textContent),
    ).toEqual([
      'choose…',
      'catalog: everything',
      'catalog: read actions only',
      'catalog: catalog.entity.read (read)',
      'techdocs: everything',
      'techdocs: read actions only',
    ]);
    const lifetime = within(dialog).getByLabelText(
      'Lifetime',
    ) as HTMLSelectElement;
    expect([...lifetime.options].map(o => o.textContent)).toEqual([
      '1 day',
      '7 days',
      '30 days (the maximum)',
    ]);
    expect(lifetime.value).toBe('7d');
    // Choosing adds nothing until Add: arrowing through a select changes it.
    await userEvent.selectOptions(choice, 'catalog: everything');
    expect(within(dialog).getByLabelText(/Restricted to/)).toHaveValue('');
    await userEvent.selectOptions(
      choice,
      'catalog: catalog.entity.read (read)',
    );
    await userEvent.click(add);
    await userEvent.selectOptions(choice, 'techdocs: read actions only');
    await userEvent.click(add);
    expect(add).toBeDisabled();
    expect(within(dialog).getByLabelText(/Restricted to/)).toHaveValue(
      'catalog: catalog.entity.read\ntechdocs (read)',
    );
    await userEvent.type(within(dialog).getByLabelText(/Subject/), 'bot');
    await userEvent.type(within(dialog).getByLabelText(/Description/), 'x');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Create' }),
    );
    await within(dialog).findByText('gthm_x');
    expect(backend.requests.find(r => r.method === 'POST')!.body).toMatchObject(
      {
        expiresIn: '7d',
        accessRestrictions: [
          { plugin: 'catalog', permission: ['catalog.entity.read'] },
          { plugin: 'techdocs', permissionAttribute: { action: ['read'] } },
        ],
      },
    );
  });

  it('offers a caller who may give only what it holds its named permissions, and says so', async () => {
    const backend = fakeBackend((_method, url) =>
      url.pathname.endsWith('/tokens/options')
        ? [
            200,
            {
              maxLifetimeMs: 30 * 86_400_000,
              defaultLifetimeMs: 7 * 86_400_000,
              rotationOverlapMs: 3_600_000,
              anyScope: false,
              plugins: [
                {
                  pluginId: 'catalog',
                  permissions: [
                    { name: 'catalog.entity.read', action: 'read' },
                  ],
                },
                { pluginId: 'techdocs', permissions: [] },
              ],
            },
          ]
        : [200, { generatedAt: '', total: 3, items: CREDENTIALS }],
    );
    await render(backend);
    await userEvent.click(
      await screen.findByRole('button', { name: 'New token' }, SLOW),
    );
    const dialog = await screen.findByRole('dialog');
    const choice = (await within(dialog).findByLabelText(
      'A plugin or one of its permissions',
    )) as HTMLSelectElement;
    expect([...choice.options].map(o => o.textContent)).toEqual([
      'choose…',
      'catalog: catalog.entity.read (read)',
    ]);
    expect(
      within(dialog).getByText(
        /a token may carry only permissions the permission policy gives you/,
      ),
    ).toBeInTheDocument();
  });

  it('offers Rotate only with revoke as well as create: a rotation ends the old token', async () => {
    await render(fakeBackend(), [
      'gatehouse.token.read',
      'gatehouse.token.create',
    ]);
    await screen.findByText('deploy-bot', undefined, SLOW);
    await userEvent.click(
      screen.getByRole('button', { name: 'Details of deploy-bot' }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).queryByRole('button', { name: /Rotate/ })).toBeNull();
  });

  it('rotates a managed token after a confirmation and shows the new one once', async () => {
    const backend = fakeBackend((method, url) =>
      method === 'POST' && url.pathname.endsWith('/rotate')
        ? [
            201,
            {
              id: 'new-id',
              token: 'gthm_rotated',
              fingerprint: 'bbbb2222',
              subject: 'deploy-bot',
              expiresAt: '2026-12-28T00:00:00.000Z',
              previous: { expiresAt: '2026-11-28T13:00:00.000Z' },
            },
          ]
        : [200, { generatedAt: '', total: 3, items: CREDENTIALS }],
    );
    await render(backend);
    const dialog = await openDetails('deploy-bot');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Rotate…' }),
    );
    expect(
      within(dialog).getByText(/keeps working for the overlap/),
    ).toBeInTheDocument();
    expect(backend.requests.some(r => r.method === 'POST')).toBe(false);
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Rotate' }),
    );
    expect(await within(dialog).findByText('gthm_rotated')).toBeInTheDocument();
    expect(within(dialog).getByText(/shown only once/)).toBeInTheDocument();
    expect(backend.requests.find(r => r.method === 'POST')?.url.pathname).toBe(
      '/api/gatehouse/tokens/7b1c/rotate',
    );
    // Neither button again for the token just shown.
    expect(within(dialog).queryByRole('button', { name: /Rotate/ })).toBeNull();
  });

  it('revokes a managed token after a confirmation', async () => {
    const backend = fakeBackend(method =>
      method === 'DELETE'
        ? [200, {}]
        : [200, { generatedAt: '', total: 3, items: CREDENTIALS }],
    );
    await render(backend);
    const dialog = await openDetails('deploy-bot');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Revoke…' }),
    );
    expect(within(dialog).getByText(/cannot be undone/)).toBeInTheDocument();
    expect(backend.requests.some(r => r.method === 'DELETE')).toBe(false);
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Revoke' }),
    );
    await waitFor(() =>
      expect(
        backend.requests.find(r => r.method === 'DELETE')?.url.pathname,
      ).toBe('/api/gatehouse/tokens/7b1c'),
    );
  });
});
