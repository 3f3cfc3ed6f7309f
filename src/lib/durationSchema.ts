import { ConfigReader, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { z } from 'zod';

/**
 * A duration as Backstage config writes them, in milliseconds: a number of
 * seconds (`30`), a string (`30s`, `5m`, `1h`, `2 days`, or ISO 8601 `PT5M`),
 * or an object (`{ minutes: 5 }`).
 */
export const durationSchema = z
  .union([
    z.number().nonnegative().finite(),
    z.string(),
    z.record(z.string(), z.number()),
  ])
  .transform((value, ctx) => {
    // A digit string is what `${VAR}` substitution gives for a number.
    if (typeof value === 'number' || /^\d+$/.test(value as string)) {
      return Number(value) * 1000;
    }
    try {
      const ms = durationToMilliseconds(
        readDurationFromConfig(new ConfigReader({ value }), { key: 'value' }),
      );
      if (!Number.isFinite(ms) || ms < 0) {
        throw new Error('must not be negative');
      }
      return ms;
    } catch {
      ctx.addIssue({
        code: 'custom',
        message:
          "must be a duration: seconds as a number (30), a string such as '30s', '5m', '1h', or an object such as { minutes: 5 }",
      });
      return z.NEVER;
    }
  });
