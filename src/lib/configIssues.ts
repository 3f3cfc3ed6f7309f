import type { z } from 'zod';
import { GatehouseConfigError } from './GatehouseConfigError';

/** `backend.auth.externalAccess[0].options` + ['tokens', 1, 'hash'] -> `...options.tokens[1].hash` */
export function joinConfigPath(
  prefix: string,
  path: ReadonlyArray<PropertyKey>,
): string {
  let result = prefix;
  for (const part of path) {
    if (typeof part === 'number') {
      result += `[${part}]`;
    } else {
      result += result ? `.${String(part)}` : String(part);
    }
  }
  return result;
}

/**
 * One line per problem, each naming the full config path. zod's messages
 * never include the offending value, which matters here: it may be a secret.
 */
export function describeIssues(
  prefix: string,
  issues: ReadonlyArray<z.core.$ZodIssue>,
): string[] {
  return issues.map(issue => {
    const path = joinConfigPath(prefix, issue.path) || '(top level)';
    if (issue.code === 'unrecognized_keys') {
      return `${path}: unknown key(s) ${issue.keys.map(k => `'${k}'`).join(', ')}`;
    }
    return `${path}: ${issue.message}`;
  });
}

/**
 * Parses config with a zod schema.
 *
 * @throws GatehouseConfigError with `title` and one line per problem, each naming its config path
 */
export function parseConfig<T extends z.ZodType>(
  schema: T,
  raw: unknown,
  path: string,
  title: string,
): z.output<T> {
  const result = schema.safeParse(raw ?? {});
  if (!result.success) {
    throw new GatehouseConfigError(
      title,
      describeIssues(path, result.error.issues),
    );
  }
  return result.data;
}
