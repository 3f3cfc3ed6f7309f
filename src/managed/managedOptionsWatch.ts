import type {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { canonicalJson } from '../lib/canonicalJson';
import { externalAccessEntriesOfType } from '../lib/externalAccessEntries';
import { GATEHOUSE_MANAGED_TYPE } from './managedOptions';

/**
 * The managed entry's options are read once, at start-up: every replica
 * must enforce the same maximum lifetime and sync settings, and a half-applied
 * reload would make them disagree. When a reload changes them anyway, say so
 * once per distinct change rather than let an operator believe it took effect.
 *
 * @returns a function that stops watching
 */
export function warnOnManagedOptionsChange(options: {
  rootConfig: RootConfigService;
  logger: LoggerService;
}): () => void {
  const { rootConfig, logger } = options;
  const current = () => {
    const [entry] = externalAccessEntriesOfType(
      rootConfig,
      GATEHOUSE_MANAGED_TYPE,
    );
    return (
      entry && {
        path: entry.optionsPath,
        key: canonicalJson(entry.rawOptions ?? {}),
      }
    );
  };
  const atStart = current();
  const reported = new Set<string>();
  const subscription = rootConfig.subscribe?.(() => {
    const now = current();
    const key = now?.key ?? '(removed)';
    if (now?.key === atStart?.key || reported.has(key)) {
      return;
    }
    reported.add(key);
    logger.warn(
      now
        ? `gatehouse-managed: the options at ${now.path} changed; they are read at start-up only, so this replica keeps its running values. Restart each replica to apply them.`
        : 'gatehouse-managed: the gatehouse-managed entry is gone from backend.auth.externalAccess; managed tokens stay accepted until this replica restarts.',
    );
  });
  return () => subscription?.unsubscribe();
}
