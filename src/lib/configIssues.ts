import type { z } from 'zod';

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
