import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ServiceAccessContent } from '../components/ServiceAccessContent';
import type { fakeBackend } from './fakeBackend';

/** Testing Library's wait, long enough for the first render of the test app. */
export const SLOW = { timeout: 10_000 };

export const EVERY_PERMISSION = [
  'gatehouse.token.read',
  'gatehouse.token.create',
  'gatehouse.token.revoke',
  'gatehouse.token.update',
  'gatehouse.token.compromise',
];

/**
 * `backend` as a backend whose permission policy allows `allowed` on every
 * credential: GET /access says so (not recorded among the requests), and
 * each managed token's actions in the inventory are the allowed ones.
 */
export function withPermissions(
  backend: ReturnType<typeof fakeBackend>,
  allowed: string[],
): typeof backend.fetch {
  // `gatehouse.token.read:some`: allowed under conditions (some owners').
  const scope = (name: string) =>
    allowed.includes(name)
      ? 'all'
      : allowed.includes(`${name}:some`)
        ? 'some'
        : 'none';
  const may = (name: string) => scope(`gatehouse.token.${name}`) !== 'none';
  const actionAllowed: Record<string, boolean> = {
    rotate: may('create') && may('revoke'),
    revoke: may('revoke'),
    update: may('update'),
    compromise: may('compromise'),
  };
  return jest.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    if (url.pathname.endsWith('/access')) {
      return Response.json({
        read: scope('gatehouse.token.read'),
        create: scope('gatehouse.token.create'),
        revoke: scope('gatehouse.token.revoke'),
        update: scope('gatehouse.token.update'),
        compromise: scope('gatehouse.token.compromise'),
      });
    }
    const response = await backend.fetch(input, init);
    if (!url.pathname.endsWith('/inventory') || !response.ok) return response;
    const inventory = await response.json();
    return Response.json({
      ...inventory,
      items: inventory.items.map((item: { actions?: string[] }) =>
        item.actions
          ? { ...item, actions: item.actions.filter(a => actionAllowed[a]) }
          : item,
      ),
    });
  });
}

/** The page's content in the new system's test app, against a fake backend. */
export async function renderPage(
  backend: ReturnType<typeof fakeBackend>,
  allowed: string[] = EVERY_PERMISSION,
  /** The page's URL, e.g. `/?credential=...` (a notice's link). */
  url?: string,
) {
  await renderInTestApp(<ServiceAccessContent />, {
    ...(url ? { initialRouteEntries: [url] } : {}),
    apis: [
      mockApis.fetch({
        baseImplementation: withPermissions(backend, allowed) as any,
      }),
      mockApis.discovery(),
    ],
  });
}

/** A credential's details, from its subject in the table. */
export async function openDetails(subject: string) {
  await userEvent.click(
    await screen.findByRole('button', { name: subject }, SLOW),
  );
  return screen.findByRole('dialog');
}

/** The New token dialog. */
export async function openNewToken() {
  await userEvent.click(
    await screen.findByRole('button', { name: 'New token' }, SLOW),
  );
  return screen.findByRole('dialog');
}

/** A click outside the dialog: on its backdrop, as a mouse does it. */
export async function clickOutside(dialog: HTMLElement) {
  // Material UI closes on a press and release on the container around the paper.
  await userEvent.click(dialog.parentElement!);
}

/**
 * Past Material UI's transitions (225 ms in, 195 ms out): a dialog told to
 * close is still in the document while it fades out.
 */
export const afterTransitions = () =>
  new Promise(resolve => setTimeout(resolve, 500));

/** The dialog's field by its label; a control, not the label's text. */
export const field = (dialog: HTMLElement, label: RegExp | string) =>
  within(dialog).getByLabelText(label) as HTMLInputElement;
