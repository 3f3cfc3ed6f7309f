import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/core-plugin-api';
import { useMemo } from 'react';
import { GatehouseClient } from '../api/GatehouseClient';

/** The backend client, from the app's discovery and fetch APIs (both frontend systems). */
export function useGatehouseClient(): GatehouseClient {
  const discoveryApi = useApi(discoveryApiRef);
  const fetchApi = useApi(fetchApiRef);
  return useMemo(
    () => new GatehouseClient({ discoveryApi, fetchApi }),
    [discoveryApi, fetchApi],
  );
}
