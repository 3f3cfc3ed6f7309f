import {
  createFrontendPlugin,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { RiKey2Line } from '@remixicon/react';
import { rootRouteRef } from './routes';

/**
 * The page at /gatehouse, with a "Service access" item in the sidebar (title
 * and icon). The page brings Backstage's themed header (as the legacy page
 * does) instead of the app's plain plugin header.
 */
export const serviceAccessPage = PageBlueprint.make({
  params: {
    path: '/gatehouse',
    routeRef: rootRouteRef,
    title: 'Service access',
    icon: <RiKey2Line />,
    noHeader: true,
    loader: () =>
      import('./components/GatehousePage').then(m => <m.GatehousePage />),
  },
});

/**
 * The card "Credentials this team owns" on the catalog's group and user
 * pages (entity-card:gatehouse/owned-credentials): what the entity owns that
 * can still be used, and a link to the rest on the page.
 */
export const ownedCredentialsEntityCard = EntityCardBlueprint.make({
  name: 'owned-credentials',
  params: {
    filter: { kind: { $in: ['group', 'user'] } },
    type: 'content',
    loader: () =>
      import('./components/OwnedCredentialsCard').then(m => (
        <m.OwnedCredentialsCard />
      )),
  },
});

/**
 * Gatehouse's frontend plugin for the new frontend system: found by feature
 * discovery (`app.packages: all`), or listed in `createApp({ features })`.
 */
export const gatehousePlugin = createFrontendPlugin({
  pluginId: 'gatehouse',
  title: 'Service access',
  icon: <RiKey2Line />,
  extensions: [serviceAccessPage, ownedCredentialsEntityCard],
  routes: { root: rootRouteRef },
});
