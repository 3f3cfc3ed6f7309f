import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  entityPresentationApiRef,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Credential } from '../api/types';
import { CredentialDetails } from './CredentialDetails';
import {
  CREDENTIALS,
  fakeBackend,
  heldBack,
  inventoryOf,
} from '../testing/fakeBackend';
import {
  EVERY_PERMISSION,
  afterTransitions,
  clickOutside,
  openDetails,
  renderPage,
} from '../testing/renderPage';

/** Two managed tokens for the same subject: only the details tell them apart. */
const TWIN: Credential = {
  ...CREDENTIALS[1],
  id: 'gatehouse-managed:9f2e',
  description: 'deploys the API docs',
  fingerprint: '0d0d5eed',
  createdAt: '2026-11-20T08:00:00.000Z',
};

describe('the details dialog', () => {
  it('shows every field in words: never for no expiry, not yet valid', async () => {
    const notYet: Credential = {
      ...CREDENTIALS[0],
      id: 'gatehouse-static:0000',
      subject: 'deploy-bot-next',
      status: 'not-yet-valid',
      expiresAt: undefined,
    };
    await renderPage(
      fakeBackend(() => [200, inventoryOf([...CREDENTIALS, notYet])]),
    );
    const dialog = await openDetails('deploy-bot-next');
    const row = (name: string) =>
      within(dialog).getByRole('rowheader', { name }).closest('tr')!;
    expect(row('Status')).toHaveTextContent('not yet valid');
    expect(row('Expires')).toHaveTextContent('never');
  });

  it('names the owner, with its whole ref; shows the status and each restriction as a chip', async () => {
    await renderPage(fakeBackend());
    const dialog = await openDetails('deploy-bot');
    const value = (name: string) =>
      within(dialog).getByRole('rowheader', { name })
        .nextElementSibling as HTMLElement;
    // No catalog in this app: the name in plain text, never broken.
    expect(value('Owner')).toHaveTextContent(
      'docs-team (group:default/docs-team)',
    );
    expect(within(value('Owner')).getByText('docs-team')).toHaveAttribute(
      'title',
      'group:default/docs-team',
    );
    expect(
      within(value('Status')).getByText('expiring').closest('.MuiChip-root'),
    ).not.toBeNull();
    expect(
      within(value('Restricted to'))
        .getByText('every plugin')
        .closest('.MuiChip-root'),
    ).toHaveAttribute(
      'title',
      'Unrestricted: this credential may call every plugin of this Backstage',
    );
  });

  it("links the owner to its catalog page by its display name, where the app has the catalog's", async () => {
    await renderInTestApp(
      <CredentialDetails
        credential={CREDENTIALS[1]}
        onClose={() => {}}
        canRevoke={false}
        canRotate={false}
        onRevoke={jest.fn()}
        onRotate={jest.fn()}
        backendBaseUrl="http://example.com/api/gatehouse"
      />,
      {
        mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
        apis: [
          [
            entityPresentationApiRef,
            {
              forEntity: (ref: string) => {
                const snapshot = { entityRef: ref, primaryTitle: 'Docs Team' };
                return { snapshot, promise: Promise.resolve(snapshot) };
              },
            },
          ],
        ],
      },
    );
    const dialog = await screen.findByRole('dialog');
    const owner = within(dialog)
      .getByRole('rowheader', { name: 'Owner' })
      .closest('tr')!;
    expect(
      within(owner).getByRole('link', { name: 'Docs Team' }),
    ).toHaveAttribute('href', '/catalog/default/group/docs-team');
    expect(owner).toHaveTextContent('(group:default/docs-team)');
  });

  it('rotates a managed token after a confirmation that names it, and shows the new one once', async () => {
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
        : [200, inventoryOf(CREDENTIALS)],
    );
    await renderPage(backend);
    const dialog = await openDetails('deploy-bot');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Rotate…' }),
    );
    expect(
      within(dialog).getByText(/keeps working for the overlap/),
    ).toBeInTheDocument();
    const token = within(dialog).getByRole('table', { name: 'The token' });
    expect(token).toHaveTextContent('c41d0b9e');
    expect(token).toHaveTextContent('deploys the docs site');
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

    // The rotated token stays on Escape and on a click outside.
    await userEvent.keyboard('{Escape}');
    await clickOutside(dialog);
    await afterTransitions();
    expect(screen.getByRole('dialog')).toBe(dialog);
    expect(within(dialog).getByText('gthm_rotated')).toBeVisible();
    expect(within(dialog).getByText(/cannot be shown again/)).toBeVisible();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'I have copied it' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('stays open on Escape while a rotation is under way: its token is shown here, not later', async () => {
    const { backend, release } = heldBack(
      fakeBackend((method, url) =>
        method === 'POST' && url.pathname.endsWith('/rotate')
          ? [
              201,
              {
                id: 'new-id',
                token: 'gthm_rotated',
                fingerprint: 'bbbb2222',
                subject: 'deploy-bot',
                expiresAt: '2026-12-28T00:00:00.000Z',
              },
            ]
          : [200, inventoryOf(CREDENTIALS)],
      ),
      'POST',
    );
    await renderPage(backend);
    const dialog = await openDetails('deploy-bot');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Rotate…' }),
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Rotate' }),
    );
    await userEvent.keyboard('{Escape}');
    await afterTransitions();
    expect(screen.getByRole('dialog')).toBe(dialog);
    release();
    expect(await within(dialog).findByText('gthm_rotated')).toBeInTheDocument();
  });

  it('names the token to revoke by subject, fingerprint, description and creation', async () => {
    const backend = fakeBackend(() => [
      200,
      inventoryOf([...CREDENTIALS, TWIN]),
    ]);
    await renderPage(backend);
    const [, twin] = await screen.findAllByRole('button', {
      name: 'deploy-bot',
    });
    await userEvent.click(twin);
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Revoke…' }),
    );
    expect(within(dialog).getByText('Revoke this token?')).toBeVisible();
    const token = within(dialog).getByRole('table', { name: 'The token' });
    const value = (name: string) =>
      within(token).getByRole('rowheader', { name }).nextElementSibling;
    expect(value('Subject')).toHaveTextContent('deploy-bot');
    expect(value('Fingerprint')).toHaveTextContent('0d0d5eed');
    expect(value('Description')).toHaveTextContent('deploys the API docs');
    expect(value('Created')).toHaveTextContent(
      `${new Date('2026-11-20T08:00:00.000Z').toLocaleString()} by user:default/alice`,
    );
    expect(within(dialog).getByText(/cannot be undone/)).toBeInTheDocument();
    expect(backend.requests.some(r => r.method === 'DELETE')).toBe(false);
  });

  it('says it is revoked on every replica within seconds, and names the tokens revoked with it', async () => {
    const backend = fakeBackend(method =>
      method === 'DELETE'
        ? [
            200,
            {
              id: '7b1c',
              subject: 'deploy-bot',
              fingerprint: 'c41d0b9e',
              status: 'revoked',
              alsoRevoked: [
                { id: '8c2d', subject: 'deploy-bot' },
                { id: '9e3f', subject: 'docs-preview' },
              ],
            },
          ]
        : [200, inventoryOf(CREDENTIALS)],
    );
    await renderPage(backend);
    const dialog = await openDetails('deploy-bot');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Revoke…' }),
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Revoke' }),
    );
    const status = await within(dialog).findByRole('status');
    expect(status).toHaveTextContent(
      'Revoked. The token of deploy-bot (fingerprint c41d0b9e) is refused on every replica within seconds.',
    );
    const also = within(status).getByRole('list', { name: 'Also revoked' });
    expect(
      within(also)
        .getAllByRole('listitem')
        .map(item => item.textContent),
    ).toEqual(['deploy-bot (id 8c2d)', 'docs-preview (id 9e3f)']);
    expect(
      backend.requests.find(r => r.method === 'DELETE')?.url.pathname,
    ).toBe('/api/gatehouse/tokens/7b1c');
    // Nothing more to do with it but close.
    expect(within(dialog).queryByRole('button', { name: /Revoke/ })).toBeNull();
    expect(within(dialog).queryByRole('button', { name: /Rotate/ })).toBeNull();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Close' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('says so, and lists nothing more, when no other token was revoked with it', async () => {
    await renderPage(
      fakeBackend(method =>
        method === 'DELETE'
          ? [200, { id: '7b1c', subject: 'deploy-bot', alsoRevoked: [] }]
          : [200, inventoryOf(CREDENTIALS)],
      ),
    );
    const dialog = await openDetails('deploy-bot');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Revoke…' }),
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Revoke' }),
    );
    const status = await within(dialog).findByRole('status');
    expect(status).toHaveTextContent(/every replica within seconds/);
    expect(within(status).queryByRole('list')).toBeNull();
  });
  it('marks a static token compromised after a confirmation that names it, with where it leaked, and says what comes next', async () => {
    const leaky: Credential = { ...CREDENTIALS[0], actions: ['compromise'] };
    const backend = fakeBackend((method, _url, body) =>
      method === 'POST'
        ? [
            201,
            {
              credential: leaky.id,
              source: 'gatehouse-static',
              subject: 'ci-pipeline',
              fingerprint: '3f9a61c2',
              compromised: {
                at: '2026-12-07T10:00:00.000Z',
                by: 'user:default/alice',
                reason: body.reason,
              },
              alreadyMarked: false,
            },
          ]
        : [200, inventoryOf([leaky, ...CREDENTIALS.slice(1)])],
    );
    await renderPage(backend);
    const dialog = await openDetails('ci-pipeline');
    // A static token is not revoked or rotated here: it lives in config.
    expect(
      within(dialog).queryByRole('button', { name: 'Revoke…' }),
    ).toBeNull();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Mark as compromised…' }),
    );
    expect(
      within(dialog).getByText('Mark this token as compromised?'),
    ).toBeVisible();
    const token = within(dialog).getByRole('table', { name: 'The token' });
    expect(
      within(token).getByRole('rowheader', { name: 'Fingerprint' })
        .nextElementSibling,
    ).toHaveTextContent('3f9a61c2');
    expect(backend.requests.some(r => r.method === 'POST')).toBe(false);
    await userEvent.type(
      within(dialog).getByRole('textbox', {
        name: 'Where it leaked (optional)',
      }),
      'pasted in a chat',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Mark as compromised' }),
    );
    const status = await within(dialog).findByRole('status');
    expect(status).toHaveTextContent(
      'Marked compromised. The token of ci-pipeline (fingerprint 3f9a61c2) is refused on every replica within seconds.',
    );
    expect(status).toHaveTextContent(
      'remove the old token from the configuration',
    );
    const posted = backend.requests.find(r => r.method === 'POST');
    expect(posted?.url.pathname).toBe('/api/gatehouse/leaks');
    expect(posted?.body).toEqual({
      credential: leaky.id,
      reason: 'pasted in a chat',
    });
    expect(
      within(dialog).queryByRole('button', { name: /compromised/ }),
    ).toBeNull();
  });

  it('lists the unusual uses noticed, newest first, with when', async () => {
    const noticed: Credential = {
      ...CREDENTIALS[0],
      signals: [
        {
          kind: 'new_plugin',
          at: '2026-12-07T10:00:00.000Z',
          detail:
            "gatehouse-static:3f9a61c2 called plugin 'scaffolder', which it had not called in the 9 days it has been used",
        },
        {
          kind: 'dormant_reuse',
          at: '2026-12-06T10:00:00.000Z',
          detail:
            "gatehouse-static:3f9a61c2 was used again (plugin 'catalog') after 41 days unused",
        },
      ],
    };
    await renderPage(
      fakeBackend(() => [200, inventoryOf([noticed, ...CREDENTIALS.slice(1)])]),
    );
    const dialog = await openDetails('ci-pipeline');
    const list = within(dialog).getByRole('list', { name: 'Unusual use' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map(item => item.textContent),
    ).toEqual([
      `${new Date('2026-12-07T10:00:00.000Z').toLocaleString()}: gatehouse-static:3f9a61c2 called plugin 'scaffolder', which it had not called in the 9 days it has been used`,
      `${new Date('2026-12-06T10:00:00.000Z').toLocaleString()}: gatehouse-static:3f9a61c2 was used again (plugin 'catalog') after 41 days unused`,
    ]);
  });

  it('offers no marking without the permission, and shows who marked a credential, when and why', async () => {
    const marked: Credential = {
      ...CREDENTIALS[0],
      status: 'compromised',
      compromised: {
        at: '2026-12-07T10:00:00.000Z',
        by: 'user:default/alice',
        reason: 'pasted in a chat',
      },
    };
    const unmarked: Credential = { ...CREDENTIALS[0], actions: ['compromise'] };
    await renderPage(
      fakeBackend(() => [
        200,
        inventoryOf([marked, { ...unmarked, id: 'x', subject: 'other-ci' }]),
      ]),
      EVERY_PERMISSION.filter(p => p !== 'gatehouse.token.compromise'),
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'other-ci' }),
    );
    const other = await screen.findByRole('dialog');
    expect(
      within(other).queryByRole('button', { name: /compromised/ }),
    ).toBeNull();
    await userEvent.click(within(other).getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    const dialog = await openDetails('ci-pipeline');
    const value = (name: string) =>
      within(dialog).getByRole('rowheader', { name }).nextElementSibling;
    expect(value('Status')).toHaveTextContent('compromised');
    expect(value('Marked compromised')).toHaveTextContent(
      `${new Date('2026-12-07T10:00:00.000Z').toLocaleString()} by user:default/alice: pasted in a chat`,
    );
    expect(
      within(dialog).queryByRole('button', { name: /compromised/ }),
    ).toBeNull();
  });
});
