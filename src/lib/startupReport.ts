import type { LoggerService } from '@backstage/backend-plugin-api';
import { GatehouseConfigError } from './GatehouseConfigError';

/** Reports already logged, per root logger (one per backend). */
const reported = new WeakMap<LoggerService, Set<string>>();

/**
 * How many problems the thrown error lists. The log has them all; the error
 * is also copied into Backstage's error chains, so a config with dozens of
 * problems must not make each copy dozens of lines.
 */
export const PROBLEMS_IN_ERROR = 10;

/**
 * Logs a config error's report once per backend, and returns the error to
 * throw in its place, which lists the problems too: the log alone is not
 * enough, since a test backend's default logger prints nothing and the
 * rejected start-up is then all a user sees.
 *
 * Gatehouse validates the whole config in its feature loader, before any
 * plugin starts; Backstage wraps a loader's error once ("Feature loader ...
 * failed; caused by ..."), so the problems appear once in the thrown error.
 * What only a root context finds (token files, `gatehouse.usage`, or any
 * problem when a backend adds Gatehouse's factories without the loader)
 * Backstage wraps once per plugin ("Failed to instantiate service ... for
 * 'catalog' ..."), each with the problems: complete, at the cost of one copy
 * per plugin, which PROBLEMS_IN_ERROR bounds.
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
 * The error Backstage gets: the logged report itself, or its first
 * PROBLEMS_IN_ERROR problems and how many more the log has.
 */
export class GatehouseStartupError extends Error {
  /** Every problem, for code; not enumerable, so that Node does not print them again after the stack. */
  declare readonly problems: string[];
  constructor(report: GatehouseConfigError) {
    const { problems } = report;
    const [title] = report.message.split('\n');
    const listed = problems.slice(0, PROBLEMS_IN_ERROR).map(p => `  - ${p}`);
    const more = problems.length - listed.length;
    if (more > 0) {
      listed.push(
        `  ... and ${more} more, in the report logged before this error`,
      );
    }
    super(`Gatehouse cannot start. ${title}\n${listed.join('\n')}`);
    this.name = 'GatehouseStartupError';
    Object.defineProperty(this, 'problems', { value: problems });
  }
}
