import type {
  AuditorService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { Knex } from 'knex';
import { databaseNow } from '../database/databaseClock';
import type { CredentialInventoryService } from '../inventory/inventoryServiceRef';
import { readInventoryRows } from '../inventory/readInventoryRows';
import type { UsageStore } from '../inventory/UsageStore';
import { escapeUnsafe } from '../lib/untrustedText';
import type { NoticeSettings } from './noticeSettings';
import { FIRST_SEEN, noticesDue } from './noticesDue';
import { NoticeStore } from './NoticeStore';
import type { OwnerDirectory } from './ownerDirectory';

/** The page's path in the app, with the credential to open. */
export const credentialLink = (id: string) =>
  `/gatehouse?credential=${encodeURIComponent(id)}`;

/**
 * Tells owners, through Backstage's notifications, what they must act on:
 * credentials about to expire, expired, or unused. One run looks at every
 * owned credential at the database's time; each notice is claimed in the
 * database before it is sent, so it is sent once whichever replica runs
 * (Backstage's scheduler runs it on one at a time) and however often the
 * backend restarts. A notice that cannot be sent (no notifications backend,
 * say) gives its claim back and is tried at the next run.
 */
export interface OwnerNotifierDeps {
  db: Knex;
  inventory: CredentialInventoryService;
  usageStore: UsageStore;
  notifications: NotificationService;
  auditor: AuditorService;
  logger: LoggerService;
  settings: NoticeSettings;
  owners: OwnerDirectory;
}

export class OwnerNotifier {
  readonly #store: NoticeStore;

  constructor(private readonly deps: OwnerNotifierDeps) {
    this.#store = new NoticeStore(deps.db);
  }

  /** One look at every owned credential; returns the notices sent. */
  async run(): Promise<number> {
    const { settings } = this.deps;
    const now = await databaseNow(this.deps.db);
    const rows = await readInventoryRows({
      inventory: this.deps.inventory,
      usageStore: this.deps.usageStore,
      now,
      expiringWithinMs: settings.expiringWithinMs[0] ?? 0,
      include: credential => credential.owner !== undefined,
    });
    const sent = await this.#store.all();
    const firstSeen = new Map<string, number>();
    const newlySeen = [];
    for (const row of rows) {
      const seen = sent.get(row.id)?.get(FIRST_SEEN);
      firstSeen.set(row.id, seen ?? now);
      if (seen === undefined) {
        newlySeen.push({
          credentialId: row.id,
          kind: FIRST_SEEN,
          owner: row.owner!,
        });
      }
    }
    await this.#store.record(newlySeen, now);
    let count = 0;
    let failure: string | undefined;
    const due = noticesDue(rows, settings, now, firstSeen).filter(
      notice => !sent.get(notice.credentialId)?.has(notice.kind),
    );
    const known = await this.deps.owners.known([
      ...new Set(due.map(n => n.owner)),
    ]);
    const held = new Map<string, number>();
    for (const notice of due) {
      if (known && !known.has(notice.owner)) {
        held.set(notice.owner, (held.get(notice.owner) ?? 0) + 1);
        continue;
      }
      if (!(await this.#store.claim(notice, notice.owner, now))) continue;
      const event = await this.deps.auditor.createEvent({
        eventId: 'credential-owner-notice',
        severityLevel: 'low',
        meta: {
          credential: notice.credentialId,
          kind: notice.kind,
          owner: notice.owner,
        },
      });
      try {
        await this.deps.notifications.send({
          recipients: { type: 'entity', entityRef: notice.owner },
          payload: {
            title: notice.title,
            description: notice.description,
            link: credentialLink(notice.credentialId),
            severity: notice.severity,
            topic: 'gatehouse-credentials',
          },
        });
        await event.success();
        count += 1;
      } catch (error) {
        await this.#store.release(notice);
        await event.fail({ error: error as Error });
        failure ??= String((error as Error)?.message ?? error);
      }
    }
    if (held.size) {
      const owners = [...held]
        .slice(0, 10)
        .map(([owner, n]) => `${escapeUnsafe(owner)} (${n})`)
        .join(', ');
      this.deps.logger.warn(
        `Gatehouse holds notices for owners the catalog does not know: ${owners}${held.size > 10 ? `, and ${held.size - 10} more` : ''}. They are sent once the catalog has them; if an owner is wrong, change it (PATCH /api/gatehouse/tokens/:id, or the owner in config).`,
      );
    }
    if (failure) {
      this.deps.logger.warn(
        `Gatehouse could not notify credentials' owners (is the notifications backend installed?); it tries again at the next run: ${escapeUnsafe(failure.slice(0, 300))}`,
      );
    }
    return count;
  }
}
