import type { Config } from '@backstage/config';
import {
  externalAccessEntriesOfType,
  externalAccessListProblems,
} from '../lib/externalAccessEntries';
import { GatehouseConfigError } from '../lib/GatehouseConfigError';
import { parseJwksOptions } from '../jwks/jwksOptions';
import { subjectNamespaceProblems } from '../jwks/subjectNamespaces';
import { parseStaticOptions } from '../static/staticOptions';

function problemsOf(parse: () => unknown): string[] {
  try {
    parse();
    return [];
  } catch (error) {
    if (error instanceof GatehouseConfigError) {
      return error.problems;
    }
    throw error;
  }
}

/** The entry a problem names first, so that the report reads top to bottom like the config. */
function entryIndexOf(problem: string): number {
  const match = /externalAccess\[(\d+)\]/.exec(problem);
  return match ? Number(match[1]) : -1;
}

function inEntryOrder(problems: string[]): string[] {
  // Array.prototype.sort is stable: an entry's problems keep their order.
  return [...problems].sort((a, b) => entryIndexOf(a) - entryIndexOf(b));
}

/**
 * Checks the whole `backend.auth.externalAccess` list as Gatehouse reads it,
 * so that a backend that cannot start says everything that is wrong at once:
 * keys Backstage would ignore, the options of every Gatehouse entry, and
 * subjects that two entries could share. (Token files are read later, by
 * the static registry.) Both Gatehouse types call it; whichever starts first
 * reports.
 *
 * @throws GatehouseConfigError with one line per problem, each naming its config path
 */
export function validateExternalAccess(config: Config): void {
  const problems = [
    ...externalAccessListProblems(config),
    ...externalAccessEntriesOfType(config, 'gatehouse-static').flatMap(entry =>
      problemsOf(() => parseStaticOptions(entry.rawOptions, entry.optionsPath)),
    ),
    ...externalAccessEntriesOfType(config, 'gatehouse-jwks').flatMap(entry =>
      problemsOf(() => parseJwksOptions(entry.rawOptions, entry.optionsPath)),
    ),
    ...subjectNamespaceProblems(config).problems,
  ];
  if (problems.length) {
    throw new GatehouseConfigError(
      'Invalid backend.auth.externalAccess configuration:',
      inEntryOrder(problems),
    );
  }
}

/**
 * The risky but valid settings the backend warns about at start-up, for a
 * config that passes `validateExternalAccess`.
 */
export function externalAccessWarnings(config: Config): string[] {
  return [
    ...externalAccessEntriesOfType(config, 'gatehouse-jwks').flatMap(
      entry => parseJwksOptions(entry.rawOptions, entry.optionsPath).warnings,
    ),
    ...subjectNamespaceProblems(config).warnings,
  ];
}
