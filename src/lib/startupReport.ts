import type { LoggerService } from '@backstage/backend-plugin-api';
import { GatehouseConfigError } from './GatehouseConfigError';

/** Reports already logged, per root logger (one per backend). */
const reported = new WeakMap<LoggerService, Set<string>>();

/**
 * Backstage wraps a root context's error once per plugin that depends on it
 * ("Failed to instantiate service ... for 'catalog' ..."), with the stack of
 * each: a report of ten problems came out ten times in kilobytes of chains.
 * So the report is logged once, by itself and readable, and what Backstage
 * wraps is one line that points at it.
 *
 * @returns the error to throw in place of `error`
 */
export function reportOnce(error: unknown, rootLogger: LoggerService): unknown {
  if (!(error instanceof GatehouseConfigError)) {
    return error;
  }
  const seen = reported.get(rootLogger) ?? new Set<string>();
  reported.set(rootLogger, seen);
  if (!seen.has(error.message)) {
    seen.add(error.message);
    rootLogger
      .child({ service: 'gatehouse' })
      .error(`Gatehouse cannot start. ${error.message}`);
  }
  return new GatehouseStartupError(error);
}

/**
 * What Backstage gets to wrap: a line that says where the report is. The
 * problems are kept for code, but not enumerable, so that printing the error
 * (as Node does for a failed start) does not print the report a second time.
 */
export class GatehouseStartupError extends Error {
  declare readonly problems: string[];
  constructor(report: GatehouseConfigError) {
    const count = report.problems.length;
    super(
      `Gatehouse cannot start: ${count} configuration problem${count === 1 ? '' : 's'}, listed in the error logged before this one ('Gatehouse cannot start. ${report.message.split('\n')[0]}')`,
    );
    this.name = 'GatehouseStartupError';
    Object.defineProperty(this, 'problems', { value: report.problems });
  }
}
