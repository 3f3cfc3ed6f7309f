import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { ownerRefSchema } from '../ownership/ownerRef';
import {
  describeIssues,
  joinConfigPath,
  parseConfig,
  UNSET_VARIABLE_HINT,
} from '../lib/configIssues';
import { GatehouseConfigError } from '../lib/GatehouseConfigError';
import {
  isSafeSubjectText,
  reservedPrefixMessage,
  reservedSubjectPrefix,
  UNSAFE_SUBJECT_MESSAGE,
} from '../lib/subjects';
import { sha256Hex } from '../lib/tokenDigest';

/** Shortest token accepted at all; upstream `static` accepts 8. */
export const MIN_TOKEN_LENGTH = 16;
/** Shorter tokens are accepted with a warning: 32 characters is where brute force stops being a topic. */
export const RECOMMENDED_TOKEN_LENGTH = 32;
/**
 * No configured token may be longer, so a longer bearer token is rejected
 * without hashing it.
 */
export const MAX_TOKEN_LENGTH = 4096;

/** One accepted token, as Gatehouse keeps it: a digest, never the secret. */
export interface StaticTokenSpec {
  /** Lower-case hex SHA-256 of the token. */
  digest: string;
  subject: string;
  /** The catalog entity ref (group or user) that looks after it. */
  owner?: string;
  /** Epoch milliseconds; the token is rejected from this instant on. */
  expiresAt?: number;
  /** Epoch milliseconds; the token is rejected before this instant. */
  notBefore?: number;
  /** Where it was defined, for messages: a config path or `file: tokens[i]`. */
  origin: string;
  /** True for a plain token shorter than {@link RECOMMENDED_TOKEN_LENGTH}. */
  short: boolean;
  /** Written as a `sha256:` hash, or as the token itself. */
  stored: 'hash' | 'plain';
}

/** What an entry gives its tokens that do not say it themselves. */
export interface EntryDefaults {
  subject?: string;
  owner?: string;
}

/** The options of one `gatehouse-static` entry, validated. */
export interface StaticEntryOptions {
  subject?: string;
  /** The owner of its tokens that do not name their own. */
  owner?: string;
  /** From `token` and `tokens`. */
  tokens: StaticTokenSpec[];
  /** Absolute path. */
  tokensFile?: string;
}

const subjectSchema = z
  .string()
  .refine(isSafeSubjectText, UNSAFE_SUBJECT_MESSAGE)
  .superRefine((subject, ctx) => {
    const prefix = reservedSubjectPrefix(subject);
    if (prefix) {
      ctx.addIssue({
        code: 'custom',
        message: reservedPrefixMessage(prefix),
      });
    }
  });

const tokenSchema = z
  .string()
  .min(
    MIN_TOKEN_LENGTH,
    `must be at least ${MIN_TOKEN_LENGTH} characters long; generate one with 'npx gatehouse token create'`,
  )
  .max(MAX_TOKEN_LENGTH, `must be at most ${MAX_TOKEN_LENGTH} characters long`)
  // Node decodes header values as Latin-1, so a token with other characters
  // could never match what a client sends.
  .regex(
    /^[\x21-\x7e]+$/,
    'must consist of printable ASCII characters, without white space',
  );

const hashSchema = z
  .string()
  .regex(
    /^sha256:[0-9a-fA-F]{64}$/,
    "must be 'sha256:' followed by 64 hexadecimal digits; compute it with 'npx gatehouse token hash'",
  );

// A bare date means midnight UTC; a date-time must say which time zone it is in,
// since a token's lifetime must not depend on the server's TZ setting.
const TIMESTAMP_PATTERN =
  /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2}))?$/;

const timestampSchema = z
  .string()
  .refine(
    value => TIMESTAMP_PATTERN.test(value) && !Number.isNaN(Date.parse(value)),
    'must be an ISO 8601 date (2027-01-31) or date-time with a time zone (2027-01-31T00:00:00Z)',
  )
  .transform(value => Date.parse(value));

const tokenEntrySchema = z
  .strictObject({
    token: tokenSchema.optional(),
    hash: hashSchema.optional(),
    subject: subjectSchema.optional(),
    owner: ownerRefSchema.optional(),
    expiresAt: timestampSchema.optional(),
    notBefore: timestampSchema.optional(),
  })
  .superRefine((entry, ctx) => {
    if ((entry.token === undefined) === (entry.hash === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: entry.token === undefined ? [] : ['hash'],
        message:
          entry.token === undefined
            ? `must have either 'token' or 'hash'${UNSET_VARIABLE_HINT}`
            : "must have either 'token' or 'hash', not both",
      });
    }
    if (
      entry.expiresAt !== undefined &&
      entry.notBefore !== undefined &&
      entry.notBefore >= entry.expiresAt
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['notBefore'],
        message: "must be earlier than 'expiresAt'",
      });
    }
  });

type TokenEntry = z.infer<typeof tokenEntrySchema>;

const optionsSchema = z.strictObject({
  subject: subjectSchema.optional(),
  owner: ownerRefSchema.optional(),
  token: tokenSchema.optional(),
  tokens: z.array(tokenEntrySchema).optional(),
  tokensFile: z.string().min(1, 'must be a file path').optional(),
});

const tokensFileSchema = z.strictObject(
  { tokens: z.array(tokenEntrySchema) },
  "must be a YAML or JSON object with a 'tokens' list",
);

function toSpecs(
  entries: ReadonlyArray<TokenEntry>,
  defaults: EntryDefaults,
  originOf: (index: number) => string,
  problems: string[],
): StaticTokenSpec[] {
  const specs: StaticTokenSpec[] = [];
  entries.forEach((entry, index) => {
    const subject = entry.subject ?? defaults.subject;
    const owner = entry.owner ?? defaults.owner;
    if (!subject) {
      problems.push(
        `${originOf(index)}.subject: is required, since the entry has no default 'subject'`,
      );
      return;
    }
    specs.push({
      digest: entry.token
        ? sha256Hex(entry.token)
        : entry.hash!.slice('sha256:'.length).toLowerCase(),
      subject,
      ...(owner ? { owner } : {}),
      expiresAt: entry.expiresAt,
      notBefore: entry.notBefore,
      origin: originOf(index),
      short:
        entry.token !== undefined &&
        entry.token.length < RECOMMENDED_TOKEN_LENGTH,
      stored: entry.token === undefined ? 'hash' : 'plain',
    });
  });
  return specs;
}

/**
 * Validates the `options` of one `gatehouse-static` entry.
 *
 * @param path - the config path of the options, e.g. `backend.auth.externalAccess[0].options`
 */
export function parseStaticOptions(
  raw: unknown,
  path: string,
): StaticEntryOptions {
  const title = `Invalid gatehouse-static options at ${path}:`;
  const options = parseConfig(optionsSchema, raw, path, title);
  const problems: string[] = [];
  if (!options.token && !options.tokens?.length && !options.tokensFile) {
    problems.push(
      `${path}: needs at least one of 'token', 'tokens' or 'tokensFile'${UNSET_VARIABLE_HINT}`,
    );
  }
  if (options.token && !options.subject) {
    problems.push(
      `${path}.subject: is required when 'token' is set${UNSET_VARIABLE_HINT}`,
    );
  }
  const tokens: StaticTokenSpec[] = [];
  if (options.token && options.subject) {
    tokens.push({
      digest: sha256Hex(options.token),
      subject: options.subject,
      ...(options.owner ? { owner: options.owner } : {}),
      origin: joinConfigPath(path, ['token']),
      short: options.token.length < RECOMMENDED_TOKEN_LENGTH,
      stored: 'plain',
    });
  }
  tokens.push(
    ...toSpecs(
      options.tokens ?? [],
      options,
      index => joinConfigPath(path, ['tokens', index]),
      problems,
    ),
  );
  if (problems.length) {
    throw new GatehouseConfigError(title, problems);
  }
  return {
    subject: options.subject,
    owner: options.owner,
    tokens,
    tokensFile: options.tokensFile
      ? isAbsolute(options.tokensFile)
        ? options.tokensFile
        : resolve(options.tokensFile)
      : undefined,
  };
}

/**
 * Validates the parsed content of a `tokensFile`.
 *
 * @param content - the YAML or JSON document, already parsed
 */
export function parseTokensFileContent(
  content: unknown,
  file: string,
  defaults: EntryDefaults,
): StaticTokenSpec[] {
  const title = `Invalid gatehouse-static tokensFile ${file}:`;
  const result = tokensFileSchema.safeParse(content);
  if (!result.success) {
    throw new GatehouseConfigError(
      title,
      describeIssues('', result.error.issues, tokensFileSchema).map(
        line => `${file}: ${line}`,
      ),
    );
  }
  const problems: string[] = [];
  const specs = toSpecs(
    result.data.tokens,
    defaults,
    index => `${file}: tokens[${index}]`,
    problems,
  );
  if (problems.length) {
    throw new GatehouseConfigError(title, problems);
  }
  return specs;
}
