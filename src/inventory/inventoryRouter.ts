import {
  type Access,
  type Credential,
  gatehouseTokenCompromisePermission,
  type Inventory,
} from '@gatehouse/backstage-plugin-gatehouse-common';
import type {
  BackstageCredentials,
  HttpAuthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import express from 'express';
import Router from 'express-promise-router';
import {
  managedTokenCreatePermission,
  managedTokenReadPermission,
  managedTokenRevokePermission,
  managedTokenUpdatePermission,
} from '../managed/managedTokenPermissions';
import {
  credentialResource,
  CredentialPermissionDecision,
  DecideCredentialAccess,
} from '../ownership/credentialAccess';
import type { CredentialInventoryService } from './inventoryServiceRef';
import { InventoryQuery, parseInventoryQuery } from './inventoryQuery';
import { rowJson, rowsCsv } from './inventoryOutput';
import type { InventoryRow } from './inventoryRows';
import { readInventoryPage } from './readInventoryRows';
import type { UsageStore } from './UsageStore';
import type { SignalStore } from '../signals/SignalStore';

/** What a caller may do to a row, as the page shows it. */
type RowAction = NonNullable<Credential['actions']>[number];

/**
 * `GET /api/gatehouse/inventory`: every credential the backend accepts, from
 * every source, with its status, restrictions and usage across replicas:
 * those the caller may read (`gatehouse.token.read`, which a policy may
 * grant for some owners only), each with what the caller may do to it.
 *
 * `GET /api/gatehouse/access`: what the caller may do at all, for the page
 * to offer (a user's browser may not ask the permission backend about
 * permissions on credentials without naming one).
 */
export function createInventoryRouter(options: {
  inventory: CredentialInventoryService;
  usageStore: UsageStore;
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  decideAccess: DecideCredentialAccess;
  /** Whether managed tokens are on: without them nothing can be created or changed. */
  managedTokens: () => boolean;
  /** The signals raised, shown with each credential (when signals are on). */
  signals?: () => SignalStore | undefined;
  now?: () => number;
}): express.Router {
  const { inventory, usageStore, httpAuth, decideAccess } = options;
  const now = options.now ?? Date.now;
  const router = Router();

  const decide = async (req: express.Request) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [read, create, revoke, update, compromise] = await decideAccess(
      credentials,
      [
        managedTokenReadPermission,
        managedTokenCreatePermission,
        managedTokenRevokePermission,
        managedTokenUpdatePermission,
        gatehouseTokenCompromisePermission,
      ],
    );
    return { credentials, read, create, revoke, update, compromise };
  };

  router.get('/access', async (req, res) => {
    const { read, create, revoke, update, compromise } = await decide(req);
    const managed = options.managedTokens();
    res.json({
      read: read.scope,
      create: managed ? create.scope : 'none',
      revoke: managed ? revoke.scope : 'none',
      update: managed ? update.scope : 'none',
      compromise: compromise.scope,
    } satisfies Access);
  });

  router.get('/inventory', async (req, res) => {
    const { credentials, read, create, revoke, update, compromise } =
      await decide(req);
    if (read.scope === 'none') {
      throw new NotAllowedError(
        `This caller may not use ${managedTokenReadPermission.name}`,
      );
    }
    const query = parseInventoryQuery(req.query);
    await resolveMine(query, credentials);
    const at = now();
    const csv = query.format === 'csv';
    let page: { total: number; rows: InventoryRow[] };
    try {
      page = await readInventoryPage({
        inventory,
        usageStore,
        now: at,
        expiringWithinMs: query.expiringWithinMs,
        query,
        read,
        // A CSV file is the whole answer.
        page: csv
          ? { offset: 0 }
          : { offset: query.offset, limit: query.limit },
      });
    } catch {
      throw new ServiceUnavailableError(
        'The inventory cannot be read: the gatehouse database cannot be reached. Try again later.',
      );
    }
    const { rows } = page;
    if (csv) {
      res
        .type('text/csv; charset=utf-8')
        .setHeader(
          'content-disposition',
          'attachment; filename="gatehouse-inventory.csv"',
        );
      res.send(rowsCsv(rows));
      return;
    }
    const actionsOf = rowActions({ create, revoke, update, compromise });
    const signals = await options
      .signals?.()
      ?.recent(rows.map(row => row.id))
      .catch(() => undefined); // the inventory stands without them
    res.json({
      generatedAt: new Date(at).toISOString(),
      total: page.total,
      items: rows.map(row => ({
        ...rowJson(row),
        ...(signals?.has(row.id)
          ? {
              signals: signals.get(row.id)!.map(s => ({
                kind: s.kind,
                at: new Date(s.raisedAt).toISOString(),
                detail: s.detail,
              })),
            }
          : {}),
        actions: actionsOf(row),
      })),
    } satisfies Inventory);
  });

  /** `owner=mine`: the user's own ref and its groups', as the user info service says. */
  async function resolveMine(
    query: InventoryQuery,
    credentials: BackstageCredentials,
  ) {
    if (!query.owners?.mine) return;
    if ((credentials.principal as { type: string }).type !== 'user') {
      throw new InputError(
        "Invalid query: owner: 'mine' is for users (their own ref and their groups'); a service names the owners",
      );
    }
    const { ownershipEntityRefs } =
      await options.userInfo.getUserInfo(credentials);
    query.owners.refs.push(...ownershipEntityRefs);
  }

  return router;
}

/**
 * The changes a caller may make to a credential, by the policy (whether its
 * own authority covers a managed token's scope is checked when it asks):
 * mark a static or managed token compromised; rotate, revoke, update a
 * managed token that is not revoked.
 */
function rowActions(may: {
  create: CredentialPermissionDecision;
  revoke: CredentialPermissionDecision;
  update: CredentialPermissionDecision;
  compromise: CredentialPermissionDecision;
}): (row: InventoryRow) => RowAction[] {
  return row => {
    const resource = credentialResource(row);
    const actions: RowAction[] = [];
    if (
      (row.source === 'gatehouse-static' ||
        row.source === 'gatehouse-managed') &&
      !row.compromised &&
      may.compromise.allows(resource)
    ) {
      actions.push('compromise');
    }
    if (row.source !== 'gatehouse-managed' || row.revokedAt !== undefined) {
      return actions;
    }
    const revoke = may.revoke.allows(resource);
    if (revoke && row.status !== 'expired' && may.create.allows(resource)) {
      actions.push('rotate');
    }
    if (revoke) actions.push('revoke');
    if (may.update.allows(resource)) actions.push('update');
    return actions;
  };
}
