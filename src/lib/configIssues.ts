import type { z } from 'zod';
import { GatehouseConfigError } from './GatehouseConfigError';
import { unknownKeySentence } from './unknownKey';

/**
 * Said after every "missing" or "empty" problem: Backstage's config loader
 * leaves out a value whose `${VAR}` is unset, so the key looks never written.
 */
export const UNSET_VARIABLE_HINT =
  '; if it comes from an environment variable, is the variable set?';

interface SchemaDef {
  type: string;
  shape?: Record<string, { _zod: { def: SchemaDef } }>;
  element?: { _zod: { def: SchemaDef } };
  innerType?: { _zod: { def: SchemaDef } };
  in?: { _zod: { def: SchemaDef } };
}

/** The keys an object schema allows at `path`, for did-you-mean suggestions. */
function keysAt(
  schema: z.ZodType | undefined,
  path: ReadonlyArray<PropertyKey>,
): string[] {
  let def = (schema as { _zod?: { def: SchemaDef } } | undefined)?._zod?.def;
  const unwrap = () => {
    while (
      def &&
      ['optional', 'nullable', 'default', 'pipe'].includes(def.type)
    ) {
      def = (def.innerType ?? def.in)?._zod.def;
    }
  };
  for (const part of path) {
    unwrap();
    def =
      typeof part === 'number'
        ? def?.element?._zod.def
        : def?.shape?.[String(part)]?._zod.def;
  }
  unwrap();
  return def?.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

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
  schema?: z.ZodType,
): string[] {
  return issues.flatMap(issue => {
    const path = joinConfigPath(prefix, issue.path) || '(top level)';
    if (issue.code === 'unrecognized_keys') {
      const valid = keysAt(schema, issue.path);
      return issue.keys.map(
        key =>
          `${joinConfigPath(prefix, [...issue.path, key])}: ${unknownKeySentence(key, valid)}`,
      );
    }
    if (
      issue.code === 'invalid_type' &&
      issue.message.endsWith('received undefined')
    ) {
      return [`${path}: is required${UNSET_VARIABLE_HINT}`];
    }
    return [`${path}: ${issue.message}`];
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
      describeIssues(path, result.error.issues, schema),
    );
  }
  return result.data;
}
