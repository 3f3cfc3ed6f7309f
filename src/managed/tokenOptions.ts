import type { TokenOptions as OfferedOptions } from '@gatehouse/backstage-plugin-gatehouse-common';
import type { ManagedEntryOptions } from './managedOptions';
import type { PluginPermissions } from './registeredPermissions';

/**
 * What the new-token form may offer: lifetimes and every plugin's
 * permissions (the API's TokenOptions but `anyScope`, which is the caller's).
 */
export type TokenOptions = Omit<OfferedOptions, 'anyScope'>;

/**
 * The new-token form's options: the entry's lifetimes and every plugin of
 * this backend with the permissions it registered. A plugin without
 * readable permissions is offered as a whole: a token can still be limited
 * to it.
 */
export function createTokenOptions(deps: {
  entry: ManagedEntryOptions;
  registeredPermissions: () => Promise<PluginPermissions[]>;
}): () => Promise<TokenOptions> {
  return async () => ({
    maxLifetimeMs: deps.entry.maxLifetimeMs,
    defaultLifetimeMs: deps.entry.defaultLifetimeMs,
    rotationOverlapMs: deps.entry.rotationOverlapMs,
    plugins: (await deps.registeredPermissions()).map(plugin => ({
      pluginId: plugin.pluginId,
      permissions: plugin.permissions.map(({ name, attributes }) => ({
        name,
        ...(attributes.action ? { action: attributes.action } : {}),
      })),
    })),
  });
}
