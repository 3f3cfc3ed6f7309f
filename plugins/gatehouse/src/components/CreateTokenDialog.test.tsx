import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  CREDENTIALS,
  fakeBackend,
  heldBack,
  inventoryOf,
} from '../testing/fakeBackend';
import {
  afterTransitions,
  clickOutside,
  field,
  openNewToken,
  renderPage,
} from '../testing/renderPage';

const DAY = 86_400_000;

const OPTIONS = {
  maxLifetimeMs: 30 * DAY,
  defaultLifetimeMs: 15 * DAY,
  rotationOverlapMs: 3_600_000,
  plugins: [
    {
      pluginId: 'catalog',
      permissions: [{ name: 'catalog.entity.read', action: 'read' }],
    },
    { pluginId: 'techdocs', permissions: [] },
  ],
};

/**
 * The backend: its options, the inventory, and POST /tokens answered by
 * `create` (by default, the token made).
 */
function backendWith(
  create: (body: any) => [number, unknown] = body => [
    201,
    {
      id: 'new-id',
      token: 'gthm_newtoken',
      fingerprint: 'aaaa1111',
      subject: body.subject,
      expiresAt: '2026-12-28T00:00:00.000Z',
      accessRestrictions: body.accessRestrictions,
    },
  ],
  options: object = OPTIONS,
) {
  return fakeBackend((method, url, body) => {
    if (url.pathname.endsWith('/tokens/options')) return [200, options];
    if (method === 'POST' && url.pathname.endsWith('/tokens')) {
      return create(body);
    }
    return [200, inventoryOf(CREDENTIALS)];
  });
}

const posts = (backend: ReturnType<typeof fakeBackend>) =>
  backend.requests.filter(r => r.method === 'POST');

/** Text into a field at once, as pasted: typing long text key by key is slow. */
async function enter(input: HTMLElement, text: string) {
  await userEvent.click(input);
  await userEvent.paste(text);
}

/** Subject, description and one restriction line: a form that may be sent. */
async function fillIn(
  dialog: HTMLElement,
  values: { subject?: string; restrictions?: string } = {},
) {
  await enter(field(dialog, /^Subject/), values.subject ?? 'docs-publisher');
  await enter(field(dialog, /^Description/), 'publishes TechDocs');
  if (values.restrictions !== '') {
    await enter(
      field(dialog, /^Restricted to/),
      values.restrictions ?? 'techdocs (read)',
    );
  }
}

const create = (dialog: HTMLElement) =>
  userEvent.click(within(dialog).getByRole('button', { name: 'Create' }));

describe('the New token dialog', () => {
  it('creates a token with restrictions and shows it once, with a copy button and a curl line', async () => {
    const backend = backendWith();
    await renderPage(backend);
    const dialog = await openNewToken();
    await enter(field(dialog, /^Subject/), 'docs-publisher');
    await enter(field(dialog, /^Description/), 'publishes TechDocs');
    await userEvent.selectOptions(field(dialog, 'Lifetime'), '7d');
    await enter(
      field(dialog, /^Restricted to/),
      'catalog: catalog.entity.read, catalog.location.*\ntechdocs (read, nonsense)\nsearch',
    );
    await create(dialog);
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
    expect(posts(backend)[0].body).toEqual({
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

  it('keeps the token shown on Escape and on a click outside: only "I have copied it" closes it', async () => {
    await renderPage(backendWith());
    const dialog = await openNewToken();
    await fillIn(dialog);
    await create(dialog);
    await within(dialog).findByText('gthm_newtoken');

    await userEvent.keyboard('{Escape}');
    await afterTransitions();
    expect(screen.getByRole('dialog')).toBe(dialog);
    expect(within(dialog).getByText('gthm_newtoken')).toBeVisible();
    expect(within(dialog).getByText(/cannot be shown again/)).toBeVisible();

    await clickOutside(dialog);
    await afterTransitions();
    expect(screen.getByRole('dialog')).toBe(dialog);
    expect(within(dialog).getByText('gthm_newtoken')).toBeVisible();

    await userEvent.click(
      within(dialog).getByRole('button', { name: 'I have copied it' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('stays open on Escape and a click outside while the token is being made', async () => {
    const { backend, release } = heldBack(backendWith(), 'POST');
    await renderPage(backend);
    const dialog = await openNewToken();
    await fillIn(dialog);
    await create(dialog);
    await userEvent.keyboard('{Escape}');
    await clickOutside(dialog);
    await afterTransitions();
    expect(screen.getByRole('dialog')).toBe(dialog);
    release();
    expect(
      await within(dialog).findByText('gthm_newtoken'),
    ).toBeInTheDocument();
  });

  it('keeps what was typed when Escape or a click outside closes the form; Cancel discards it', async () => {
    const backend = backendWith();
    await renderPage(backend);
    let dialog = await openNewToken();
    await fillIn(dialog);
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    dialog = await openNewToken();
    expect(field(dialog, /^Subject/)).toHaveValue('docs-publisher');
    expect(field(dialog, /^Description/)).toHaveValue('publishes TechDocs');
    expect(field(dialog, /^Restricted to/)).toHaveValue('techdocs (read)');
    await clickOutside(dialog);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    dialog = await openNewToken();
    expect(field(dialog, /^Subject/)).toHaveValue('docs-publisher');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    dialog = await openNewToken();
    expect(field(dialog, /^Subject/)).toHaveValue('');
    expect(posts(backend)).toEqual([]);
  });

  it('checks the subject as the backend does, at its field, and clears the error when it changes', async () => {
    const backend = backendWith();
    await renderPage(backend);
    const dialog = await openNewToken();
    await fillIn(dialog, { subject: 'Bad Subject!' });
    await create(dialog);
    const subject = field(dialog, /^Subject/);
    expect(subject).toHaveAttribute('aria-invalid', 'true');
    expect(subject).toHaveAccessibleDescription(/without white space/);
    expect(subject).toHaveFocus();
    expect(posts(backend)).toEqual([]);
    // No error anywhere else.
    expect(within(dialog).queryByRole('alert')).toBeNull();
    expect(field(dialog, /^Restricted to/)).toHaveAttribute(
      'aria-invalid',
      'false',
    );

    await userEvent.clear(subject);
    expect(subject).toHaveAttribute('aria-invalid', 'false');
    expect(subject).not.toHaveAccessibleDescription(/white space/);

    for (const reserved of ['plugin:catalog', 'User:default/jane']) {
      await userEvent.clear(subject);
      await userEvent.type(subject, reserved);
      await create(dialog);
      expect(subject).toHaveAccessibleDescription(/Must not start with/);
    }
    expect(posts(backend)).toEqual([]);

    await userEvent.clear(subject);
    await userEvent.type(subject, 'docs-publisher');
    await create(dialog);
    expect(
      await within(dialog).findByText('gthm_newtoken'),
    ).toBeInTheDocument();
  });

  it("puts the backend's 400 at the field it names, cleared when that field changes", async () => {
    const answers: Array<[number, unknown]> = [
      [
        400,
        {
          error: {
            message:
              "Invalid request: subject: must not start with 'plugin:' or anything that reads like it; accessRestrictions[0].plugin: must be a plugin id",
          },
        },
      ],
      [
        400,
        {
          error: {
            message:
              'Invalid request: expiresIn: the lifetime may be at most 7 days (maxLifetime of the gatehouse-managed entry)',
          },
        },
      ],
    ];
    const backend = backendWith(() => answers.shift()!);
    await renderPage(backend);
    const dialog = await openNewToken();
    // Look-alikes of the reserved prefixes are the backend's to recognise.
    await fillIn(dialog, { subject: 'рlugin:x' });
    await create(dialog);
    const subject = field(dialog, /^Subject/);
    const restrictions = field(dialog, /^Restricted to/);
    await waitFor(() =>
      expect(subject).toHaveAttribute('aria-invalid', 'true'),
    );
    expect(subject).toHaveAccessibleDescription(
      "must not start with 'plugin:' or anything that reads like it",
    );
    expect(subject).toHaveFocus();
    expect(restrictions).toHaveAttribute('aria-invalid', 'true');
    expect(restrictions).toHaveAccessibleDescription(
      'line 1, plugin: must be a plugin id',
    );
    expect(within(dialog).queryByRole('alert')).toBeNull();

    await userEvent.type(subject, 'y');
    expect(subject).toHaveAttribute('aria-invalid', 'false');
    // Only that field's error goes.
    expect(restrictions).toHaveAttribute('aria-invalid', 'true');

    await create(dialog);
    const lifetime = field(dialog, 'Lifetime');
    await waitFor(() =>
      expect(lifetime).toHaveAccessibleDescription(
        /the lifetime may be at most 7 days/,
      ),
    );
    await userEvent.selectOptions(lifetime, '1d');
    expect(lifetime).not.toHaveAccessibleDescription(/at most 7 days/);
  });

  it('shows a refusal (403) near the Create button, not at a field', async () => {
    const message =
      "'user:development/guest' may not create this token: a token for the whole of plugin 'techdocs' needs gatehouse.token.unrestricted";
    await renderPage(backendWith(() => [403, { error: { message } }]));
    const dialog = await openNewToken();
    await fillIn(dialog);
    await create(dialog);
    const alert = await within(dialog).findByRole('alert');
    expect(alert).toHaveTextContent(message);
    // After the form's fields, right before its buttons.
    const createButton = within(dialog).getByRole('button', { name: 'Create' });
    expect(
      alert.compareDocumentPosition(createButton) &
        Node.DOCUMENT_POSITION_FOLLOWING,
    ).toBeTruthy();
    expect(
      alert.compareDocumentPosition(field(dialog, /^Restricted to/)) &
        Node.DOCUMENT_POSITION_PRECEDING,
    ).toBeTruthy();
    for (const label of [/^Subject/, /^Description/, /^Restricted to/]) {
      expect(field(dialog, label)).toHaveAttribute('aria-invalid', 'false');
    }
  });

  it('shows a refusal of the owner (403) at the Owner field', async () => {
    const message =
      "'user:default/alice' may not create a token owned by group:default/team-b: the permission policy does not allow gatehouse.token.create on it";
    await renderPage(backendWith(() => [403, { error: { message } }]));
    const dialog = await openNewToken();
    await fillIn(dialog);
    await enter(field(dialog, /^Owner/), 'group:default/team-b');
    await create(dialog);
    await waitFor(() =>
      expect(field(dialog, /^Owner/)).toHaveAttribute('aria-invalid', 'true'),
    );
    expect(field(dialog, /^Owner/)).toHaveAccessibleDescription(message);
    expect(field(dialog, /^Owner/)).toHaveFocus();
    expect(field(dialog, /^Subject/)).toHaveAttribute('aria-invalid', 'false');
  });

  it('needs restrictions, or "No restrictions" chosen with its warning, before Create', async () => {
    const backend = backendWith();
    await renderPage(backend);
    const dialog = await openNewToken();
    await fillIn(dialog, { restrictions: '' });
    const createButton = within(dialog).getByRole('button', { name: 'Create' });
    expect(createButton).toBeDisabled();
    expect(field(dialog, /^Restricted to/)).toBeRequired();
    const warning = /^Warning: This token may call every plugin/;
    expect(within(dialog).queryByText(warning)).toBeNull();

    const noRestrictions = within(dialog).getByRole('checkbox', {
      name: 'No restrictions: this token may call every plugin',
    });
    await userEvent.click(noRestrictions);
    expect(createButton).toBeEnabled();
    expect(within(dialog).getByText(warning)).toBeVisible();
    expect(field(dialog, /^Restricted to/)).toBeDisabled();

    await userEvent.click(noRestrictions);
    expect(createButton).toBeDisabled();
    await userEvent.type(field(dialog, /^Restricted to/), 'catalog (read)');
    expect(createButton).toBeEnabled();
    // Lines are back in use; the unrestricted choice was undone.
    await create(dialog);
    await within(dialog).findByText('gthm_newtoken');
    expect(posts(backend)[0].body.accessRestrictions).toEqual([
      { plugin: 'catalog', permissionAttribute: { action: ['read'] } },
    ]);
  });

  it('sends no restriction only when "No restrictions" is chosen', async () => {
    const backend = backendWith();
    await renderPage(backend);
    const dialog = await openNewToken();
    await fillIn(dialog, { restrictions: '' });
    await userEvent.click(
      within(dialog).getByRole('checkbox', { name: /^No restrictions/ }),
    );
    await create(dialog);
    await within(dialog).findByText('gthm_newtoken');
    expect(posts(backend)[0].body).not.toHaveProperty('accessRestrictions');
  });

  it("preselects the backend's default lifetime, never its maximum, and offers its plugins and permissions", async () => {
    const backend = backendWith();
    await renderPage(backend);
    const dialog = await openNewToken();
    const choice = await within(dialog).findByLabelText(
      'Add a plugin or permission',
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
    const lifetime = field(dialog, 'Lifetime') as unknown as HTMLSelectElement;
    expect([...lifetime.options].map(o => o.textContent)).toEqual([
      '1 day',
      '7 days',
      '15 days',
      '30 days (the maximum)',
    ]);
    expect(lifetime.value).toBe('15d');
    // Choosing adds nothing until Add: arrowing through a select changes it.
    await userEvent.selectOptions(choice, 'catalog: everything');
    expect(field(dialog, /^Restricted to/)).toHaveValue('');
    await userEvent.selectOptions(
      choice,
      'catalog: catalog.entity.read (read)',
    );
    await userEvent.click(add);
    await userEvent.selectOptions(choice, 'techdocs: read actions only');
    await userEvent.click(add);
    expect(add).toBeDisabled();
    expect(field(dialog, /^Restricted to/)).toHaveValue(
      'catalog: catalog.entity.read\ntechdocs (read)',
    );
    await userEvent.type(field(dialog, /^Subject/), 'bot');
    await userEvent.type(field(dialog, /^Description/), 'x');
    await create(dialog);
    await within(dialog).findByText('gthm_newtoken');
    expect(posts(backend)[0].body).toMatchObject({
      expiresIn: '15d',
      accessRestrictions: [
        { plugin: 'catalog', permission: ['catalog.entity.read'] },
        { plugin: 'techdocs', permissionAttribute: { action: ['read'] } },
      ],
    });
  });

  it('does not fall back to the maximum when the backend names no default', async () => {
    const { defaultLifetimeMs: _none, ...older } = OPTIONS;
    await renderPage(backendWith(undefined, older));
    const dialog = await openNewToken();
    await within(dialog).findByText('30 days (the maximum)');
    expect(field(dialog, 'Lifetime')).toHaveValue('7d');
  });

  it('offers a caller who may give only what it holds its named permissions, and no unrestricted token', async () => {
    await renderPage(backendWith(undefined, { ...OPTIONS, anyScope: false }));
    const dialog = await openNewToken();
    const choice = (await within(dialog).findByLabelText(
      'Add a plugin or permission',
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
    expect(
      within(dialog).queryByRole('checkbox', { name: /^No restrictions/ }),
    ).toBeNull();
  });
});
