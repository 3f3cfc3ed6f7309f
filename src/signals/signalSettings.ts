import { z } from 'zod';
import { parseConfig } from '../lib/configIssues';
import { durationSchema } from '../lib/durationSchema';

export const SIGNALS_CONFIG_KEY = 'gatehouse.signals';

const DAY_MS = 24 * 60 * 60_000;

/** `gatehouse.signals` in app-config, validated (docs/leaks.md#unusual-use). */
export interface SignalSettings {
  enabled: boolean;
  /** A credential's first calls teach it its plugins; a new one after this is a signal. */
  learningPeriodMs: number;
  /** Unused this long, then used again: a signal. */
  dormantForMs: number;
  /** Rejections are added up across replicas in windows this long. */
  burstWindowMs: number;
  /** Rejections of one token (fingerprint) in a window that make a burst. */
  burstPerFingerprint: number;
  /** Rejections for one reason code in a window that make a burst. */
  burstPerReason: number;
}

const atLeastASecond = durationSchema.refine(
  ms => ms >= 1000,
  'must be at least 1 second',
);
const count = z.number().int().min(1).max(1_000_000_000);

const schema = z.strictObject({
  enabled: z.boolean().optional(),
  learningPeriod: atLeastASecond.optional(),
  dormantFor: atLeastASecond.optional(),
  burst: z
    .strictObject({
      window: atLeastASecond.optional(),
      perFingerprint: count.optional(),
      perReason: count.optional(),
    })
    .optional(),
});

/** @throws GatehouseConfigError naming each bad key */
export function parseSignalSettings(raw: unknown): SignalSettings {
  const parsed = parseConfig(
    schema,
    raw ?? {},
    SIGNALS_CONFIG_KEY,
    `Invalid ${SIGNALS_CONFIG_KEY} configuration:`,
  );
  return {
    enabled: parsed.enabled ?? true,
    learningPeriodMs: parsed.learningPeriod ?? 7 * DAY_MS,
    dormantForMs: parsed.dormantFor ?? 30 * DAY_MS,
    burstWindowMs: parsed.burst?.window ?? 5 * 60_000,
    burstPerFingerprint: parsed.burst?.perFingerprint ?? 50,
    burstPerReason: parsed.burst?.perReason ?? 500,
  };
}
