import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let cached: Promise<object> | undefined;

/**
 * `backend.auth.pluginKeyStore` config with a static ES256 key pair made for
 * this test run. The default database key store would keep an in-memory
 * SQLite handle open and Jest alive.
 */
export function staticPluginKeyStoreConfig(): Promise<object> {
  cached ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-keys-'));
    const { publicKey, privateKey } = await generateKeyPair('ES256', {
      extractable: true,
    });
    const publicKeyFile = join(dir, 'public.pem');
    const privateKeyFile = join(dir, 'private.pem');
    writeFileSync(publicKeyFile, await exportSPKI(publicKey));
    writeFileSync(privateKeyFile, await exportPKCS8(privateKey));
    return {
      type: 'static',
      static: {
        keys: [{ publicKeyFile, privateKeyFile, keyId: 'test-key-1' }],
      },
    };
  })();
  return cached;
}
