import type { RootInstanceMetadataService } from '@backstage/backend-plugin-api';
import type { Permission } from '@backstage/plugin-permission-common';
import type { PluginRequestService } from '../pluginRequest/PluginRequestService';

/** What one plugin of this backend registered with the permissions registry. */
export interface PluginPermissions {
  pluginId: string;
  permissions: Permission[];
  /** False when its metadata could not be read (no answer, an error, junk). */
  read: boolean;
}

const CACHE_MS = 60_000;
const METADATA_PATH = '/.well-known/backstage/permissions/metadata';
const METADATA_TIMEOUT_MS = 5_000;

/**
 * Every plugin of this backend (rootInstanceMetadata) with the permissions
 * it registered, read from its permissions metadata endpoint (which the
 * permissions registry serves) as the gatehouse plugin. Kept for a minute:
 * plugins and their permissions change only at a restart. A plugin that
 * does not answer within 5 s, fails or sends junk is listed with no
 * permissions and `read: false`.
 */
export function createRegisteredPermissions(deps: {
  instance: RootInstanceMetadataService;
  pluginRequest: PluginRequestService;
  now?: () => number;
  metadataTimeoutMs?: number;
}): () => Promise<PluginPermissions[]> {
  const timeoutMs = deps.metadataTimeoutMs ?? METADATA_TIMEOUT_MS;
  const now = deps.now ?? Date.now;
  let cached: { at: number; value: Promise<PluginPermissions[]> } | undefined;
  const load = async (): Promise<PluginPermissions[]> => {
    const installed = await deps.instance.getInstalledPlugins();
    const plugins = await Promise.all(
      installed.map(({ pluginId }) =>
        permissionsOf(deps.pluginRequest, pluginId, timeoutMs),
      ),
    );
    return plugins.sort((a, b) => a.pluginId.localeCompare(b.pluginId));
  };
  return () => {
    if (!cached || now() - cached.at > CACHE_MS) {
      cached = { at: now(), value: load() };
      cached.value.catch(() => (cached = undefined));
    }
    return cached.value;
  };
}

/** A permission as createPermission makes them; anything else is left out. */
function asPermission(value: unknown): Permission | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, name, attributes, resourceType } = value as Record<
    string,
    unknown
  >;
  if (typeof name !== 'string') return undefined;
  const action = (attributes as { action?: unknown } | undefined)?.action;
  const attrs = typeof action === 'string' ? { action } : {};
  if (type === 'resource' && typeof resourceType === 'string') {
    return { type, name, attributes: attrs, resourceType } as Permission;
  }
  // Older plugins' metadata may leave out the type: a basic permission.
  return type === undefined || type === 'basic'
    ? ({ type: 'basic', name, attributes: attrs } as Permission)
    : undefined;
}

async function permissionsOf(
  pluginRequest: PluginRequestService,
  pluginId: string,
  timeoutMs: number,
): Promise<PluginPermissions> {
  try {
    // A plugin that does not answer costs its permissions, not a hang.
    const response = await pluginRequest.fetch(pluginId, METADATA_PATH, {
      init: { signal: AbortSignal.timeout(timeoutMs) },
    });
    const body = (await response.json()) as { permissions?: unknown };
    if (body.permissions !== undefined && !Array.isArray(body.permissions)) {
      return { pluginId, permissions: [], read: false };
    }
    const permissions = (body.permissions ?? [])
      .map(asPermission)
      .filter((p): p is Permission => p !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name));
    return { pluginId, permissions, read: true };
  } catch {
    return { pluginId, permissions: [], read: false };
  }
}
