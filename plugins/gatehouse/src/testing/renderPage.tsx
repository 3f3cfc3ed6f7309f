import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SWRConfig } from 'swr';
import { ServiceAccessContent } from '../components/ServiceAccessContent';
import type { fakeBackend } from './fakeBackend';

/** Testing Library's wait, long enough for the first render of the test app. */
export const SLOW = { timeout: 10_000 };

export const EVERY_PERMISSION = [
  'gatehouse.token.read',
  'gatehouse.token.create',
  'gatehouse.token.revoke',
];

/** The page's content in the new system's test app, against a fake backend. */
export async function renderPage(
  backend: ReturnType<typeof fakeBackend>,
  allowed: string[] = EVERY_PERMISSION,
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
