import { z } from 'zod';
import { parseConfig } from '../lib/configIssues';
import { durationSchema } from '../lib/durationSchema';

export const NOTIFICATIONS_CONFIG_KEY = 'gatehouse.notifications';

const DAY_MS = 24 * 60 * 60_000;

/** `gatehouse.notifications` in app-config, validated. */
export interface NoticeSettings {
  enabled: boolean;
  /** How often one replica looks for notices due. */
  intervalMs: number;
  /** Windows before expiry, longest first; empty: no expiring notices. */
  expiringWithinMs: number[];
  expired: boolean;
  /** Unused for this long; undefined: no unused notices. */
  unusedForMs?: number;
}

const atLeastASecond = durationSchema.refine(
  ms => ms >= 1000,
  'must be at least 1 second',
);

const schema = z.strictObject({
  enabled: z.boolean().optional(),
  interval: atLeastASecond.optional(),
  expiring: z
    .strictObject({
      enabled: z.boolean().optional(),
      within: z
        .array(atLeastASecond)
        .min(1, 'must list at least one window, or set enabled: false')
        .max(10)
        .optional(),
    })
    .optional(),
  expired: z.strictObject({ enabled: z.boolean().optional() }).optional(),
  unused: z
    .strictObject({
      enabled: z.boolean().optional(),
      for: atLeastASecond.optional(),
    })
    .optional(),
});

/** @throws GatehouseConfigError naming each bad key */
export function parseNoticeSettings(raw: unknown): NoticeSettings {
  const parsed = parseConfig(
    schema,
    raw ?? {},
    NOTIFICATIONS_CONFIG_KEY,
    `Invalid ${NOTIFICATIONS_CONFIG_KEY} configuration:`,
  );
  const expiring = parsed.expiring?.enabled ?? true;
  const unused = parsed.unused?.enabled ?? true;
  return {
    enabled: parsed.enabled ?? true,
    intervalMs: parsed.interval ?? 60 * 60_000,
    expiringWithinMs: expiring
      ? [...new Set(parsed.expiring?.within ?? [14 * DAY_MS, 3 * DAY_MS])].sort(
          (a, b) => b - a,
        )
      : [],
    expired: parsed.expired?.enabled ?? true,
    unusedForMs: unused ? (parsed.unused?.for ?? 30 * DAY_MS) : undefined,
  };
}
