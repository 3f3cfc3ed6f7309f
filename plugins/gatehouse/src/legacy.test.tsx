import { FlatRoutes } from '@backstage/core-app-api';
import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import {
  MockFetchApi,
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import { Route } from 'react-router-dom';
import { GatehousePage } from './legacy';
import { BASE, fakeBackend } from './testing/fakeBackend';
import { withPermissions } from './testing/renderPage';

/**
 * The legacy export in a legacy app: @backstage/test-utils' app is the
 * legacy frontend system's (core-app-api's createApp), where the page is a
 * routable extension loaded lazily and mounted on its route by FlatRoutes.
 */
describe('GatehousePage in a legacy app', () => {
  it('mounts on its route with its own header and shows the inventory', async () => {
    const backend = fakeBackend();
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [
            fetchApiRef,
            new MockFetchApi({
              baseImplementation: withPermissions(backend, [
                'gatehouse.token.read',
                'gatehouse.token.create',
              ]) as any,
            }),
          ],
          [discoveryApiRef, mockApis.discovery()],
        ]}
      >
        {/* As an app made by the legacy create-app mounts it (App.tsx). */}
        <FlatRoutes>
          <Route path="/gatehouse" element={<GatehousePage />} />
        </FlatRoutes>
      </TestApiProvider>,
      { routeEntries: ['/gatehouse'] },
    );
    expect(
      await screen.findByRole(
        'heading',
        { name: 'Service access', level: 1 },
        { timeout: 10_000 },
      ),
    ).toBeInTheDocument();
    const row = (
      await screen.findByText('ci-pipeline', undefined, { timeout: 10_000 })
    ).closest('tr')!;
    expect(within(row).getByText('active')).toBeInTheDocument();
    expect(backend.requests[0].url.href).toBe(
      `${BASE}/inventory?status=active%2Cexpiring%2Cnot-yet-valid&limit=50`,
    );
    // What the user may do comes from the backend, through the legacy app's fetch API.
    expect(
      await screen.findByRole('button', { name: 'New token' }),
    ).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Revoke/ })).toBeNull();
  });
});
