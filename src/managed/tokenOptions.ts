import type { RootInstanceMetadataService } from '@backstage/backend-plugin-api';
import type { PluginRequestService } from '../pluginRequest/PluginRequestService';
import type { ManagedEntryOptions } from './managedOptions';

/** A permission of an installed plugin, as the new-token form offers it. */
export interface OfferedPermission {
  name: string;
  action?: string;
}

/** What the new-token form may offer: lifetimes and every plugin's permissions. */
export interface TokenOptions {
  maxLifetimeMs: number;
  defaultLifetimeMs: number;
  rotationOverlapMs: number;
  plugins: Array<{ pluginId: string; permissions: OfferedPermission[] }>;
}

const CACHE_MS = 60_000;
const METADATA_PATH = '/.well-known/backstage/permissions/metadata';
const METADATA_TIMEOUT_MS = 5_000;

/**
 * The plugins of this backend (rootInstanceMetadata) and, for each, the
 * permissions it registered (its permissions metadata endpoint, which the
 * permissions registry serves, called as the gatehouse plugin). A plugin
 * without the endpoint is offered with no permissions: a token can still be
 * limited to it as a whole. Kept for a minute: plugins change only at a
 * restart, and the form asks once per opening.
 */
export function createTokenOptions(deps: {
  entry: ManagedEntryOptions;
  instance: RootInstanceMetadataService;
  pluginRequest: PluginRequestService;
  now?: () => number;
  metadataTimeoutMs?: number;
}): () => Promise<TokenOptions> {
  const timeoutMs = deps.metadataTimeoutMs ?? METADATA_TIMEOUT_MS;
  const now = deps.now ?? Date.now;
  let cached: { at: number; value: Promise<TokenOptions> } | undefined;
  const load = async (): Promise<TokenOptions> => {
    const installed = await deps.instance.getInstalledPlugins();
    const plugins = await Promise.all(
      installed.map(async ({ pluginId }) => ({
        pluginId,
        permissions: await permissionsOf(
          deps.pluginRequest,
          pluginId,
          timeoutMs,
        ),
      })),
    );
    return {
      maxLifetimeMs: deps.entry.maxLifetimeMs,
      defaultLifetimeMs: deps.entry.defaultLifetimeMs,
      rotationOverlapMs: deps.entry.rotationOverlapMs,
      plugins: plugins.sort((a, b) => a.pluginId.localeCompare(b.pluginId)),
    };
  };
  return () => {
    if (!cached || now() - cached.at > CACHE_MS) {
      cached = { at: now(), value: load() };
      cached.value.catch(() => (cached = undefined));
    }
    return cached.value;
  };
}

async function permissionsOf(
  pluginRequest: PluginRequestService,
  pluginId: string,
  timeoutMs: number,
): Promise<OfferedPermission[]> {
  try {
    // A plugin that does not answer costs the form its permissions, not a hang.
    const response = await pluginRequest.fetch(pluginId, METADATA_PATH, {
      init: { signal: AbortSignal.timeout(timeoutMs) },
    });
    const body = (await response.json()) as {
      permissions?: Array<{
        name?: unknown;
        attributes?: { action?: unknown };
      }>;
    };
    return (body.permissions ?? [])
      .filter(p => typeof p.name === 'string')
      .map(p => ({
        name: p.name as string,
        ...(typeof p.attributes?.action === 'string'
          ? { action: p.attributes.action }
          : {}),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return [];
  }
}
