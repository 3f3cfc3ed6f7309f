import { createRouteRef } from '@backstage/frontend-plugin-api';

/** The page of the new frontend system. */
export const rootRouteRef = createRouteRef();
