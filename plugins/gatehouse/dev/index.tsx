/**
 * The app `npm start` serves (at the repository root): Backstage's default
 * app of the new frontend system, with guest sign-in, and this plugin's page
 * at /gatehouse. Run by `backstage-cli package start`.
 */
import { createApp } from '@backstage/frontend-defaults';
import ReactDOM from 'react-dom/client';
// As create-app's app does: the styles of Backstage's UI components, which
// the default app's layout (sidebar, page) is built from.
import '@backstage/ui/css/styles.css';
import gatehousePlugin from '../src';

const app = createApp({ features: [gatehousePlugin] });

ReactDOM.createRoot(document.getElementById('root')!).render(app.createRoot());
