import type { JsonObject } from '@backstage/types';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { staticPluginKeyStore, writeStaticPluginKey } from './staticPluginKeys';

let cached: Promise<JsonObject> | undefined;

/**
 * `backend.auth.pluginKeyStore` config with a static ES256 key pair made for
 * this test run. The default database key store would keep an in-memory
 * SQLite handle open and Jest alive.
 */
export function staticPluginKeyStoreConfig(): Promise<JsonObject> {
  cached ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-keys-'));
    return staticPluginKeyStore([
      await writeStaticPluginKey(dir, 'test-key-1'),
    ]);
  })();
  return cached;
}
