import type {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError, ServiceUnavailableError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import Router from 'express-promise-router';
import { managedTokenReadPermission } from '../managed/managedTokenPermissions';
import type { CredentialInventoryService } from './inventoryServiceRef';
import { filterRows, parseInventoryQuery } from './inventoryQuery';
import { rowJson, rowsCsv } from './inventoryOutput';
import { InventoryUsage, inventoryRows, inventoryUsage } from './inventoryRows';
import type { UsageStore } from './UsageStore';
import type { CredentialDefinition } from './credentialDefinition';

/**
 * `GET /api/gatehouse/inventory`: every credential the backend accepts, from
 * every source, with its status, restrictions and usage across replicas.
 * Needs `gatehouse.token.read`.
 */
export function createInventoryRouter(options: {
  inventory: CredentialInventoryService;
  usageStore: UsageStore;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  now?: () => number;
}): express.Router {
  const { inventory, usageStore, httpAuth, permissions } = options;
  const now = options.now ?? Date.now;
  const router = Router();

  router.get('/inventory', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize(
      [{ permission: managedTokenReadPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `This caller may not use ${managedTokenReadPermission.name}`,
      );
    }
    const query = parseInventoryQuery(req.query);
    const at = now();
    let definitions: CredentialDefinition[];
    let usage: InventoryUsage;
    try {
      definitions = (
        await Promise.all(inventory.listers().map(l => l.list()))
      ).flat();
      usage = await inventoryUsage({
        store: usageStore,
        credentials: definitions,
        pending: inventory.ledger.peek(),
        now: at,
        subjectsPerEntry: inventory.settings.subjectsPerEntry,
      });
    } catch {
      throw new ServiceUnavailableError(
        'The inventory cannot be read: the gatehouse database cannot be reached. Try again later.',
      );
    }
    const rows = filterRows(
      inventoryRows({
        credentials: definitions,
        ...usage,
        now: at,
        expiringWithinMs: query.expiringWithinMs,
        subjectsPerEntry: inventory.settings.subjectsPerEntry,
      }),
      query,
      at,
    );
    if (query.format === 'csv') {
      res
        .type('text/csv; charset=utf-8')
        .setHeader(
          'content-disposition',
          'attachment; filename="gatehouse-inventory.csv"',
        );
      res.send(rowsCsv(rows));
      return;
    }
    res.json({
      generatedAt: new Date(at).toISOString(),
      total: rows.length,
      items: rows.slice(query.offset, query.offset + query.limit).map(rowJson),
    });
  });

  return router;
}
