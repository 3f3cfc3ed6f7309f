import {
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
} from '@backstage/core-plugin-api';
import { legacyRootRouteRef } from './legacyRoutes';

/** For apps on the legacy frontend system: `<Route path="/gatehouse" element={<GatehousePage />} />`. */
export const gatehouseLegacyPlugin = createPlugin({
  id: 'gatehouse',
  routes: { root: legacyRootRouteRef },
});

export const GatehousePage = gatehouseLegacyPlugin.provide(
  createRoutableExtension({
    name: 'GatehousePage',
    component: () =>
      import('./components/GatehousePage').then(m => m.GatehousePage),
    mountPoint: legacyRootRouteRef,
  }),
);

/**
 * For a legacy app's group (or user) entity page:
 * `<Grid item xs={12}><EntityGatehouseCredentialsCard /></Grid>`. The
 * credentials the entity owns that can still be used, and a link to the rest
 * on the page.
 */
export const EntityGatehouseCredentialsCard = gatehouseLegacyPlugin.provide(
  createComponentExtension({
    name: 'EntityGatehouseCredentialsCard',
    component: {
      lazy: () =>
        import('./components/OwnedCredentialsCard').then(
          m => m.OwnedCredentialsCard,
        ),
    },
  }),
);
