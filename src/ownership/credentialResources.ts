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
    // A database source reads those asked for, not all of its rows.
    const listed = lister.get ? await lister.get(ids) : await lister.list();
    for (const credential of listed) {
      if (wanted.has(credential.id)) {
        found.set(credential.id, credentialResource(credential));
      }
    }
  }
  return ids.map(id => found.get(id));
}
