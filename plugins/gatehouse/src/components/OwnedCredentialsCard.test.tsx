import type { Entity } from '@backstage/catalog-model';
import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import {
  mockApis,
  renderInTestApp,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import {
  MockFetchApi,
  TestApiProvider,
  mockApis as legacyMockApis,
  renderInTestApp as renderInLegacyApp,
} from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import type { Credential } from '../api/types';
import { EntityGatehouseCredentialsCard } from '../legacy';
import { legacyRootRouteRef } from '../legacyRoutes';
import { gatehousePlugin, ownedCredentialsEntityCard } from '../plugin';
import { rootRouteRef } from '../routes';
import {
  BASE,
  CREDENTIALS,
  fakeBackend,
  heldBack,
  inventoryOf,
} from '../testing/fakeBackend';
import { EVERY_PERMISSION, SLOW, withPermissions } from '../testing/renderPage';
import { OwnedCredentialsCard } from './OwnedCredentialsCard';

const TEAM: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name: 'docs-team', namespace: 'default' },
  spec: { type: 'team', children: [] },
};

const JANE: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name: 'jane' },
  spec: {},
};

const SERVICE: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'docs-site' },
  spec: { type: 'website', owner: 'group:default/docs-team' },
};

/** The team's credentials: the page's fixtures, owned by it. */
const OWNED: Credential[] = CREDENTIALS.map(c => ({
  ...c,
  owner: 'group:default/docs-team',
}));

const TEAM_QUERY =
  '?owner=group%3Adefault%2Fdocs-team&status=active%2Cexpiring%2Cnot-yet-valid&limit=10';

/** The card in the new system's test app, on `entity`'s page, against `backend`. */
async function renderCard(
  backend: ReturnType<typeof fakeBackend>,
  options: { entity?: Entity; allowed?: string[] } = {},
) {
  await renderInTestApp(
    <EntityProvider entity={options.entity ?? TEAM}>
      <OwnedCredentialsCard />
    </EntityProvider>,
    {
      apis: [
        mockApis.fetch({
          baseImplementation: withPermissions(
            backend,
            options.allowed ?? EVERY_PERMISSION,
          ) as any,
        }),
        mockApis.discovery(),
      ],
    },
  );
}

/** The card's table rows, by subject. */
async function rowOf(subject: string) {
  return (await screen.findByRole('link', { name: subject }, SLOW)).closest(
    'tr',
  )!;
}

describe('the card "Credentials this team owns"', () => {
  it("lists the team's usable credentials with their status, restrictions and last use", async () => {
    const backend = fakeBackend(() => [200, inventoryOf(OWNED)]);
    await renderCard(backend);
    expect(
      await screen.findByText('Credentials this team owns', undefined, SLOW),
    ).toBeInTheDocument();
    const ci = await rowOf('ci-pipeline');
    expect(within(ci).getByText('active')).toBeInTheDocument();
    expect(
      within(ci).getByText('catalog: catalog.entity.read (read)'),
    ).toBeInTheDocument();
    expect(within(ci).getByText('3 hours ago')).toHaveAttribute(
      'title',
      new Date('2026-11-28T09:41:00.000Z').toLocaleString(),
    );
    const bot = await rowOf('deploy-bot');
    expect(within(bot).getByText('expiring')).toBeInTheDocument();
    expect(within(bot).getByText('every plugin')).toBeInTheDocument();
    expect(within(bot).getByText('deploys the docs site')).toBeInTheDocument();
    expect(within(bot).getByText('never')).toBeInTheDocument();
    expect(
      within(await rowOf('legacy')).getByText('not recorded'),
    ).toBeInTheDocument();
    expect(screen.getByText('3 credentials')).toBeInTheDocument();
    // The team's, usable, the first ten: the backend filters and pages.
    expect(backend.requests.map(r => r.url.href)).toEqual([
      `${BASE}/inventory${TEAM_QUERY}`,
    ]);
  });

  it('links each credential and the whole list to the Service access page, filtered by the team', async () => {
    await renderCard(fakeBackend(() => [200, inventoryOf(OWNED)]));
    expect(
      await screen.findByRole('link', { name: 'ci-pipeline' }, SLOW),
    ).toHaveAttribute(
      'href',
      `/gatehouse?owner=group%3Adefault%2Fdocs-team&credential=${encodeURIComponent('gatehouse-static:3f9a61c2')}`,
    );
    expect(
      screen.getByRole('link', { name: /View all in Service access/ }),
    ).toHaveAttribute('href', '/gatehouse?owner=group%3Adefault%2Fdocs-team');
  });

  it('says how many there are when it shows only the first ten', async () => {
    await renderCard(fakeBackend(() => [200, inventoryOf(OWNED, 25)]));
    expect(
      await screen.findByText('The first 3 of 25', undefined, SLOW),
    ).toBeInTheDocument();
  });

  it('shows progress while the backend answers', async () => {
    const { backend, release } = heldBack(
      fakeBackend(() => [200, inventoryOf(OWNED)]),
      'GET',
    );
    await renderCard(backend);
    expect(
      await screen.findByTestId('progress', undefined, SLOW),
    ).toBeInTheDocument();
    release();
    expect(await rowOf('ci-pipeline')).toBeInTheDocument();
    expect(screen.queryByTestId('progress')).toBeNull();
  });

  it('says when the team owns none', async () => {
    await renderCard(fakeBackend(() => [200, inventoryOf([])]));
    expect(
      await screen.findByText('This team owns no credentials', undefined, SLOW),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('says the count is of those the user may see where the policy shows only some', async () => {
    await renderCard(
      fakeBackend(() => [200, inventoryOf([])]),
      {
        allowed: ['gatehouse.token.read:some'],
      },
    );
    expect(
      await screen.findByText(
        'This team owns no credentials that you may see',
        undefined,
        SLOW,
      ),
    ).toBeInTheDocument();
  });

  it("says the user may not see the team's credentials when the backend refuses (403)", async () => {
    await renderCard(
      fakeBackend(() => [
        403,
        {
          error: {
            name: 'NotAllowedError',
            message: 'This caller may not use gatehouse.token.read',
          },
        },
      ]),
      { allowed: [] },
    );
    expect(await screen.findByRole('alert', undefined, SLOW)).toHaveTextContent(
      "You may not see this team's credentials",
    );
    expect(screen.queryByRole('link', { name: /View all/ })).toBeNull();
  });

  it("says what went wrong otherwise, in the backend's words", async () => {
    await renderCard(
      fakeBackend(() => [
        503,
        {
          error: {
            name: 'ServiceUnavailableError',
            message: 'The inventory cannot be read',
          },
        },
      ]),
    );
    expect(await screen.findByRole('alert', undefined, SLOW)).toHaveTextContent(
      'The credentials could not be loaded: The inventory cannot be read',
    );
  });

  it("on a user's page, lists what the user owns", async () => {
    const backend = fakeBackend(() => [200, inventoryOf([])]);
    await renderCard(backend, { entity: JANE });
    expect(
      await screen.findByText('Credentials this user owns', undefined, SLOW),
    ).toBeInTheDocument();
    expect(
      await screen.findByText('This user owns no credentials'),
    ).toBeInTheDocument();
    expect(backend.requests[0].url.searchParams.get('owner')).toBe(
      'user:default/jane',
    );
  });
});

describe('the entity card extension (new frontend system)', () => {
  const apis = (backend: ReturnType<typeof fakeBackend>) =>
    [
      mockApis.fetch({
        baseImplementation: withPermissions(backend, EVERY_PERMISSION) as any,
      }),
      mockApis.discovery(),
    ] as const;

  it("is on a group's page, and links to the page where the app mounts it", async () => {
    const backend = fakeBackend(() => [200, inventoryOf(OWNED)]);
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: TEAM }),
        ownedCredentialsEntityCard,
      ],
      mountedRoutes: { '/service-access': rootRouteRef },
      apis: apis(backend),
    });
    expect(await rowOf('deploy-bot')).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: /View all in Service access/ }),
    ).toHaveAttribute(
      'href',
      '/service-access?owner=group%3Adefault%2Fdocs-team',
    );
  });

  it('comes with the plugin, as entity-card:gatehouse/owned-credentials', async () => {
    expect(
      gatehousePlugin.getExtension('entity-card:gatehouse/owned-credentials'),
    ).toMatchObject({ kind: 'entity-card', name: 'owned-credentials' });
    renderTestApp({
      features: [gatehousePlugin],
      extensions: [createTestEntityPage({ entity: JANE })],
      apis: apis(fakeBackend(() => [200, inventoryOf([])])),
    });
    expect(
      await screen.findByText('This user owns no credentials', undefined, SLOW),
    ).toBeInTheDocument();
  });

  it("is not on a component's page", async () => {
    const backend = fakeBackend(() => [200, inventoryOf(OWNED)]);
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: SERVICE }),
        ownedCredentialsEntityCard,
      ],
      apis: apis(backend),
    });
    expect(
      await screen.findByTestId('empty-entity-page', undefined, SLOW),
    ).toBeInTheDocument();
    expect(backend.requests).toEqual([]);
  });
});

describe('EntityGatehouseCredentialsCard in a legacy app', () => {
  it("renders on a group's page, through the legacy app's fetch API, linking to the legacy page's route", async () => {
    const backend = fakeBackend(() => [200, inventoryOf(OWNED)]);
    await renderInLegacyApp(
      <TestApiProvider
        apis={[
          [
            fetchApiRef,
            new MockFetchApi({
              baseImplementation: withPermissions(
                backend,
                EVERY_PERMISSION,
              ) as any,
            }),
          ],
          [discoveryApiRef, legacyMockApis.discovery()],
        ]}
      >
        {/* As a legacy app's group page places it (EntityPage.tsx). */}
        <EntityProvider entity={TEAM}>
          <EntityGatehouseCredentialsCard />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes: { '/service-access': legacyRootRouteRef } },
    );
    expect(
      within(await rowOf('ci-pipeline')).getByText('active'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: /View all in Service access/ }),
    ).toHaveAttribute(
      'href',
      '/service-access?owner=group%3Adefault%2Fdocs-team',
    );
    expect(backend.requests[0].url.href).toBe(`${BASE}/inventory${TEAM_QUERY}`);
  });
});
