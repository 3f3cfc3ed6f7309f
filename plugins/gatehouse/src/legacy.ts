import {
  createPlugin,
  createRoutableExtension,
  createRouteRef,
} from '@backstage/core-plugin-api';

const legacyRootRouteRef = createRouteRef({ id: 'gatehouse' });

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
