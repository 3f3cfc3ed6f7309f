import type { JsonObject } from '@backstage/types';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One entry of `backend.auth.pluginKeyStore.static.keys`. */
export interface StaticPluginKey {
  keyId: string;
  publicKeyFile: string;
  privateKeyFile?: string;
}

/**
 * Writes a new ES256 key pair to `<dir>/<keyId>.public.pem` and
 * `<dir>/<keyId>.private.pem` (SPKI and PKCS#8, as the static key store reads
 * them).
 */
export async function writeStaticPluginKey(
  dir: string,
  keyId: string,
): Promise<Required<StaticPluginKey>> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', {
    extractable: true,
  });
  const publicKeyFile = join(dir, `${keyId}.public.pem`);
  const privateKeyFile = join(dir, `${keyId}.private.pem`);
  writeFileSync(publicKeyFile, await exportSPKI(publicKey));
  writeFileSync(privateKeyFile, await exportPKCS8(privateKey), {
    mode: 0o600,
  });
  return { keyId, publicKeyFile, privateKeyFile };
}

/**
 * `backend.auth.pluginKeyStore` for the static key store: Backstage signs with
 * the first key (which needs its private key) and publishes the public keys of
 * all of them in every plugin's JWKS.
 */
export function staticPluginKeyStore(keys: StaticPluginKey[]): JsonObject {
  return {
    type: 'static',
    static: {
      keys: keys.map(k => ({
        keyId: k.keyId,
        publicKeyFile: k.publicKeyFile,
        ...(k.privateKeyFile ? { privateKeyFile: k.privateKeyFile } : {}),
      })),
    },
  };
}
