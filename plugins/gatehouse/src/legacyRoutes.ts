import { createRouteRef } from '@backstage/core-plugin-api';

/** The page of the legacy frontend system (its own route ref: a legacy app cannot bind the new one). */
export const legacyRootRouteRef = createRouteRef({ id: 'gatehouse' });
