import { GatehouseConfigError, problemsOf } from '../lib/GatehouseConfigError';
import type {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { promises as fs } from 'node:fs';
import {
  assertSameLayout,
  EntryBinder,
  externalAccessEntriesOfType,
  externalAccessLayout,
} from '../lib/externalAccessEntries';
import { fingerprintOfDigest, sha256Hex } from '../lib/tokenDigest';
import { withDeadline } from '../lib/withDeadline';
import { validateExternalAccess } from '../config/validateExternalAccess';
import { ExpiryNotices } from './ExpiryNotices';
import {
  MAX_TOKEN_LENGTH,
  MIN_TOKEN_LENGTH,
  parseStaticOptions,
  StaticEntryOptions,
  StaticTokenSpec,
} from './staticOptions';
import { StaticTokenRecord, StaticTokenTable } from './StaticTokenTable';
import {
  fileSignature,
  readTokensFile,
  TOKENS_FILE_READ_TIMEOUT_MS,
  TokensFileError,
} from './tokensFile';

/** The `type` of Gatehouse's static token entries in `backend.auth.externalAccess`. */
export const GATEHOUSE_STATIC_TYPE = 'gatehouse-static';

const HOUR_MS = 60 * 60 * 1000;

/** The outcome of looking a bearer token up for one `externalAccess` entry. */
export type StaticVerification =
  | { result: 'accepted'; record: StaticTokenRecord }
  | {
      result: 'rejected';
      reason: 'token_expired_static' | 'not_yet_valid';
      record: StaticTokenRecord;
    }
  /** Not a token of any gatehouse-static entry. */
  | { result: 'unknown'; fingerprint: string }
  /** A token of another gatehouse-static entry, which will accept it in its turn. */
  | { result: 'elsewhere' }
  /** Longer than any configured token can be; not hashed. */
  | { result: 'too_large' }
  /**
   * Shorter than any configured token can be: a WebSocket subprotocol name
   * such as `mqtt` (Backstage 0.19 tries each offered subprotocol as a
   * token), or garbage. Not hashed, not reported.
   */
  | { result: 'not_a_token' };

interface EntryState {
  /** Position in `backend.auth.externalAccess`. */
  index: number;
  /** Config path of the entry's options. */
  path: string;
  options: StaticEntryOptions;
  fileTokens: StaticTokenSpec[];
  /** Signature of the file version last read, good or bad. */
  fileSignature?: string;
  /** The problem last logged for the file, so that it is logged once. */
  fileProblem?: string;
  fileLoadedAt?: Date;
}

/** @internal */
export interface StaticTokenRegistryOptions {
  config: RootConfigService;
  logger: LoggerService;
  /** Clock, for tests. */
  now?: () => number;
  /** How often token files are checked for changes. */
  pollIntervalMs?: number;
}

/**
 * The tokens of every `gatehouse-static` entry, shared by all plugins of the
 * backend: one table, one file watcher and one config subscription, whatever
 * the number of plugins.
 *
 * A reload (a token file changed, or the root config) builds a complete new
 * table and swaps it in only if everything in it is valid; otherwise the last
 * good table stays and the problem is logged. So a half-written file or a
 * typo never drops all tokens.
 */
export class StaticTokenRegistry {
  readonly #config: RootConfigService;
  readonly #logger: LoggerService;
  readonly #now: () => number;
  readonly #expiryNotices: ExpiryNotices;
  #entries: Map<number, EntryState>;
  #table: StaticTokenTable;
  readonly #binder = new EntryBinder(GATEHOUSE_STATIC_TYPE);
  /** The type and restrictions of every entry, as Backstage read them at start-up. */
  readonly #layout: string[];
  #firstEntryIndex: number;
  #queue: Promise<void> = Promise.resolve();
  #polling = false;
  /**
   * Files with a stat or read still running. A call stuck in the kernel (a
   * hung network mount) is waited for at most TOKENS_FILE_READ_TIMEOUT_MS,
   * but it keeps a thread of libuv's pool, so it is not started again until
   * it returns.
   */
  readonly #busyFiles = new Set<string>();
  readonly #timers: NodeJS.Timeout[] = [];
  #subscription?: { unsubscribe(): void };
  /**
   * The last token hashed and its digest. Backstage asks every entry in turn
   * about one request's token, and JWTs pass through every static entry on
   * their way to the JWT entries: one hash per request, not one per entry.
   */
  #lastToken: string | undefined;
  #lastDigest = '';

  /** @throws GatehouseConfigError naming every invalid config path or file */
  static async create(
    options: StaticTokenRegistryOptions,
  ): Promise<StaticTokenRegistry> {
    const entries = readEntries(options.config);
    await loadFiles(entries);
    const table = buildTable(entries);
    return new StaticTokenRegistry(options, entries, table);
  }

  private constructor(
    options: StaticTokenRegistryOptions,
    entries: Map<number, EntryState>,
    table: StaticTokenTable,
  ) {
    this.#config = options.config;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#expiryNotices = new ExpiryNotices(this.#logger);
    this.#entries = entries;
    this.#table = table;
    this.#firstEntryIndex = Math.min(...entries.keys());
    for (const entry of entries.values()) {
      entry.fileLoadedAt = new Date(this.#now());
    }
    this.#binder.remember(
      externalAccessEntriesOfType(this.#config, GATEHOUSE_STATIC_TYPE),
    );
    this.#layout = externalAccessLayout(this.#config);

    if (entries.size === 0) {
      return;
    }
    this.#logger.info(
      `gatehouse-static loaded ${table.size} token(s) for ${entries.size} entr${
        entries.size === 1 ? 'y' : 'ies'
      }`,
    );
    this.#warnAboutShortTokens(table.records());
    this.#expiryNotices.check(table.records(), this.#now());

    const expiryTimer = setInterval(
      () => this.#expiryNotices.check(this.#table.records(), this.#now()),
      HOUR_MS,
    );
    expiryTimer.unref();
    this.#timers.push(expiryTimer);

    if ([...entries.values()].some(e => e.options.tokensFile)) {
      const pollTimer = setInterval(
        () => void this.#pollFiles(),
        options.pollIntervalMs ?? 500,
      );
      pollTimer.unref();
      this.#timers.push(pollTimer);
    }
    this.#subscription = this.#config.subscribe?.(() =>
      this.#serially(() => this.#reloadConfig()),
    );
  }

  /** Number of tokens currently accepted, across all entries. */
  get size(): number {
    return this.#table.size;
  }

  /** Every token of the current table: for the inventory. */
  records(): StaticTokenRecord[] {
    return [...this.#table.records()];
  }

  /** The token with this SHA-256 (lower-case hex), if one is configured. */
  recordOf(digest: string): StaticTokenRecord | undefined {
    return this.#table.get(digest);
  }

  /** The entry index for the options Backstage passes to `initialize`. */
  bindEntry(options: Config): number {
    return this.#binder.bind(options);
  }

  /** True for the entry that reports tokens no entry knows, so they are reported once. */
  isFirstEntry(entryIndex: number): boolean {
    return entryIndex === this.#firstEntryIndex;
  }

  verify(token: string, entryIndex: number): StaticVerification {
    if (token.length > MAX_TOKEN_LENGTH) {
      return { result: 'too_large' };
    }
    if (token.length < MIN_TOKEN_LENGTH) {
      return { result: 'not_a_token' };
    }
    const digest = this.#digestOf(token);
    const record = this.#table.get(digest);
    if (!record) {
      return { result: 'unknown', fingerprint: fingerprintOfDigest(digest) };
    }
    if (record.entryIndex !== entryIndex) {
      return { result: 'elsewhere' };
    }
    const now = this.#now();
    if (record.expiresAt !== undefined && now >= record.expiresAt) {
      return { result: 'rejected', reason: 'token_expired_static', record };
    }
    if (record.notBefore !== undefined && now < record.notBefore) {
      return { result: 'rejected', reason: 'not_yet_valid', record };
    }
    return { result: 'accepted', record };
  }

  #digestOf(token: string): string {
    if (token !== this.#lastToken) {
      this.#lastDigest = sha256Hex(token);
      this.#lastToken = token;
    }
    return this.#lastDigest;
  }

  /** Resolves when pending reloads are done; for tests and shutdown. */
  async settled(): Promise<void> {
    await this.#queue;
  }

  close(): void {
    for (const timer of this.#timers) {
      clearInterval(timer);
    }
    this.#timers.length = 0;
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
  }

  #serially(task: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(task).catch(error => {
      this.#logger.error(`gatehouse-static reload failed: ${error}`);
    });
    return this.#queue;
  }

  async #pollFiles(): Promise<void> {
    if (this.#polling) {
      return;
    }
    this.#polling = true;
    try {
      for (const entry of this.#entries.values()) {
        const file = entry.options.tokensFile;
        if (!file || this.#busyFiles.has(file)) {
          continue;
        }
        let signature: string;
        try {
          signature = fileSignature(
            await this.#fileOperation(file, fs.stat(file)),
          );
        } catch (error) {
          this.#reportFileProblem(
            entry,
            error instanceof TokensFileError
              ? problemsOf(error)
              : `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`,
          );
          continue;
        }
        if (signature !== entry.fileSignature) {
          const index = entry.index;
          await this.#serially(() => this.#reloadFile(index));
        }
      }
    } finally {
      this.#polling = false;
    }
  }

  async #reloadFile(index: number): Promise<void> {
    // Looked up again: a config reload may have replaced the entries meanwhile.
    const entry = this.#entries.get(index);
    const file = entry?.options.tokensFile;
    if (!entry || !file) {
      return;
    }
    let loaded: { tokens: StaticTokenSpec[]; signature: string };
    try {
      loaded = await this.#fileOperation(
        file,
        readTokensFile(file, entry.options),
      );
    } catch (error) {
      // Remember the version that failed, so that it is not re-read (and the
      // error not re-logged) every poll; the next write changes the
      // signature. Only the version actually read: a newer one written
      // meanwhile must still be read.
      if (error instanceof TokensFileError && error.signature) {
        entry.fileSignature = error.signature;
      }
      this.#reportFileProblem(entry, problemsOf(error));
      return;
    }
    entry.fileSignature = loaded.signature;
    const next = new Map(this.#entries);
    next.set(entry.index, { ...entry, fileTokens: loaded.tokens });
    let table: StaticTokenTable;
    try {
      table = buildTable(next);
    } catch (error) {
      this.#reportFileProblem(entry, problemsOf(error));
      return;
    }
    const before = entry.fileTokens.length;
    entry.fileTokens = loaded.tokens;
    entry.fileProblem = undefined;
    entry.fileLoadedAt = new Date(this.#now());
    this.#table = table;
    this.#logger.info(
      `gatehouse-static reloaded ${file}: ${loaded.tokens.length} token(s), was ${before}`,
    );
    this.#afterSwap(loaded.tokens);
  }

  async #reloadConfig(): Promise<void> {
    const keep = `gatehouse-static ignored a configuration change and keeps its ${this.#table.size} current token(s)`;
    let entries: Map<number, EntryState>;
    try {
      assertSameLayout(this.#layout, this.#config);
      entries = readEntries(this.#config);
      await loadFiles(entries);
      const table = buildTable(entries);
      for (const entry of entries.values()) {
        entry.fileLoadedAt = new Date(this.#now());
      }
      this.#entries = entries;
      this.#table = table;
    } catch (error) {
      this.#logger.error(`${keep}: ${problemsOf(error)}`);
      return;
    }
    this.#binder.remember(
      externalAccessEntriesOfType(this.#config, GATEHOUSE_STATIC_TYPE),
    );
    this.#logger.info(
      `gatehouse-static applied a configuration change: ${this.#table.size} token(s)`,
    );
    this.#afterSwap(this.#table.records());
  }

  #fileOperation<T>(file: string, operation: Promise<T>): Promise<T> {
    this.#busyFiles.add(file);
    operation.finally(() => this.#busyFiles.delete(file)).catch(() => {});
    return withFileDeadline(file, operation);
  }

  #afterSwap(fresh: Iterable<StaticTokenSpec>) {
    this.#warnAboutShortTokens(fresh);
    this.#expiryNotices.check(this.#table.records(), this.#now());
  }

  #reportFileProblem(entry: EntryState, problem: string) {
    if (problem === entry.fileProblem) {
      return;
    }
    entry.fileProblem = problem;
    const loadedAt = entry.fileLoadedAt
      ? ` (loaded at ${entry.fileLoadedAt.toISOString()})`
      : '';
    this.#logger.error(
      `gatehouse-static keeps the last good ${entry.fileTokens.length} token(s) of ${entry.options.tokensFile}${loadedAt}, because the file changed and is now invalid: ${problem}`,
    );
  }

  #warnAboutShortTokens(specs: Iterable<StaticTokenSpec>) {
    for (const spec of specs) {
      if (spec.short) {
        this.#logger.warn(
          `gatehouse-static token at ${spec.origin} is shorter than 32 characters; replace it with one from 'npx gatehouse token create'`,
        );
      }
    }
  }
}

/** @throws GatehouseConfigError listing the problems of every entry */
function readEntries(config: Config): Map<number, EntryState> {
  validateExternalAccess(config);
  const entries = new Map<number, EntryState>();
  const problems: string[] = [];
  for (const {
    index,
    optionsPath: path,
    rawOptions,
  } of externalAccessEntriesOfType(config, GATEHOUSE_STATIC_TYPE)) {
    try {
      const options = parseStaticOptions(rawOptions, path);
      entries.set(index, { index, path, options, fileTokens: [] });
    } catch (error) {
      if (!(error instanceof GatehouseConfigError)) {
        throw error;
      }
      problems.push(...error.problems);
    }
  }

  const entryByFile = new Map<string, EntryState>();
  for (const entry of entries.values()) {
    const file = entry.options.tokensFile;
    if (!file) {
      continue;
    }
    const other = entryByFile.get(file);
    if (other) {
      problems.push(
        `${entry.path}.tokensFile: ${file} is already the tokensFile of ${other.path}; give each entry its own file`,
      );
    }
    entryByFile.set(file, entry);
  }

  if (problems.length) {
    throw new GatehouseConfigError(
      'Invalid gatehouse-static configuration:',
      problems,
    );
  }
  return entries;
}

async function loadFiles(entries: Map<number, EntryState>): Promise<void> {
  const problems: string[] = [];
  await Promise.all(
    [...entries.values()].map(async entry => {
      if (!entry.options.tokensFile) {
        return;
      }
      try {
        const loaded = await withFileDeadline(
          entry.options.tokensFile,
          readTokensFile(entry.options.tokensFile, entry.options),
        );
        entry.fileTokens = loaded.tokens;
        entry.fileSignature = loaded.signature;
      } catch (error) {
        if (!(error instanceof GatehouseConfigError)) {
          throw error;
        }
        problems.push(
          ...error.problems.map(p => `${entry.path}.tokensFile: ${p}`),
        );
      }
    }),
  );
  if (problems.length) {
    throw new GatehouseConfigError(
      'Invalid gatehouse-static tokensFile:',
      problems,
    );
  }
}

/** A file that takes too long is reported, and the reloads queued after it go on. */
function withFileDeadline<T>(file: string, operation: Promise<T>): Promise<T> {
  return withDeadline(
    operation,
    TOKENS_FILE_READ_TIMEOUT_MS,
    () =>
      new TokensFileError(`Invalid gatehouse-static tokensFile ${file}:`, [
        `${file}: cannot be read (no answer from the file system within ${TOKENS_FILE_READ_TIMEOUT_MS / 1000} s)`,
      ]),
  );
}

function buildTable(entries: Map<number, EntryState>): StaticTokenTable {
  return StaticTokenTable.build(
    [...entries.values()].flatMap(entry => [
      { entryIndex: entry.index, tokens: entry.options.tokens },
      { entryIndex: entry.index, tokens: entry.fileTokens },
    ]),
  );
}
