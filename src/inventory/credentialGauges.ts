import type { MetricsService } from '@backstage/backend-plugin-api/alpha';
import type { CredentialStatus } from '@gatehouse/backstage-plugin-gatehouse-common';
import type { ManagedTokenTable } from '../managed/ManagedTokenTable';
import type { CredentialInventoryService } from './inventoryServiceRef';
import { statusOf } from './inventoryRows';

/** The gauge's "expiring": a week, to alert while there is time to rotate. */
export const GAUGE_EXPIRING_WITHIN_MS = 7 * 24 * 60 * 60_000;

/**
 * `gatehouse.credentials`: how many credentials the backend accepts, by
 * source and status, so that "tokens expiring within 7 days" is an alert
 * rule rather than a log search. Counted from memory at each collection:
 * config and token files, JWT entries, and the managed tokens this
 * replica holds (active ones; revoked and expired ones are not credentials
 * any more).
 */
export function registerCredentialGauges(options: {
  metrics: MetricsService;
  inventory: CredentialInventoryService;
  managedTable?: ManagedTokenTable;
  now?: () => number;
}): void {
  const { metrics, inventory, managedTable } = options;
  const now = options.now ?? Date.now;
  // Absent from older metrics services: then there is no gauge, nothing fails.
  if (typeof metrics.createObservableGauge !== 'function') return;
  const gauge = metrics.createObservableGauge<{
    source: string;
    status: CredentialStatus;
  }>('gatehouse.credentials', {
    description:
      'Credentials the backend accepts, by source and status (expiring: within 7 days, and in the last quarter of its life)',
  });
  gauge.addCallback(result => {
    const at = now();
    const counts = new Map<string, number>();
    const count = (source: string, status: CredentialStatus) => {
      const key = `${source}\n${status}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    };
    for (const lister of inventory.listers()) {
      if (lister.source === 'gatehouse-managed') continue; // from the table below
      const listed = lister.list();
      if (!Array.isArray(listed)) continue;
      for (const credential of listed) {
        count(
          credential.source,
          statusOf(credential, at, GAUGE_EXPIRING_WITHIN_MS),
        );
      }
    }
    for (const token of managedTable?.tokens() ?? []) {
      count('gatehouse-managed', statusOf(token, at, GAUGE_EXPIRING_WITHIN_MS));
    }
    for (const [key, value] of counts) {
      const [source, status] = key.split('\n');
      result.observe(value, { source, status: status as CredentialStatus });
    }
  });
}
