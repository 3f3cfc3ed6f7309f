import type { CredentialSource } from '@gatehouse/backstage-plugin-gatehouse-common';

/** The sources whose handlers record usage. */
export type RecordedSource = Exclude<CredentialSource, 'static' | 'jwks'>;

/** One credential's use on this replica since the last flush. */
export interface UsageCell {
  uses: number;
  /** Epoch ms; 0 when only rejections were seen. */
  lastUsedAt: number;
  lastPlugin: string;
  /** Every plugin it called in the interval (few: a backend's plugins), for new-plugin signals. */
  plugins: string[];
  /** A rejection reason code, '' for none. */
  lastRejection: string;
  lastRejectionAt: number;
}

/** A drained interval: credential id (`source:key`, `source:key#subject`) to its cell. */
export type UsageBatch = Map<string, UsageCell>;

export interface UsageLedgerOptions {
  /** False: record nothing (`gatehouse.usage.enabled: false`). */
  enabled?: boolean;
  /** Distinct JWT subjects counted per gatehouse-jwks entry per interval; the rest count as '*'. */
  subjectsPerEntry?: number;
  /** Cells per interval, all sources together; what comes after is dropped and counted. */
  maxCells?: number;
  now?: () => number;
}

/** Longer JWT subjects are cut for the database (its key column holds 512 characters). */
export const MAX_SUBJECT_LENGTH = 200;

/** The row key of a JWT entry's subjects beyond `subjectsPerEntry` in one interval. */
export const OTHER_SUBJECTS = '*';

const newCell = (): UsageCell => ({
  uses: 0,
  lastUsedAt: 0,
  lastPlugin: '',
  plugins: [],
  lastRejection: '',
  lastRejectionAt: 0,
});

/** Fingerprints whose rejections are counted per interval; the rest are counted together. */
const MAX_COUNTED_FINGERPRINTS = 1_000;
/** Retired managed tokens presented, remembered per interval. */
const MAX_RETIRED_SEEN = 100;

/** What the signals read of an interval besides its cells. */
export interface RejectionTally {
  /** `reason:<code>` and `fingerprint:<8 hex>` (or `fingerprint:*` past the cap) to counts. */
  counts: Map<string, number>;
  /** SHA-256s of well-formed managed tokens refused as unknown: revoked or expired ones, maybe. */
  retiredManaged: string[];
}

/**
 * Usage counted on the request path: a map probe and a few assignments per
 * request, no I/O and no allocation except a credential's first cell in an
 * interval. Keys are strings the handlers already hold (a static token's
 * usage key, a managed token's id, a JWT entry's key and the verified
 * subject), so nothing is built per request. Drained once per flush interval
 * by the usage flusher, which writes one batch per replica.
 *
 * Bounded: rejections are recorded only for credentials the backend knows
 * (never for unknown tokens), JWT subjects per entry are capped, and the total
 * number of cells per interval is capped.
 */
export class UsageLedger {
  #cells: Record<RecordedSource, Map<string, UsageCell>> = emptyCells();
  #subjects = new Map<string, Map<string, UsageCell>>();
  #size = 0;
  #dropped = 0;
  #rejections: RejectionTally = { counts: new Map(), retiredManaged: [] };
  #countedFingerprints = 0;
  readonly #enabled: boolean;
  readonly #subjectsPerEntry: number;
  readonly #maxCells: number;
  readonly #now: () => number;

  constructor(options: UsageLedgerOptions = {}) {
    this.#enabled = options.enabled ?? true;
    this.#subjectsPerEntry = options.subjectsPerEntry ?? 100;
    this.#maxCells = options.maxCells ?? 200_000;
    this.#now = options.now ?? Date.now;
  }

  /** A request accepted with this credential, for `plugin`. */
  used(source: RecordedSource, key: string, plugin: string): void {
    if (!this.#enabled) return;
    const cell = this.#cell(this.#cells[source], key);
    if (cell) {
      cell.uses += 1;
      cell.lastUsedAt = this.#now();
      // Mostly the plugin of the last call: one comparison.
      if (plugin !== cell.lastPlugin && !cell.plugins.includes(plugin)) {
        cell.plugins.push(plugin);
      }
      cell.lastPlugin = plugin;
    }
  }

  /**
   * A rejection, counted by reason and by the token's fingerprint (rejection
   * bursts): called by the rejection logs, never on an accepted request.
   * Bounded: reasons are a fixed list, fingerprints past a cap count as one.
   */
  countRejection(reason: string, fingerprint?: string): void {
    if (!this.#enabled) return;
    const counts = this.#rejections.counts;
    const byReason = `reason:${reason}`;
    counts.set(byReason, (counts.get(byReason) ?? 0) + 1);
    if (fingerprint === undefined) return;
    let byToken = `fingerprint:${fingerprint}`;
    if (!counts.has(byToken)) {
      if (this.#countedFingerprints >= MAX_COUNTED_FINGERPRINTS) {
        byToken = 'fingerprint:*';
      } else {
        this.#countedFingerprints += 1;
      }
    }
    counts.set(byToken, (counts.get(byToken) ?? 0) + 1);
  }

  /** A well-formed managed token the table does not hold: perhaps a revoked or expired one, still presented. */
  retiredManagedPresented(digest: string): void {
    const seen = this.#rejections.retiredManaged;
    if (
      this.#enabled &&
      seen.length < MAX_RETIRED_SEEN &&
      !seen.includes(digest)
    ) {
      seen.push(digest);
    }
  }

  /** This interval's rejection counts; the ledger starts new ones. */
  drainRejections(): RejectionTally {
    const tally = this.#rejections;
    this.#rejections = { counts: new Map(), retiredManaged: [] };
    this.#countedFingerprints = 0;
    return tally;
  }

  /** A request with a known credential that was refused (expired, not yet valid, restricted). */
  rejected(source: RecordedSource, key: string, reason: string): void {
    if (!this.#enabled) return;
    const cell = this.#cell(this.#cells[source], key);
    if (cell) {
      cell.lastRejection = reason;
      cell.lastRejectionAt = this.#now();
    }
  }

  /** A JWT accepted by the gatehouse-jwks entry `entryKey`, with its subject. */
  usedSubject(entryKey: string, subject: string, plugin: string): void {
    if (!this.#enabled) return;
    this.used('gatehouse-jwks', entryKey, plugin);
    let subjects = this.#subjects.get(entryKey);
    if (!subjects) {
      subjects = new Map();
      this.#subjects.set(entryKey, subjects);
    }
    const key =
      subjects.has(subject) || subjects.size < this.#subjectsPerEntry
        ? subject
        : OTHER_SUBJECTS;
    const cell = this.#cell(subjects, key);
    if (cell) {
      cell.uses += 1;
      cell.lastUsedAt = this.#now();
      if (plugin !== cell.lastPlugin && !cell.plugins.includes(plugin)) {
        cell.plugins.push(plugin);
      }
      cell.lastPlugin = plugin;
    }
  }

  /** Cells dropped since the last drain because the ledger was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** This interval's cells, without draining them (to show unflushed use at once). */
  peek(): UsageBatch {
    return this.#batch();
  }

  /** This interval's cells; the ledger starts a new interval. */
  drain(): UsageBatch {
    const batch = this.#batch();
    this.#cells = emptyCells();
    this.#subjects = new Map();
    this.#size = 0;
    this.#dropped = 0;
    return batch;
  }

  /** Gives back a batch that could not be written, merged into the current interval. */
  restore(batch: UsageBatch): void {
    for (const [id, old] of batch) {
      const { source, key, subject } = parseCredentialId(id);
      if (source === 'static' || source === 'jwks') continue;
      let map = this.#cells[source];
      if (subject !== undefined) {
        map = this.#subjects.get(key) ?? new Map();
        this.#subjects.set(key, map);
      }
      const cell = this.#cell(map, subject ?? key);
      if (cell) mergeCell(cell, old);
    }
  }

  #cell(map: Map<string, UsageCell>, key: string): UsageCell | undefined {
    let cell = map.get(key);
    if (!cell) {
      if (this.#size >= this.#maxCells) {
        this.#dropped += 1;
        return undefined;
      }
      cell = newCell();
      map.set(key, cell);
      this.#size += 1;
    }
    return cell;
  }

  #batch(): UsageBatch {
    const batch: UsageBatch = new Map();
    for (const source of Object.keys(this.#cells) as RecordedSource[]) {
      for (const [key, cell] of this.#cells[source]) {
        batch.set(credentialId(source, key), {
          ...cell,
          plugins: [...cell.plugins],
        });
      }
    }
    for (const [entryKey, subjects] of this.#subjects) {
      for (const [subject, cell] of subjects) {
        const id = credentialId(
          'gatehouse-jwks',
          entryKey,
          subject.slice(0, MAX_SUBJECT_LENGTH),
        );
        const merged = batch.get(id);
        if (merged) mergeCell(merged, cell);
        else batch.set(id, { ...cell, plugins: [...cell.plugins] });
      }
    }
    return batch;
  }
}

function emptyCells(): Record<RecordedSource, Map<string, UsageCell>> {
  return {
    'gatehouse-static': new Map(),
    'gatehouse-jwks': new Map(),
    'gatehouse-managed': new Map(),
  };
}

/** Adds `from`'s counts to `into` and keeps the later last-use and rejection. */
export function mergeCell(into: UsageCell, from: UsageCell): void {
  into.uses += from.uses;
  for (const plugin of from.plugins) {
    if (!into.plugins.includes(plugin)) into.plugins.push(plugin);
  }
  if (from.lastUsedAt > into.lastUsedAt) {
    into.lastUsedAt = from.lastUsedAt;
    into.lastPlugin = from.lastPlugin;
  }
  if (from.lastRejectionAt > into.lastRejectionAt) {
    into.lastRejectionAt = from.lastRejectionAt;
    into.lastRejection = from.lastRejection;
  }
}

/** `source:key`, or `source:key#subject` for a JWT subject. */
export function credentialId(
  source: CredentialSource,
  key: string,
  subject?: string,
): string {
  return subject === undefined
    ? `${source}:${key}`
    : `${source}:${key}#${subject}`;
}

export function parseCredentialId(id: string): {
  source: CredentialSource;
  key: string;
  subject?: string;
} {
  const colon = id.indexOf(':');
  const source = id.slice(0, colon) as CredentialSource;
  const rest = id.slice(colon + 1);
  const hash = rest.indexOf('#');
  return hash < 0
    ? { source, key: rest }
    : { source, key: rest.slice(0, hash), subject: rest.slice(hash + 1) };
}
