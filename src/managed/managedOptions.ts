import { z } from 'zod';
import { parseConfig } from '../lib/configIssues';
import { durationSchema } from '../lib/durationSchema';
import { SYNC_DEFAULTS, SyncSettings } from './ManagedTokenTable';

export const GATEHOUSE_MANAGED_TYPE = 'gatehouse-managed';

/** The options of the `gatehouse-managed` entry, validated. */
export interface ManagedEntryOptions {
  /** The longest lifetime a token may be created with. */
  maxLifetimeMs: number;
  /** The lifetime of a token created without one. */
  defaultLifetimeMs: number;
  /** How long a rotated token keeps working by default. */
  rotationOverlapMs: number;
  sync: Pick<SyncSettings, 'intervalMs' | 'maxStaleMs'>;
}

const DAY = 24 * 60 * 60_000;

export const MANAGED_DEFAULTS = {
  maxLifetimeMs: 365 * DAY,
  defaultLifetimeMs: 90 * DAY,
  rotationOverlapMs: 60 * 60_000,
};

/**
 * The shortest overlap of a rotation: the old token's holders get time to
 * change over, and a rotation can never be used to stop a token at once
 * (that is a revocation, with its own permission).
 */
export const MIN_ROTATION_OVERLAP_MS = 60_000;

export const ROTATION_OVERLAP_MESSAGE =
  'must be at least 1 minute (e.g. 10m, 1h); to stop a token at once, revoke it';

// A lifetime of zero would refuse every token the entry exists to issue.
const lifetimeSchema = durationSchema.refine(ms => ms >= 60_000, {
  message: 'must be at least 1 minute (e.g. 30d, 12h)',
});

const optionsSchema = z.strictObject({
  maxLifetime: lifetimeSchema.optional(),
  defaultLifetime: lifetimeSchema.optional(),
  rotationOverlap: durationSchema
    .refine(ms => ms >= MIN_ROTATION_OVERLAP_MS, ROTATION_OVERLAP_MESSAGE)
    .optional(),
  syncInterval: durationSchema.optional(),
  maxStale: durationSchema.optional(),
});

/**
 * Validates the `options` of the `gatehouse-managed` entry.
 *
 * @throws GatehouseConfigError naming each invalid key
 */
export function parseManagedOptions(
  raw: unknown,
  path: string,
): ManagedEntryOptions {
  const title = `Invalid gatehouse-managed options at ${path}:`;
  const options = parseConfig(optionsSchema, raw, path, title);
  const maxLifetimeMs = options.maxLifetime ?? MANAGED_DEFAULTS.maxLifetimeMs;
  return {
    maxLifetimeMs,
    // Unset, the default is never the maximum: a form that preselects it
    // would make the longest-lived token the path of least resistance.
    defaultLifetimeMs: Math.min(
      options.defaultLifetime ??
        Math.min(MANAGED_DEFAULTS.defaultLifetimeMs, maxLifetimeMs / 2),
      maxLifetimeMs,
    ),
    rotationOverlapMs:
      options.rotationOverlap ?? MANAGED_DEFAULTS.rotationOverlapMs,
    sync: {
      intervalMs: options.syncInterval ?? SYNC_DEFAULTS.intervalMs,
      maxStaleMs: options.maxStale ?? SYNC_DEFAULTS.maxStaleMs,
    },
  };
}
