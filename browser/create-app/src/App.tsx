import { createApp } from '@backstage/frontend-defaults';
import { navModule } from './modules/nav';

// create-app lists catalogPlugin and homeModule here too; Gatehouse's page
// is deliberately absent: `app.packages: all` discovers it.
export default createApp({
  features: [navModule],
});
