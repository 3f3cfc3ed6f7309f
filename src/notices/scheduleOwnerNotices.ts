import type {
  LoggerService,
  RootConfigService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { reportOnce } from '../lib/startupReport';
import {
  NOTIFICATIONS_CONFIG_KEY,
  parseNoticeSettings,
} from './noticeSettings';
import { OwnerNotifier, OwnerNotifierDeps } from './OwnerNotifier';

/**
 * Reads `gatehouse.notifications` (a mistake stops the backend with the
 * start-up report) and, unless it is off, schedules the owners' notices
 * with Backstage's scheduler: a global task runs on one replica at a time.
 */
export async function scheduleOwnerNotices(
  deps: Omit<OwnerNotifierDeps, 'settings'> & {
    rootLogger: LoggerService;
    rootConfig: RootConfigService;
    scheduler: SchedulerService;
  },
): Promise<void> {
  let settings;
  try {
    settings = parseNoticeSettings(
      deps.rootConfig.getOptional(NOTIFICATIONS_CONFIG_KEY),
    );
  } catch (error) {
    throw reportOnce(error, deps.rootLogger);
  }
  if (!settings.enabled) return;
  const notifier = new OwnerNotifier({ ...deps, settings });
  await deps.scheduler.scheduleTask({
    id: 'gatehouse-owner-notices',
    frequency: { milliseconds: settings.intervalMs },
    timeout: { milliseconds: Math.max(settings.intervalMs, 60_000) },
    // Soon after start-up, not at once: the backend is still starting.
    initialDelay: { milliseconds: Math.min(settings.intervalMs, 10_000) },
    scope: 'global',
    fn: async () => {
      await notifier.run();
    },
  });
}
