import type { MetricsService } from '@backstage/backend-plugin-api/alpha';
import type { CredentialDefinition } from './credentialDefinition';
import { registerCredentialGauges } from './credentialGauges';
import type { CredentialInventoryService } from './inventoryServiceRef';
import { UsageLedger } from './UsageLedger';

const DAY = 24 * 60 * 60_000;
const NOW = Date.UTC(2026, 10, 28);

/**
 * The counting behind `gatehouse.credentials`, through the metrics service's
 * observable-gauge contract (a callback that observes values with
 * attributes); exporting them is Backstage's OpenTelemetry setup.
 */
describe('the gatehouse.credentials gauge', () => {
  function collect(
    credentials: Array<Partial<CredentialDefinition>>,
    managedTokens: Array<{ createdAt: number; expiresAt: number }>,
  ) {
    let callback: ((result: { observe: typeof observe }) => void) | undefined;
    const observed: Array<[number, Record<string, string>]> = [];
    const observe = (value: number, attributes: Record<string, string>) =>
      observed.push([value, attributes]);
    const metrics = {
      createObservableGauge: (name: string) => {
        expect(name).toBe('gatehouse.credentials');
        return { addCallback: (cb: typeof callback) => (callback = cb) };
      },
    } as unknown as MetricsService;
    const inventory: CredentialInventoryService = {
      settings: { enabled: true, flushIntervalMs: 60_000, subjectsPerEntry: 1 },
      ledger: new UsageLedger(),
      addLister: () => {},
      listers: () => [
        {
          source: 'gatehouse-static',
          list: () => credentials as CredentialDefinition[],
        },
        // Read from the database: the gauge never waits for it.
        { source: 'gatehouse-managed', list: async () => [] },
      ],
    };
    registerCredentialGauges({
      metrics,
      inventory,
      managedTable: { tokens: () => managedTokens } as never,
      now: () => NOW,
    });
    callback!({ observe });
    return observed.sort((a, b) =>
      JSON.stringify(a[1]).localeCompare(JSON.stringify(b[1])),
    );
  }

  it('counts credentials by source and status, expiring meaning within 7 days and in the last quarter of a life', () => {
    const made = (daysAgo: number, daysLeft: number) => ({
      createdAt: NOW - daysAgo * DAY,
      expiresAt: NOW + daysLeft * DAY,
    });
    expect(
      collect(
        [
          { source: 'gatehouse-static' },
          { source: 'gatehouse-static', expiresAt: NOW + 3 * DAY },
          { source: 'gatehouse-static', expiresAt: NOW + 30 * DAY },
          { source: 'gatehouse-static', expiresAt: NOW - DAY },
          { source: 'gatehouse-static', notBefore: NOW + DAY },
        ],
        [
          made(88, 2),
          made(84, 6),
          made(0, 90),
          // A 7-day token just made: short-lived by design, not expiring.
          made(0, 7),
        ],
      ),
    ).toEqual([
      [2, { source: 'gatehouse-managed', status: 'active' }],
      [2, { source: 'gatehouse-managed', status: 'expiring' }],
      [2, { source: 'gatehouse-static', status: 'active' }],
      [1, { source: 'gatehouse-static', status: 'expired' }],
      [1, { source: 'gatehouse-static', status: 'expiring' }],
      [1, { source: 'gatehouse-static', status: 'not-yet-valid' }],
    ]);
  });

  it('is left out, without failing, by a metrics service without observable gauges', () => {
    expect(() =>
      registerCredentialGauges({
        metrics: {} as MetricsService,
        inventory: {} as CredentialInventoryService,
      }),
    ).not.toThrow();
  });
});
