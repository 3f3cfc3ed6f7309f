/**
 * The app `npm start` serves (at the repository root): Backstage's default
 * app of the new frontend system, with guest sign-in, the catalog, and this
 * plugin's page at /gatehouse and card on group and user pages. Run by `backstage-cli package start`.
 */
import { createApp } from '@backstage/frontend-defaults';
import ReactDOM from 'react-dom/client';
// As create-app's app does: the styles of Backstage's UI components, which
// the default app's layout (sidebar, page) is built from.
import '@backstage/ui/css/styles.css';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import gatehousePlugin from '../src';

// The catalog too: owners shown by their display names, linked to their
// pages, where a team's card lists what it owns.
const app = createApp({ features: [catalogPlugin, gatehousePlugin] });

ReactDOM.createRoot(document.getElementById('root')!).render(app.createRoot());
