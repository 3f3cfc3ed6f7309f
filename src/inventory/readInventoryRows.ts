import type { ManagedTokenQuery } from '../managed/managedTokenQuery';
import {
  credentialResource,
  CredentialPermissionDecision,
} from '../ownership/credentialAccess';
import { criteriaForSource } from '../ownership/credentialCriteria';
import type {
  CredentialDefinition,
  CredentialLister,
} from './credentialDefinition';
import { filterRows, InventoryQuery } from './inventoryQuery';
import { inventoryRows, inventoryUsage, InventoryRow } from './inventoryRows';
import type { CredentialInventoryService } from './inventoryServiceRef';
import type { UsageStore } from './UsageStore';

interface ReadOptions {
  inventory: CredentialInventoryService;
  usageStore: UsageStore;
  now: number;
  expiringWithinMs: number;
}

/** Rows of `credentials` with their usage (of those alone when `onlyThese`). */
async function rowsOf(
  options: ReadOptions,
  credentials: CredentialDefinition[],
  onlyThese: boolean,
): Promise<InventoryRow[]> {
  const { inventory, now } = options;
  const usage = await inventoryUsage({
    store: options.usageStore,
    credentials,
    pending: inventory.ledger.peek(),
    now,
    subjectsPerEntry: inventory.settings.subjectsPerEntry,
    onlyThese,
  });
  return inventoryRows({
    credentials,
    ...usage,
    now,
    expiringWithinMs: options.expiringWithinMs,
    subjectsPerEntry: inventory.settings.subjectsPerEntry,
  });
}

/**
 * Every credential of every source that `include` keeps, with its status
 * at `now` and its usage on every replica (this one's unflushed interval
 * too).
 *
 * @throws when the gatehouse database cannot be read
 */
export async function readInventoryRows(
  options: ReadOptions & {
    include?: (credential: CredentialDefinition) => boolean;
  },
): Promise<InventoryRow[]> {
  const { inventory, include = () => true } = options;
  const credentials = (
    await Promise.all(inventory.listers().map(l => l.list()))
  )
    .flat()
    .filter(include);
  return rowsOf(options, credentials, false);
}

/**
 * Whether the database may match the subject pattern: LIKE and GLOB try
 * each `*` at each position, which for many wildcards costs far more than
 * linear time; Gatehouse's own matcher is linear, so a pattern of more
 * than two is matched in memory (reading every token, but never worse).
 */
function databaseMatchesSubject(query: InventoryQuery): boolean {
  const stars = query.subjectPattern?.match(/\*+/g)?.length ?? 0;
  return stars <= 2;
}

/** What the database is asked for a source it keeps (managed tokens). */
function databaseQuery(
  query: InventoryQuery,
  read: CredentialPermissionDecision,
  source: CredentialLister['source'],
): ManagedTokenQuery {
  return {
    visible:
      read.scope === 'all'
        ? undefined
        : read.criteria
          ? criteriaForSource(read.criteria, source)
          : false,
    owners: query.owners,
    statuses: query.statuses,
    expiringWithinMs: query.expiringWithinMs,
    onlyExpiring: query.onlyExpiring,
    unrestricted: query.unrestricted,
    subject: query.subjectPattern,
    // Another source's id names no managed token.
    id:
      query.id === undefined
        ? undefined
        : query.id.startsWith(`${source}:`)
          ? query.id.slice(source.length + 1)
          : '',
  };
}

/**
 * The rows of the inventory `query` asks for that `read` lets the caller
 * see, `limit` of them from `offset` (all without a limit), and how many
 * there are: credentials kept in config first, in their order, then managed
 * tokens, newest first. Sources kept in a database answer the filters, the
 * policy's conditions and the page there, so a page of 100,000 managed
 * tokens reads 50 of them and their usage; "unused for" needs every
 * credential's usage, and is answered in memory.
 *
 * @throws when the gatehouse database cannot be read
 */
export async function readInventoryPage(
  options: ReadOptions & {
    query: InventoryQuery;
    read: CredentialPermissionDecision;
    page: { offset: number; limit?: number };
  },
): Promise<{ total: number; rows: InventoryRow[] }> {
  const { inventory, query, read, now, page } = options;
  const listers = inventory.listers();
  const inDatabase =
    query.unusedForMs === undefined && databaseMatchesSubject(query)
      ? listers.filter(l => l.select)
      : [];
  const inMemory = listers.filter(l => !inDatabase.includes(l));
  const credentials = (await Promise.all(inMemory.map(l => l.list())))
    .flat()
    .filter(c => read.allows(credentialResource(c)));
  // With a database source paged apart, the usage of these alone: not
  // every managed token's row of the usage table.
  const kept = filterRows(
    await rowsOf(options, credentials, inDatabase.length > 0),
    query,
    now,
  );
  const end = page.limit === undefined ? Infinity : page.offset + page.limit;
  const rows = kept.slice(page.offset, end);
  let total = kept.length;
  for (const lister of inDatabase) {
    if (query.sources && !query.sources.includes(lister.source)) continue;
    const wanted = Math.max(0, end - Math.max(page.offset, total));
    const answer = await lister.select!(
      databaseQuery(query, read, lister.source),
      now,
      {
        offset: Math.max(0, page.offset - total),
        limit: wanted === Infinity ? undefined : wanted,
      },
    );
    total += answer.total;
    // The database applied the policy's conditions; applied again here, a
    // difference between the two can only hide a row, never show one.
    const visible = answer.items.filter(c =>
      read.allows(credentialResource(c)),
    );
    rows.push(...(await rowsOf(options, visible, true)));
  }
  return { total, rows };
}
