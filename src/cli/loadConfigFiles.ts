import type { AppConfig } from '@backstage/config';
import { ConfigSources } from '@backstage/config-loader';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cannotLoadConfig } from './io';

/** A Gatehouse token's minimum length, so that a placeholder passes as one. */
const LAX_PLACEHOLDER = 'x'.repeat(32);

export interface LoadedConfigFiles {
  /** Every file's data, in order, as Backstage reads them. */
  configs: AppConfig[];
  /**
   * The `${VAR}`s that are not set and have no `${VAR:-default}`: Backstage
   * leaves their values out, so their keys look never written.
   */
  unsetVariables: string[];
}

/** Whether some file writes `${name:-default}` (an `$include`d file is not looked into). */
function hasDefault(texts: string[], name: string): boolean {
  return texts.some(text =>
    text.split('${').some(part => {
      const end = part.indexOf(':-');
      return end >= 0 && part.slice(0, end).trim() === name;
    }),
  );
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // the config loader reports it
  }
}

/**
 * Loads `--config` files as Backstage does (environment substitution and
 * `$include` included) and notes which variables were unset.
 *
 * @param lax - give unset variables a placeholder value instead
 * @throws CliUsageError for a file that does not load, without its content
 */
export async function loadConfigFiles(
  files: string[],
  options: { lax?: boolean } = {},
): Promise<LoadedConfigFiles> {
  const paths = files.map(file => resolve(file));
  const texts = paths.map(readOrEmpty);
  const unset = new Set<string>();
  const source = ConfigSources.default({
    argv: paths.flatMap(path => ['--config', path]),
    watch: false,
    substitutionFunc: async name => {
      const value = process.env[name];
      if (value === undefined && !hasDefault(texts, name)) {
        unset.add(name);
        return options.lax ? LAX_PLACEHOLDER : undefined;
      }
      return value;
    },
  });
  try {
    for await (const { configs } of source.readConfigData()) {
      return {
        configs,
        unsetVariables: [...unset],
      };
    }
    return { configs: [], unsetVariables: [] };
  } catch (error) {
    throw cannotLoadConfig(error);
  }
}

/** The line that lists unset variables, or nothing. */
export function unsetVariablesNote(
  unsetVariables: string[],
  lax = false,
): string {
  if (!unsetVariables.length) return '';
  return lax
    ? `Not set in this environment, given a placeholder (--lax): ${unsetVariables.join(', ')}\n`
    : `Not set in this environment: ${unsetVariables.join(', ')}. Backstage leaves out a value whose variable is unset, so those keys count as not written.\n`;
}
