import type { Config } from '@backstage/config';
import {
  externalAccessEntriesOfType,
  externalAccessListProblems,
} from '../lib/externalAccessEntries';
import { GatehouseConfigError } from '../lib/GatehouseConfigError';
import { parseJwksOptions } from '../jwks/jwksOptions';
import { subjectNamespaceProblems } from '../jwks/subjectNamespaces';
import { parseStaticOptions } from '../static/staticOptions';
import {
  GATEHOUSE_MANAGED_TYPE,
  parseManagedOptions,
} from '../managed/managedOptions';

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

/**
 * The `gatehouse-managed` entry: one at most, valid options, and no
 * entry-level `accessRestrictions`, which would replace every managed
 * token's own restrictions (Backstage applies an entry's restrictions over
 * whatever its handler returns).
 */
function managedEntryProblems(config: Config): string[] {
  const entries = externalAccessEntriesOfType(config, GATEHOUSE_MANAGED_TYPE);
  const problems = entries.flatMap(entry =>
    problemsOf(() => parseManagedOptions(entry.rawOptions, entry.optionsPath)),
  );
  for (const entry of entries.slice(1)) {
    problems.push(
      `backend.auth.externalAccess[${entry.index}]: a second gatehouse-managed entry; one turns managed tokens on for the whole backend, remove this one`,
    );
  }
  const list = config.getOptionalConfigArray('backend.auth.externalAccess');
  for (const entry of entries) {
    if (list?.[entry.index].has('accessRestrictions')) {
      problems.push(
        `backend.auth.externalAccess[${entry.index}].accessRestrictions: not allowed on the gatehouse-managed entry: each managed token has its own restrictions, which entry-level ones would replace; remove it`,
      );
    }
  }
  return problems;
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
    ...managedEntryProblems(config),
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
