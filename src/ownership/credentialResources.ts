import type { CredentialInventoryService } from '../inventory/inventoryServiceRef';
import { credentialResource } from './credentialAccess';
import type { GatehouseCredentialResource } from './credentialResource';

/**
 * The credentials with these inventory ids, as permission rules see them
 * (undefined for an id no source knows), in the order asked.
 */
export async function credentialResources(
  inventory: CredentialInventoryService,
  ids: string[],
): Promise<Array<GatehouseCredentialResource | undefined>> {
  const wanted = new Set(ids);
  const found = new Map<string, GatehouseCredentialResource>();
  for (const lister of inventory.listers()) {
    for (const credential of await lister.list()) {
      if (wanted.has(credential.id)) {
        found.set(credential.id, credentialResource(credential));
      }
    }
  }
  return ids.map(id => found.get(id));
}
