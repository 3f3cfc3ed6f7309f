import type { MetricsService } from '@backstage/backend-plugin-api/alpha';
import type { RejectionReason } from './rejectionReasons';

/** Counters shared by Gatehouse's handlers; `type` is the handler type. */
export interface TokenMetrics {
  accepted(type: string): void;
  rejected(type: string, reason: RejectionReason): void;
}

export function createTokenMetrics(metrics: MetricsService): TokenMetrics {
  const acceptances = metrics.createCounter('gatehouse.token.acceptances', {
    description:
      'Bearer tokens accepted by a Gatehouse handler, by handler type',
  });
  const rejections = metrics.createCounter('gatehouse.token.rejections', {
    description:
      'Bearer tokens rejected by a Gatehouse handler, by handler type and reason code',
  });
  return {
    accepted: type => acceptances.add(1, { type }),
    rejected: (type, reason) => rejections.add(1, { type, reason }),
  };
}
