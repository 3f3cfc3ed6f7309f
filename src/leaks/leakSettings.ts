import { z } from 'zod';
import { parseConfig } from '../lib/configIssues';
import { durationSchema } from '../lib/durationSchema';
import {
  COMPROMISED_SYNC_DEFAULTS,
  CompromisedSyncSettings,
} from './CompromisedList';

export const LEAKS_CONFIG_KEY = 'gatehouse.leaks';

const schema = z.strictObject({
  interval: durationSchema
    .refine(
      ms => ms >= 100 && ms <= 60_000,
      'must be between 100ms and 1 minute',
    )
    .optional(),
  maxStale: durationSchema
    .refine(ms => ms >= 10_000, 'must be at least 10 seconds')
    .optional(),
});

/**
 * `gatehouse.leaks` in app-config, validated.
 *
 * @throws GatehouseConfigError naming each bad key
 */
export function parseLeakSettings(raw: unknown): CompromisedSyncSettings {
  const parsed = parseConfig(
    schema,
    raw ?? {},
    LEAKS_CONFIG_KEY,
    `Invalid ${LEAKS_CONFIG_KEY} configuration:`,
  );
  return {
    ...COMPROMISED_SYNC_DEFAULTS,
    ...(parsed.interval !== undefined ? { intervalMs: parsed.interval } : {}),
    ...(parsed.maxStale !== undefined ? { maxStaleMs: parsed.maxStale } : {}),
  };
}
