import { durationText as exactDuration } from '@gatehouse/backstage-plugin-gatehouse-common';
import { durationText } from '../explain/relativeTime';
import type { RejectionTally, UsageBatch } from '../inventory/UsageLedger';
import { parseCredentialId } from '../inventory/UsageLedger';
import type { ManagedTokenRecord } from '../managed/ManagedTokenStore';
import type { SignalSettings } from './signalSettings';
import type { Signal, SignalStore } from './SignalStore';

const DAY_MS = 24 * 60 * 60_000;

/** The reasons that say a credential is no longer valid, yet presented. */
const RETIRED_REASONS: Record<string, string> = {
  token_expired_static: 'expired',
  token_compromised: 'marked compromised',
};

/** What a credential's id means in a sentence. */
function credentialText(id: string): string {
  const { source, key, subject } = parseCredentialId(id);
  return subject !== undefined
    ? `subject '${subject}' of ${source}:${key}`
    : `${source}:${key}`;
}

/**
 * Reads one flushed interval of one replica for unusual use: a plugin a
 * credential never called after its learning period, a credential used
 * again after lying dormant, a revoked, expired or compromised credential
 * still presented, and bursts of rejections per token or reason across
 * every replica. Off the request path: it reads what the ledger counted and
 * what the database keeps, once per interval. Each signal is claimed in the
 * database, so it is raised once whichever replicas see it.
 */
export class SignalDetector {
  constructor(
    private readonly deps: {
      settings: SignalSettings;
      store: SignalStore;
      /** The managed token with this SHA-256, if managed tokens are on. */
      managedByDigest?: (
        digest: string,
      ) => Promise<ManagedTokenRecord | undefined>;
      /** Raises a claimed signal: audit, metric, log, owner's notice. */
      raise: (signal: Signal, now: number) => Promise<void>;
    },
  ) {}

  /**
   * The signals in `batch` (one replica's interval, whose credentials were
   * last used at `before` until it was written) and `tally`, at `now` (the
   * database's time).
   */
  async examine(
    batch: UsageBatch,
    before: Map<string, number>,
    tally: RejectionTally,
    now: number,
  ): Promise<Signal[]> {
    const signals = [
      ...(await this.#newPlugins(batch, now)),
      ...this.#dormant(batch, before),
      ...(await this.#retired(batch, tally, now)),
      ...(await this.#bursts(tally, now)),
    ];
    const raised: Signal[] = [];
    for (const signal of signals) {
      if (await this.deps.store.claim(signal, now)) {
        await this.deps.raise(signal, now);
        raised.push(signal);
      }
    }
    return raised;
  }

  /** Where the signals are kept: the inventory shows them with each credential. */
  get store(): SignalStore {
    return this.deps.store;
  }

  /** Forgets old rejection counts and signals. */
  prune(now: number): Promise<void> {
    return this.deps.store.prune(now);
  }

  async #newPlugins(batch: UsageBatch, now: number): Promise<Signal[]> {
    const pairs = [];
    for (const [credentialId, cell] of batch) {
      const { source, subject } = parseCredentialId(credentialId);
      // A JWT entry's callers are its subjects, each learned on its own.
      if (source === 'gatehouse-jwks' && subject === undefined) continue;
      if (subject === '*') continue;
      for (const plugin of cell.plugins) pairs.push({ credentialId, plugin });
    }
    const learned = await this.deps.store.learnPlugins(pairs, now);
    const { learningPeriodMs } = this.deps.settings;
    return learned
      .filter(
        p =>
          p.knownSince !== undefined && now - p.knownSince >= learningPeriodMs,
      )
      .map(p => ({
        kind: 'new_plugin',
        credentialId: p.credentialId,
        detail: `${credentialText(p.credentialId)} called plugin '${p.plugin}', which it had not called in the ${durationText(now - p.knownSince!)} it has been used`,
        identity: `${p.credentialId}\n${p.plugin}`,
      }));
  }

  #dormant(batch: UsageBatch, before: Map<string, number>): Signal[] {
    const { dormantForMs } = this.deps.settings;
    const signals: Signal[] = [];
    for (const [credentialId, cell] of batch) {
      const previous = before.get(credentialId);
      if (!cell.uses || previous === undefined) continue;
      if (cell.lastUsedAt - previous < dormantForMs) continue;
      signals.push({
        kind: 'dormant_reuse',
        credentialId,
        detail: `${credentialText(credentialId)} was used again (plugin '${cell.lastPlugin}') after ${durationText(cell.lastUsedAt - previous)} unused`,
        // Every replica that sees this return reads the same last use.
        identity: `${credentialId}\n${previous}`,
      });
    }
    return signals;
  }

  async #retired(
    batch: UsageBatch,
    tally: RejectionTally,
    now: number,
  ): Promise<Signal[]> {
    const day = Math.floor(now / DAY_MS);
    const signal = (credentialId: string, state: string): Signal => ({
      kind: 'retired_presented',
      credentialId,
      detail: `${credentialText(credentialId)} is ${state} and still presented: a caller holds a stale or leaked copy`,
      // Once a day per credential while it goes on.
      identity: `${credentialId}\n${day}`,
    });
    const signals: Signal[] = [];
    for (const [credentialId, cell] of batch) {
      const state = RETIRED_REASONS[cell.lastRejection];
      if (state) signals.push(signal(credentialId, state));
    }
    for (const digest of tally.retiredManaged) {
      const record = await this.deps.managedByDigest?.(digest);
      if (!record) continue;
      const state =
        record.revokedAt !== undefined
          ? record.revokeReason?.startsWith('compromised')
            ? 'marked compromised'
            : 'revoked'
          : record.expiresAt <= now
            ? 'expired'
            : undefined;
      if (state) signals.push(signal(`gatehouse-managed:${record.id}`, state));
    }
    return signals;
  }

  async #bursts(tally: RejectionTally, now: number): Promise<Signal[]> {
    const { burstWindowMs, burstPerFingerprint, burstPerReason } =
      this.deps.settings;
    const windowStart = Math.floor(now / burstWindowMs) * burstWindowMs;
    const totals = await this.deps.store.addRejections(
      windowStart,
      tally.counts,
    );
    const signals: Signal[] = [];
    for (const [key, total] of totals) {
      const [by, value] = [
        key.slice(0, key.indexOf(':')),
        key.slice(key.indexOf(':') + 1),
      ];
      // Past the cap, fingerprints are counted together: not one token.
      if (value === '*') continue;
      const threshold = by === 'reason' ? burstPerReason : burstPerFingerprint;
      if (total < threshold) continue;
      signals.push({
        kind: 'rejection_burst',
        detail: `${total} rejections ${by === 'reason' ? `for reason ${value}` : `of the token with fingerprint ${value}`} within ${exactDuration(burstWindowMs)} (from ${new Date(windowStart).toISOString()}), on every replica together`,
        identity: `${key}\n${windowStart}`,
      });
    }
    return signals;
  }
}
