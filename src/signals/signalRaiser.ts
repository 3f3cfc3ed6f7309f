import type {
  AuditorService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { MetricsService } from '@backstage/backend-plugin-api/alpha';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import { escapeUnsafe } from '../lib/untrustedText';
import { credentialLink } from '../notices/OwnerNotifier';
import type { Signal } from './SignalStore';

const TITLES: Record<Signal['kind'], string> = {
  new_plugin: 'A credential called a plugin it never called before',
  dormant_reuse: 'A dormant credential is in use again',
  retired_presented: 'A retired credential is still presented',
  rejection_burst: 'A burst of rejected tokens',
};

/**
 * Raises a signal the database let this replica claim: a warning in the
 * log (escaped), the `gatehouse.signals` counter, an audit event
 * (`credential-signal`), and a notice to the credential's owner, if it has
 * one the notifications backend can reach (a failure there is logged, the
 * rest stands).
 */
export function createSignalRaiser(deps: {
  logger: LoggerService;
  auditor: AuditorService;
  metrics: MetricsService;
  notifications?: NotificationService;
  /** The owner of a credential (a JWT subject's: its entry's), if it has one. */
  ownerOf: (credentialId: string) => Promise<string | undefined>;
}): (signal: Signal) => Promise<void> {
  const counter = deps.metrics.createCounter('gatehouse.signals', {
    description:
      'Unusual uses of credentials Gatehouse noticed, by signal (each counted once across replicas)',
  });
  return async signal => {
    const detail = escapeUnsafe(signal.detail);
    deps.logger.warn(
      `Gatehouse noticed unusual use (${signal.kind}): ${detail}`,
      {
        signal: signal.kind,
        ...(signal.credentialId
          ? { credential: escapeUnsafe(signal.credentialId) }
          : {}),
      },
    );
    counter.add(1, { signal: signal.kind });
    const event = await deps.auditor.createEvent({
      eventId: 'credential-signal',
      severityLevel: 'medium',
      meta: {
        signal: signal.kind,
        ...(signal.credentialId ? { credential: signal.credentialId } : {}),
        detail: signal.detail,
      },
    });
    await event.success();
    if (!signal.credentialId || !deps.notifications) return;
    const owner = await deps.ownerOf(signal.credentialId);
    if (!owner) return;
    const entryId = signal.credentialId.split('#')[0];
    try {
      await deps.notifications.send({
        recipients: { type: 'entity', entityRef: owner },
        payload: {
          title: TITLES[signal.kind],
          description: signal.detail,
          link: credentialLink(entryId),
          severity: 'high',
          topic: 'gatehouse-credentials',
        },
      });
    } catch (error) {
      deps.logger.warn(
        `Gatehouse could not tell ${owner} about a signal (${signal.kind}): ${escapeUnsafe(String((error as Error)?.message ?? error).split('\n')[0])}`,
      );
    }
  };
}
