import type { PluginRequestService } from '../pluginRequest/PluginRequestService';

/**
 * Which owners the catalog knows. The notifications backend finds a
 * group's members in the catalog when a notice is sent, and a notice to an
 * entity the catalog does not know reaches nobody without an error; so a
 * notice waits until its owner is known.
 */
export interface OwnerDirectory {
  /**
   * The refs among `refs` that name catalog entities; undefined when the
   * catalog cannot be asked (no catalog plugin, an error): then notices are
   * sent as they are, rather than held for ever.
   */
  known(refs: string[]): Promise<Set<string> | undefined>;
}

/** The catalog asked as the gatehouse plugin itself, in one request per run. */
export function catalogOwnerDirectory(
  pluginRequest: PluginRequestService,
): OwnerDirectory {
  return {
    async known(refs) {
      if (!refs.length) return new Set();
      try {
        const response = await pluginRequest.fetch(
          'catalog',
          '/entities/by-refs',
          {
            init: {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                entityRefs: refs,
                fields: ['kind', 'metadata.namespace', 'metadata.name'],
              }),
            },
          },
        );
        if (!response.ok) return undefined;
        const { items } = (await response.json()) as {
          items: Array<unknown | null>;
        };
        // In the order asked, null for a ref the catalog does not have.
        return new Set(refs.filter((_, i) => items[i]));
      } catch {
        return undefined;
      }
    },
  };
}
