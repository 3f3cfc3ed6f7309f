import type { Config } from '@backstage/config';
import { canonicalJson } from './canonicalJson';
import { UNSET_VARIABLE_HINT } from './configIssues';
import { unknownKeySentence } from './unknownKey';

export const EXTERNAL_ACCESS_KEY = 'backend.auth.externalAccess';

/** The keys Backstage reads from an entry; it ignores any other. */
const ENTRY_KEYS = ['type', 'options', 'accessRestrictions'] as const;

/** Gatehouse's own types check their options themselves, strictly. */
const TYPES_WITH_STRICT_OPTIONS = [
  'gatehouse-static',
  'gatehouse-jwks',
  'gatehouse-managed',
];

/** One `backend.auth.externalAccess` entry of a given type. */
export interface ExternalAccessEntry {
  /** Position in the list; Backstage tries entries in this order. */
  index: number;
  /** Config path of the entry's options, for messages. */
  optionsPath: string;
  rawOptions: unknown;
  /** The entry's own `accessRestrictions`, as written; absent: none. */
  rawAccessRestrictions?: unknown;
}

export function externalAccessEntriesOfType(
  config: Config,
  type: string,
): ExternalAccessEntry[] {
  const entries = config.getOptionalConfigArray(EXTERNAL_ACCESS_KEY) ?? [];
  return entries.flatMap((entry, index) =>
    entry.getOptionalString('type') === type
      ? [
          {
            index,
            optionsPath: `${EXTERNAL_ACCESS_KEY}[${index}].options`,
            rawOptions: entry.getOptional('options'),
            rawAccessRestrictions: entry.getOptional('accessRestrictions'),
          },
        ]
      : [],
  );
}

/**
 * The entries whose own `accessRestrictions` leave `pluginId` out: Backstage
 * refuses their tokens there (403) after the handler accepted them, so the
 * handler counts such a request as a rejection, not a use.
 */
export function entriesRestrictedAwayFrom(
  config: Config,
  pluginId: string,
): Set<number> {
  const entries = config.getOptionalConfigArray(EXTERNAL_ACCESS_KEY) ?? [];
  const away = new Set<number>();
  entries.forEach((entry, index) => {
    const restrictions = entry.getOptionalConfigArray('accessRestrictions');
    if (
      restrictions?.length &&
      !restrictions.some(r => r.getOptionalString('plugin') === pluginId)
    ) {
      away.add(index);
    }
  });
  return away;
}

/**
 * Problems with the shape of the `externalAccess` list that Backstage lets
 * pass silently: a misspelt `accessRestrictions` (or any unknown key) beside
 * `type` and `options` is ignored, and so is `accessRestrictions` inside
 * `options`; either way the token works without restrictions.
 */
export function externalAccessListProblems(config: Config): string[] {
  const problems: string[] = [];
  const entries = config.getOptionalConfigArray(EXTERNAL_ACCESS_KEY) ?? [];
  entries.forEach((entry, index) => {
    const path = `${EXTERNAL_ACCESS_KEY}[${index}]`;
    for (const key of entry.keys()) {
      if (!(ENTRY_KEYS as readonly string[]).includes(key)) {
        problems.push(`${path}.${key}: ${unknownKeySentence(key, ENTRY_KEYS)}`);
      }
    }
    const type = entry.getOptional('type');
    const options = entry.getOptional('options');
    if (
      !TYPES_WITH_STRICT_OPTIONS.includes(String(type)) &&
      options !== null &&
      typeof options === 'object' &&
      'accessRestrictions' in options
    ) {
      problems.push(
        `${path}.options.accessRestrictions: ${unknownKeySentence('accessRestrictions', [])}`,
      );
    }
    problems.push(...emptyRestrictionProblems(entry, path));
  });
  return problems;
}

/**
 * Backstage reads an empty `accessRestrictions`, `permission`,
 * `permissionAttribute` or `action` as "no limit", and that is what a list of
 * unset `${VAR}`s becomes: Backstage's config loader leaves out a value whose
 * variable is unset. Written by hand, an empty list means nothing either, so
 * each is refused rather than read as unrestricted.
 */
function emptyRestrictionProblems(entry: Config, path: string): string[] {
  const problems: string[] = [];
  const isEmpty = (value: unknown) =>
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === 'string' && !value.split(/[ ,]/).some(Boolean)) ||
    (value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.keys(value).length === 0);
  const empty = (where: string) =>
    `${where}: is empty, which Backstage reads as no limit at all: name what the token may do, or remove the key${UNSET_VARIABLE_HINT}`;
  const restrictions = entry.getOptional('accessRestrictions');
  if (isEmpty(restrictions)) {
    return [empty(`${path}.accessRestrictions`)];
  }
  if (!Array.isArray(restrictions)) {
    return [];
  }
  restrictions.forEach((restriction, i) => {
    if (restriction === null || typeof restriction !== 'object') return;
    const at = `${path}.accessRestrictions[${i}]`;
    const { permission, permissionAttribute } = restriction as Record<
      string,
      unknown
    >;
    if (permission !== undefined && isEmpty(permission)) {
      problems.push(empty(`${at}.permission`));
    }
    if (permissionAttribute !== undefined && isEmpty(permissionAttribute)) {
      problems.push(empty(`${at}.permissionAttribute`));
    } else if (
      permissionAttribute !== null &&
      typeof permissionAttribute === 'object' &&
      'action' in permissionAttribute &&
      isEmpty((permissionAttribute as { action: unknown }).action)
    ) {
      problems.push(empty(`${at}.permissionAttribute.action`));
    }
  });
  return problems;
}

/**
 * What Backstage fixes at start-up for each entry, one line per position:
 * its type and its `accessRestrictions`. A reload that changes any of it
 * cannot be applied: Backstage keeps trying the old types with the old
 * restrictions at each position, so new tokens at an old position would get
 * that position's restrictions.
 */
export function externalAccessLayout(config: Config): string[] {
  const entries = config.getOptionalConfigArray(EXTERNAL_ACCESS_KEY) ?? [];
  return entries.map(
    entry =>
      `${String(entry.getOptional('type'))} ${canonicalJson(
        entry.getOptional('accessRestrictions') ?? null,
      )}`,
  );
}

/** One sentence per entry whose layout differs, naming the entry; empty if none. */
function layoutChanges(
  before: readonly string[],
  after: readonly string[],
): string[] {
  const changes: string[] = [];
  if (before.length !== after.length) {
    changes.push(
      `${EXTERNAL_ACCESS_KEY} has ${after.length} entries instead of ${before.length}`,
    );
  }
  for (let i = 0; i < Math.min(before.length, after.length); i += 1) {
    if (before[i] !== after[i]) {
      const [typeBefore] = before[i].split(' ', 1);
      const [typeAfter] = after[i].split(' ', 1);
      changes.push(
        typeBefore === typeAfter
          ? `${EXTERNAL_ACCESS_KEY}[${i}] (${typeAfter}): its accessRestrictions changed`
          : `${EXTERNAL_ACCESS_KEY}[${i}]: its type changed from ${typeBefore} to ${typeAfter}`,
      );
    }
  }
  return changes;
}

/**
 * For a reload: refuses a config whose layout differs from the one Backstage
 * read at start-up.
 *
 * @throws Error naming each entry that changed, and saying a restart is needed
 */
export function assertSameLayout(
  startLayout: readonly string[],
  config: Config,
): void {
  const changes = layoutChanges(startLayout, externalAccessLayout(config));
  if (changes.length) {
    throw new Error(
      `${changes.join('; ')}. Backstage reads the list, each entry's type and its accessRestrictions only at start-up, so applying new options at these positions could put tokens behind other restrictions than their entry's: restart the backend to apply this change`,
    );
  }
}

/**
 * Finds the entry whose options Backstage passes to a handler's `initialize`.
 * Backstage hands over only the options, not the entry's position, so they
 * are matched by content. Gatehouse rejects entries whose tokens or providers
 * would be duplicates, so equal options cannot stand for two entries that
 * behave differently.
 */
export class EntryBinder {
  readonly #type: string;
  readonly #indexByOptions = new Map<string, number>();

  constructor(type: string) {
    this.#type = type;
  }

  remember(entries: Iterable<ExternalAccessEntry>): void {
    for (const entry of entries) {
      const key = canonicalJson(entry.rawOptions ?? {});
      if (!this.#indexByOptions.has(key)) {
        this.#indexByOptions.set(key, entry.index);
      }
    }
  }

  bind(options: Config): number {
    const index = this.#indexByOptions.get(canonicalJson(options.get() ?? {}));
    if (index === undefined) {
      throw new Error(
        `${this.#type}: the options passed by Backstage match no '${this.#type}' entry in ${EXTERNAL_ACCESS_KEY}`,
      );
    }
    return index;
  }
}
