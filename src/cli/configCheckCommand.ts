import { ConfigReader } from '@backstage/config';
import { loadConfigSchema } from '@backstage/config-loader';
import type { AppConfig } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  externalAccessWarnings,
  validateExternalAccess,
} from '../config/validateExternalAccess';
import { GatehouseConfigError } from '../lib/GatehouseConfigError';
import { escapeUnsafe } from '../lib/untrustedText';
import { CliIo, CliUsageError } from './io';
import { loadConfigFiles, unsetVariablesNote } from './loadConfigFiles';

export const CONFIG_CHECK_USAGE = `  gatehouse config-check --config <app-config.yaml> [--config <more.yaml> ...] [--strict] [--lax]
      Checks the config as the backend would at start-up: Gatehouse's report on
      backend.auth.externalAccess. With --strict, also what
      'backstage-cli config:check --strict' checks (the schemas of the
      packages of the Backstage root it runs in, undeclared keys refused), with
      Gatehouse's entries left out of that part: Backstage's schema cannot
      declare types it does not know. --lax: unset environment variables are
      not errors. Run it where you run backstage-cli. Exit code 0: valid; 1: not.
`;

/**
 * The package names whose config schemas `backstage-cli config:check` reads:
 * every workspace package of the root in `dir`, or, outside a monorepo, the
 * dependencies of the package in `dir`.
 */
export function schemaPackages(dir: string): string[] {
  const manifest = (path: string) =>
    JSON.parse(readFileSync(join(path, 'package.json'), 'utf8'));
  const root = manifest(dir);
  const patterns: string[] = Array.isArray(root.workspaces)
    ? root.workspaces
    : (root.workspaces?.packages ?? []);
  if (!patterns.length) {
    return Object.keys({ ...root.dependencies, ...root.devDependencies });
  }
  const dirs = patterns.flatMap(pattern =>
    pattern.endsWith('/*')
      ? readdirSync(join(dir, pattern.slice(0, -2)), {
          withFileTypes: true,
        })
          .filter(entry => entry.isDirectory())
          .map(entry => join(dir, pattern.slice(0, -2), entry.name))
      : [join(dir, pattern)],
  );
  return dirs
    .filter(path => existsSync(join(path, 'package.json')))
    .map(path => manifest(path).name);
}

const isGatehouseEntry = (entry: unknown) =>
  typeof (entry as { type?: unknown })?.type === 'string' &&
  (entry as { type: string }).type.startsWith('gatehouse-');

/** The configs without Gatehouse's externalAccess entries. */
function withoutGatehouseEntries(configs: AppConfig[]): AppConfig[] {
  return configs.map(({ data, ...rest }) => {
    const backend = data.backend as JsonObject | undefined;
    const auth = backend?.auth as JsonObject | undefined;
    if (!Array.isArray(auth?.externalAccess)) {
      return { data, ...rest };
    }
    return {
      ...rest,
      data: {
        ...data,
        backend: {
          ...backend,
          auth: {
            ...auth,
            externalAccess: auth.externalAccess.filter(
              entry => !isGatehouseEntry(entry),
            ),
          },
        },
      },
    };
  });
}

export async function configCheckCommand(
  args: string[],
  io: CliIo,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      config: { type: 'string', multiple: true },
      strict: { type: 'boolean' },
      lax: { type: 'boolean' },
    },
  });
  if (!values.config?.length || positionals.length) {
    throw new CliUsageError('config-check needs --config <file> options only');
  }
  const lax = Boolean(values.lax);
  const { configs, unsetVariables } = await loadConfigFiles(values.config, {
    lax,
  });
  io.stdout.write(unsetVariablesNote(unsetVariables, lax));

  let valid = true;
  try {
    const config = ConfigReader.fromConfigs(configs);
    validateExternalAccess(config);
    io.stdout.write('Gatehouse: backend.auth.externalAccess is valid.\n');
    for (const warning of externalAccessWarnings(config)) {
      io.stdout.write(`warning: ${warning}\n`);
    }
  } catch (error) {
    if (!(error instanceof GatehouseConfigError)) throw error;
    valid = false;
    io.stdout.write(`Gatehouse: ${error.message}\n`);
  }

  if (values.strict) {
    const dir = process.cwd();
    const schema = await loadConfigSchema({
      dependencies: schemaPackages(dir),
      packagePaths: [join(dir, 'package.json')],
      noUndeclaredProperties: true,
    });
    try {
      schema.process(withoutGatehouseEntries(configs));
      io.stdout.write(
        "Backstage: the config matches every package's schema (strict; Gatehouse's entries checked above).\n",
      );
    } catch (error) {
      valid = false;
      const messages: string[] = (error as { messages?: string[] })
        .messages ?? [String((error as Error).message)];
      io.stdout.write(
        `Backstage: the config does not match the schema (strict):\n${messages
          .map(message => `  ${escapeUnsafe(message)}`)
          .join('\n')}\n`,
      );
    }
  }
  return valid ? 0 : 1;
}
