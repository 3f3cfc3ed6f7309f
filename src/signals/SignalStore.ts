import type { Knex } from 'knex';
import { migrateGatehouseDatabase } from '../database/migrateGatehouseDatabase';
import { sha256Hex } from '../lib/tokenDigest';

/** The kinds of unusual use Gatehouse notices (docs/leaks.md#unusual-use). */
export type SignalKind =
  'new_plugin' | 'dormant_reuse' | 'retired_presented' | 'rejection_burst';

export const SIGNAL_KINDS: readonly SignalKind[] = [
  'new_plugin',
  'dormant_reuse',
  'retired_presented',
  'rejection_burst',
];

/** One signal: what happened, to which credential (if one is known). */
export interface Signal {
  kind: SignalKind;
  credentialId?: string;
  /** A sentence for people, of trusted text (ids, plugin ids, codes, times). */
  detail: string;
  /** What makes it one signal: the same identity on two replicas is one signal. */
  identity: string;
}

export interface RaisedSignal extends Signal {
  raisedAt: number;
}

const PLUGINS = 'gatehouse_credential_plugins';
const COUNTS = 'gatehouse_rejection_counts';
const SIGNALS = 'gatehouse_signals';

/** Rows per statement: well under SQLite's limit of bound parameters. */
const CHUNK = 300;
/** Signals shown with a credential, and kept: a month. */
export const SIGNALS_KEPT_MS = 31 * 24 * 60 * 60_000;

function chunks<T>(items: T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) {
    result.push(items.slice(i, i + CHUNK));
  }
  return result;
}

const byKey = <T extends string>(a: T, b: T) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * What the signals keep in the `gatehouse` plugin's database: the plugins
 * each credential has called, rejection counts per window, and the signals
 * raised. Every replica writes; each signal is claimed by inserting its key,
 * so it is raised by one replica only.
 */
export class SignalStore {
  readonly #db: Knex;

  private constructor(db: Knex) {
    this.#db = db;
  }

  static async create(db: Knex): Promise<SignalStore> {
    await migrateGatehouseDatabase(db);
    return new SignalStore(db);
  }

  /**
   * Records that each credential called each plugin, and returns the pairs
   * no replica had recorded before, each with when its credential's first
   * recorded plugin was seen (undefined: this is its first use).
   */
  async learnPlugins(
    pairs: Array<{ credentialId: string; plugin: string }>,
    now: number,
  ): Promise<
    Array<{ credentialId: string; plugin: string; knownSince?: number }>
  > {
    if (pairs.length === 0) return [];
    const ids = [...new Set(pairs.map(p => p.credentialId))];
    const knownSince = new Map<string, number>();
    for (const chunk of chunks(ids)) {
      const rows = (await this.#db(PLUGINS)
        .select('credential_id')
        .min({ since: 'first_seen_at' })
        .whereIn('credential_id', chunk)
        .groupBy('credential_id')) as Array<{
        credential_id: string;
        since: number | string;
      }>;
      for (const row of rows)
        knownSince.set(row.credential_id, Number(row.since));
    }
    const learned: Array<{
      credentialId: string;
      plugin: string;
      knownSince?: number;
    }> = [];
    // In one order on every replica, so that concurrent inserts cannot deadlock.
    const sorted = [...pairs].sort(
      (a, b) =>
        byKey(a.credentialId, b.credentialId) || byKey(a.plugin, b.plugin),
    );
    for (const chunk of chunks(sorted)) {
      const inserted = (await this.#db(PLUGINS)
        .insert(
          chunk.map(p => ({
            credential_id: p.credentialId,
            plugin: p.plugin,
            first_seen_at: now,
          })),
        )
        .onConflict(['credential_id', 'plugin'])
        .ignore()
        .returning(['credential_id', 'plugin'])) as Array<{
        credential_id: string;
        plugin: string;
      }>;
      for (const row of inserted) {
        learned.push({
          credentialId: row.credential_id,
          plugin: row.plugin,
          knownSince: knownSince.get(row.credential_id),
        });
      }
    }
    return learned;
  }

  /**
   * Adds one replica's rejection counts to the window's, and returns the
   * window's totals of the keys it added to.
   */
  async addRejections(
    windowStart: number,
    counts: Map<string, number>,
  ): Promise<Map<string, number>> {
    const rows = [...counts]
      .sort(([a], [b]) => byKey(a, b))
      .map(([key, count]) => ({
        window_start: windowStart,
        count_key: key.slice(0, 120),
        count,
      }));
    const totals = new Map<string, number>();
    if (rows.length === 0) return totals;
    await this.#db.transaction(async trx => {
      for (const chunk of chunks(rows)) {
        await trx(COUNTS)
          .insert(chunk)
          .onConflict(['window_start', 'count_key'])
          .merge({ count: trx.raw(`${COUNTS}.count + excluded.count`) });
      }
      for (const chunk of chunks(rows)) {
        const current = (await trx(COUNTS)
          .select('count_key', 'count')
          .where('window_start', windowStart)
          .whereIn(
            'count_key',
            chunk.map(r => r.count_key),
          )) as Array<{ count_key: string; count: number | string }>;
        for (const row of current) totals.set(row.count_key, Number(row.count));
      }
    });
    return totals;
  }

  /**
   * Claims a signal: true for the one replica whose insert made its row,
   * false if any replica raised it before.
   */
  async claim(signal: Signal, now: number): Promise<boolean> {
    const inserted = await this.#db(SIGNALS)
      .insert({
        signal_key: sha256Hex(`${signal.kind}\n${signal.identity}`),
        kind: signal.kind,
        credential_id: signal.credentialId ?? null,
        detail: signal.detail.slice(0, 1000),
        raised_at: now,
      })
      .onConflict('signal_key')
      .ignore()
      .returning('signal_key');
    return inserted.length > 0;
  }

  /**
   * The signals of these credentials (and of a JWT entry's subjects), newest
   * first, at most `perCredential` each.
   */
  async recent(
    credentialIds: string[],
    perCredential = 5,
  ): Promise<Map<string, RaisedSignal[]>> {
    type Row = {
      kind: SignalKind;
      credential_id: string;
      detail: string;
      raised_at: number | string;
    };
    const rows: Row[] = [];
    for (const chunk of chunks(credentialIds)) {
      rows.push(
        ...((await this.#db(SIGNALS).whereIn('credential_id', chunk)) as Row[]),
      );
    }
    // A JWT entry's subjects (`<entry id>#<subject>`). LIKE, escaped, then
    // checked exactly: SQLite's LIKE ignores case.
    for (const id of credentialIds.filter(i =>
      i.startsWith('gatehouse-jwks:'),
    )) {
      const prefix = `${id}#`;
      const pattern = `${prefix.replace(/[\\%_]/g, c => `\\${c}`)}%`;
      const subjects = (await this.#db(SIGNALS).whereRaw(
        "credential_id LIKE ? ESCAPE '\\'",
        [pattern],
      )) as Row[];
      rows.push(...subjects.filter(r => r.credential_id.startsWith(prefix)));
    }
    rows.sort((a, b) => Number(b.raised_at) - Number(a.raised_at));
    const result = new Map<string, RaisedSignal[]>();
    for (const row of rows) {
      const owner = row.credential_id.split('#')[0];
      const list = result.get(owner) ?? [];
      if (list.length >= perCredential) continue;
      list.push({
        kind: row.kind,
        credentialId: row.credential_id,
        detail: row.detail,
        identity: '',
        raisedAt: Number(row.raised_at),
      });
      result.set(owner, list);
    }
    return result;
  }

  /** Deletes rejection counts older than a day and signals older than a month. */
  async prune(now: number): Promise<void> {
    await this.#db(COUNTS)
      .where('window_start', '<', now - 24 * 60 * 60_000)
      .delete();
    await this.#db(SIGNALS)
      .where('raised_at', '<', now - SIGNALS_KEPT_MS)
      .delete();
  }
}
