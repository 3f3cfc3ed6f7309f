import type { CredentialDefinition } from './credentialDefinition';
import { inventoryRows, inventoryUsage, InventoryRow } from './inventoryRows';
import type { CredentialInventoryService } from './inventoryServiceRef';
import type { UsageStore } from './UsageStore';

/**
 * Every credential of every source that `include` keeps, with its status
 * at `now` and its usage on every replica (this one's unflushed interval
 * too).
 *
 * @throws when the gatehouse database cannot be read
 */
export async function readInventoryRows(options: {
  inventory: CredentialInventoryService;
  usageStore: UsageStore;
  now: number;
  expiringWithinMs: number;
  include?: (credential: CredentialDefinition) => boolean;
}): Promise<InventoryRow[]> {
  const { inventory, now, include = () => true } = options;
  const credentials = (
    await Promise.all(inventory.listers().map(l => l.list()))
  )
    .flat()
    .filter(include);
  const usage = await inventoryUsage({
    store: options.usageStore,
    credentials,
    pending: inventory.ledger.peek(),
    now,
    subjectsPerEntry: inventory.settings.subjectsPerEntry,
  });
  return inventoryRows({
    credentials,
    ...usage,
    now,
    expiringWithinMs: options.expiringWithinMs,
    subjectsPerEntry: inventory.settings.subjectsPerEntry,
  });
}
