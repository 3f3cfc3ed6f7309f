import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Credential } from '../api/types';
import {
  BASE,
  CREDENTIALS,
  fakeBackend,
  inventoryOf,
  inventoryPage,
} from '../testing/fakeBackend';
import {
  afterTransitions,
  openDetails,
  renderPage,
  SLOW,
} from '../testing/renderPage';

/** The table's row of a subject: the row around its button. */
const rowOf = async (subject: string) =>
  (await screen.findByRole('button', { name: subject }, SLOW)).closest('tr')!;

/** The page's own filter: credentials that can still be used. */
const USABLE_QUERY = '?status=active%2Cexpiring%2Cnot-yet-valid&limit=50';
/** Every credential: the first page. */
const ALL_QUERY = '?limit=50';

describe('the Service access page', () => {
  it('lists every credential with its source, restrictions, status and last use in words', async () => {
    const backend = fakeBackend();
    await renderPage(backend);
    const row = await rowOf('ci-pipeline');
    expect(within(row).getByText('static token')).toBeInTheDocument();
    expect(
      within(row).getByText('catalog: catalog.entity.read (read)'),
    ).toBeInTheDocument();
    expect(within(row).getByText('active')).toBeInTheDocument();
    expect(within(row).getByText('called catalog')).toBeInTheDocument();
    const bot = await rowOf('deploy-bot');
    expect(within(bot).getByText('every plugin')).toBeInTheDocument();
    expect(within(bot).getByText('deploys the docs site')).toBeInTheDocument();
    expect(within(bot).getByText('never')).toBeInTheDocument();
    const legacy = await rowOf('legacy');
    expect(
      within(legacy).getByText('built-in static token'),
    ).toBeInTheDocument();
    expect(within(legacy).getByText('not recorded')).toBeInTheDocument();
    expect(screen.getByText('Credentials (3)')).toBeInTheDocument();
    // What can still be used: revoked and expired ones on request.
    expect(backend.requests[0].url.href).toBe(
      `${BASE}/inventory${USABLE_QUERY}`,
    );
  });

  it('says when, relative to the inventory, with the full time in a title; never and not yet valid in words', async () => {
    const notYet: Credential = {
      ...CREDENTIALS[0],
      id: 'gatehouse-static:0000',
      subject: 'deploy-bot-next',
      status: 'not-yet-valid',
      expiresAt: undefined,
      usage: { uses24h: 0, uses30d: 0 },
    };
    await renderPage(
      fakeBackend(() => [200, inventoryOf([...CREDENTIALS, notYet])]),
    );
    const row = await rowOf('ci-pipeline');
    // Used at 09:41, the inventory made at 12:41.
    const used = within(row).getByText('3 hours ago');
    expect(used).toHaveAttribute(
      'title',
      new Date('2026-11-28T09:41:00.000Z').toLocaleString(),
    );
    expect(used).toHaveAttribute('dateTime', '2026-11-28T09:41:00.000Z');
    expect(within(row).getByText('in 3 months')).toHaveAttribute(
      'title',
      new Date('2027-02-25T00:00:00.000Z').toLocaleString(),
    );
    expect(
      within(await rowOf('deploy-bot')).getByText('in 7 days'),
    ).toBeInTheDocument();
    const next = await rowOf('deploy-bot-next');
    expect(within(next).getByText('not yet valid')).toBeInTheDocument();
    expect(within(next).queryByText('not-yet-valid')).toBeNull();
    // No expiry, never used: words, not a dash.
    expect(within(next).getAllByText('never')).toHaveLength(2);
    expect(screen.queryByText('—')).toBeNull();
  });

  it('opens the details from the subject: no Details button per row', async () => {
    await renderPage(fakeBackend());
    // Before a dialog opens: it hides the page from the accessibility tree.
    await rowOf('deploy-bot');
    expect(screen.queryByRole('button', { name: /^Details/ })).toBeNull();
    expect(screen.queryByRole('columnheader', { name: 'Details' })).toBeNull();
    expect(screen.getByRole('button', { name: 'deploy-bot' })).toHaveAttribute(
      'aria-haspopup',
      'dialog',
    );
    const dialog = await openDetails('deploy-bot');
    expect(
      within(dialog).getByRole('table', { name: 'Details of deploy-bot' }),
    ).toBeInTheDocument();
    expect(within(dialog).getByText('c41d0b9e')).toBeInTheDocument();
  });

  it('opens the credential a notice links to (?credential=), and shows its owner', async () => {
    await renderPage(
      fakeBackend(),
      undefined,
      `/?credential=${encodeURIComponent('gatehouse-managed:7b1c')}`,
    );
    const dialog = await screen.findByRole('dialog', undefined, SLOW);
    expect(
      within(dialog).getByRole('table', { name: 'Details of deploy-bot' }),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText('group:default/docs-team'),
    ).toBeInTheDocument();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Close' }),
    );
    await afterTransitions();
    // Closed: the table is the page's again.
    expect(screen.queryByRole('dialog')).toBeNull();
    const row = await rowOf('ci-pipeline');
    expect(within(row).getByText('no owner')).toBeInTheDocument();
  });

  it("shows one owner's credentials when linked with ?owner= (a team's card), and one credential by its id", async () => {
    const backend = fakeBackend();
    await renderPage(
      backend,
      undefined,
      `/?owner=${encodeURIComponent('group:default/docs-team')}&credential=${encodeURIComponent('gatehouse-managed:7b1c')}`,
    );
    await screen.findByRole('dialog', undefined, SLOW);
    const asked = backend.requests.map(r => r.url.searchParams);
    expect(asked.some(q => q.get('owner') === 'group:default/docs-team')).toBe(
      true,
    );
    // The linked credential is asked by its id, whatever page it is on.
    expect(asked.some(q => q.get('id') === 'gatehouse-managed:7b1c')).toBe(
      true,
    );
    expect(screen.getByLabelText('Owner')).toHaveValue(
      'group:default/docs-team',
    );
  });

  it("starts with the user's teams' credentials where the policy shows only some; with every one for administrators", async () => {
    const backend = fakeBackend();
    await renderPage(backend, [
      'gatehouse.token.read:some',
      'gatehouse.token.create:some',
    ]);
    await rowOf('ci-pipeline');
    expect(backend.requests[0].url.search).toBe(
      `?owner=mine&${USABLE_QUERY.slice(1)}`,
    );
    expect(screen.getByLabelText('Owner')).toHaveValue('mine');
    await userEvent.selectOptions(screen.getByLabelText('Owner'), '');
    await waitFor(() =>
      expect(backend.requests.at(-1)!.url.search).toBe(USABLE_QUERY),
    );
    await userEvent.click(
      screen.getByLabelText('Show revoked, expired and compromised'),
    );
    await waitFor(() =>
      expect(backend.requests.at(-1)!.url.search).toBe(ALL_QUERY),
    );
  });

  it('marks a credential that may call every plugin as a warning', async () => {
    await renderPage(fakeBackend());
    const chip = within(await rowOf('deploy-bot'))
      .getByText('every plugin')
      .closest('[title]')!;
    expect(chip).toHaveAttribute(
      'title',
      'Unrestricted: this credential may call every plugin of this Backstage',
    );
  });

  it('says a revoked token was revoked (not when it would have expired) and a rotated one was replaced', async () => {
    const [, managed] = CREDENTIALS;
    await renderPage(
      fakeBackend(() => [
        200,
        inventoryOf([
          {
            ...managed,
            id: 'gatehouse-managed:old',
            subject: 'old-copy',
            status: 'revoked',
            revokedAt: '2026-11-28T10:41:00.000Z',
          },
          {
            ...managed,
            id: 'gatehouse-managed:rotated',
            subject: 'rotated-copy',
            replacedBy: 'gatehouse-managed:new',
          },
        ]),
      ]),
    );
    const revoked = await rowOf('old-copy');
    expect(within(revoked).getByText('2 hours ago')).toBeInTheDocument();
    expect(within(revoked).getByText('when revoked')).toBeInTheDocument();
    const rotated = await rowOf('rotated-copy');
    expect(
      within(rotated).getByText('replaced by rotation'),
    ).toBeInTheDocument();
  });

  it('pages: 50 rows at a time from the backend, the pager moving through them', async () => {
    const many: Credential[] = Array.from({ length: 120 }, (_, i) => ({
      ...CREDENTIALS[1],
      id: `gatehouse-managed:${i}`,
      subject: `caller-${i}`,
    }));
    const backend = fakeBackend((_method, url) => [
      200,
      inventoryPage(many, url),
    ]);
    await renderPage(backend);
    await rowOf('caller-0');
    expect(screen.getByText('Credentials (120)')).toBeInTheDocument();
    expect(screen.getByText('1-50 of 120')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'caller-50' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await rowOf('caller-50');
    expect(backend.requests.at(-1)!.url.searchParams.get('offset')).toBe('50');
    expect(screen.getByText('51-100 of 120')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'caller-0' })).toBeNull();
    // Other filters: the first page of their answer.
    await userEvent.click(screen.getByLabelText('Unrestricted only'));
    await rowOf('caller-0');
    expect(backend.requests.at(-1)!.url.searchParams.has('offset')).toBe(false);
  });

  it('asks the backend the review questions through its filters', async () => {
    const backend = fakeBackend();
    await renderPage(backend);
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
        `?unusedFor=30d&expiringWithin=14d&unrestricted=true&source=gatehouse-managed&${USABLE_QUERY.slice(1)}`,
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

  it('says when no credential matches the filters, and clears them', async () => {
    const backend = fakeBackend((_method, url) => [
      200,
      inventoryOf(
        [USABLE_QUERY, ALL_QUERY].includes(url.search) ? CREDENTIALS : [],
      ),
    ]);
    await renderPage(backend);
    await screen.findByText('ci-pipeline', undefined, SLOW);
    await userEvent.click(screen.getByLabelText('Unused for 30 days'));
    await userEvent.type(screen.getByLabelText(/^Subject/), 'nobody');
    expect(
      await screen.findByText('No credentials match these filters'),
    ).toBeInTheDocument();
    expect(screen.queryByText('No records to display')).toBeNull();
    await waitFor(() =>
      expect(backend.requests.at(-1)!.url.searchParams.get('subject')).toBe(
        'nobody',
      ),
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Clear filters' }),
    );
    expect(
      await screen.findByRole('button', { name: 'ci-pipeline' }),
    ).toBeInTheDocument();
    expect(backend.requests.at(-1)!.url.search).toBe(ALL_QUERY);
    expect(screen.getByLabelText('Unused for 30 days')).not.toBeChecked();
    expect(screen.getByLabelText(/^Subject/)).toHaveValue('');
  });

  it('says when there is no credential yet, and offers a new token', async () => {
    await renderPage(fakeBackend(() => [200, inventoryOf([])]));
    expect(
      await screen.findByText('No credentials yet', undefined, SLOW),
    ).toBeInTheDocument();
    expect(screen.queryByText('No records to display')).toBeNull();
    const buttons = screen.getAllByRole('button', { name: 'New token' });
    // The page's own, and the empty state's.
    expect(buttons).toHaveLength(2);
    await userEvent.click(buttons[1]);
    expect(
      await screen.findByRole('dialog', { name: 'New token' }),
    ).toBeInTheDocument();
  });

  it('stacks the columns below 600 px: the credential, and its status', async () => {
    const matchMedia = window.matchMedia;
    window.matchMedia = ((query: string) => ({
      matches: query.includes('max-width:599.95px'),
      media: query,
      onchange: null,
      addListener: () => {},
      removeListener: () => {},
      addEventListener: () => {},
      removeEventListener: () => {},
      dispatchEvent: () => false,
    })) as typeof window.matchMedia;
    try {
      await renderPage(fakeBackend());
      await waitFor(() =>
        expect(
          screen.getAllByRole('columnheader').map(th => th.textContent),
        ).toEqual(['Credential', 'Status']),
      );
      const row = await rowOf('ci-pipeline');
      const [credential, status] = within(row).getAllByRole('cell');
      expect(credential).toHaveTextContent('static token');
      expect(credential).toHaveTextContent('catalog: catalog.entity.read');
      expect(status).toHaveTextContent('active');
      expect(status).toHaveTextContent('expires in 3 months');
      expect(status).toHaveTextContent('used 3 hours ago (catalog)');
    } finally {
      window.matchMedia = matchMedia;
    }
  });

  it('shows a plain "not allowed" panel, and asks nothing, without gatehouse.token.read', async () => {
    const backend = fakeBackend();
    await renderPage(backend, []);
    expect(
      await screen.findByText('Not allowed', undefined, SLOW),
    ).toBeInTheDocument();
    expect(screen.getByText(/gatehouse\.token\.read/)).toBeInTheDocument();
    expect(backend.requests).toEqual([]);
  });

  it('offers only what the permissions allow: no New token, no Revoke', async () => {
    await renderPage(fakeBackend(), ['gatehouse.token.read']);
    await rowOf('deploy-bot');
    expect(screen.queryByRole('button', { name: 'New token' })).toBeNull();
    const dialog = await openDetails('deploy-bot');
    expect(
      within(dialog).getByText('user:default/alice', { exact: false }),
    ).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: /Revoke/ })).toBeNull();
    expect(within(dialog).queryByRole('button', { name: /Rotate/ })).toBeNull();
  });

  it('offers Rotate only with revoke as well as create: a rotation ends the old token', async () => {
    await renderPage(fakeBackend(), [
      'gatehouse.token.read',
      'gatehouse.token.create',
    ]);
    const dialog = await openDetails('deploy-bot');
    expect(within(dialog).queryByRole('button', { name: /Rotate/ })).toBeNull();
  });
});
