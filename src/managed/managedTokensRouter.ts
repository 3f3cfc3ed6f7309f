import type {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { randomUUID } from 'node:crypto';
import { fingerprintOfDigest, sha256Hex } from '../lib/tokenDigest';
import type { ManagedEntryOptions } from './managedOptions';
import { createManagedToken } from './managedTokenFormat';
import {
  managedTokenCreatePermission,
  managedTokenReadPermission,
  managedTokenRevokePermission,
} from './managedTokenPermissions';
import {
  parseCreateRequest,
  parseRevokeRequest,
  parseRotateRequest,
} from './managedTokenRequests';
import type {
  ManagedAccessRestriction,
  ManagedTokenRecord,
  ManagedTokenStore,
} from './ManagedTokenStore';
import type { ManagedTokenTable } from './ManagedTokenTable';
import { allAccessRestrictionsOf, scopeNotWithin } from './scopeWithin';
import type { TokenOptions } from './tokenOptions';

/** What the API shows of a token: never the token, never its hash. */
export function tokenView(record: ManagedTokenRecord, now: number) {
  const iso = (ms?: number) =>
    ms === undefined ? undefined : new Date(ms).toISOString();
  return {
    id: record.id,
    fingerprint: record.fingerprint,
    subject: record.subject,
    description: record.description,
    createdBy: record.createdBy,
    createdAt: iso(record.createdAt),
    expiresAt: iso(record.expiresAt),
    accessRestrictions: record.accessRestrictions,
    status:
      record.revokedAt !== undefined
        ? 'revoked'
        : record.expiresAt <= now
          ? 'expired'
          : 'active',
    ...(record.rotatedFrom ? { rotatedFrom: record.rotatedFrom } : {}),
    ...(record.revokedAt !== undefined
      ? {
          revokedAt: iso(record.revokedAt),
          revokedBy: record.revokedBy,
          ...(record.revokeReason ? { revokeReason: record.revokeReason } : {}),
        }
      : {}),
  };
}

function actorOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  return principal.type === 'user'
    ? principal.userEntityRef!
    : principal.subject!;
}

/**
 * `/api/gatehouse`: create, list, read, revoke and rotate managed tokens.
 * Every change is written to the database, applied to this replica's table
 * at once, and audited; the other replicas see it at their next sync.
 */
export async function createManagedTokensRouter(options: {
  store: ManagedTokenStore;
  table: ManagedTokenTable;
  entry: ManagedEntryOptions;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  /** What the new-token form may offer (GET /tokens/options). */
  tokenOptions?: () => Promise<TokenOptions>;
  now?: () => number;
}): Promise<express.Router> {
  const { store, table, entry, httpAuth, permissions, auditor } = options;
  const now = options.now ?? Date.now;
  const router = Router();
  router.use(express.json({ limit: '16kb' }));
  // A body that is not JSON, or too large: the caller's mistake, not a 500.
  router.use(
    (
      error: { type?: string; status?: number },
      _req: Request,
      _res: express.Response,
      next: express.NextFunction,
    ) => {
      if (error?.type === 'entity.too.large') {
        next(new InputError('Invalid request: the body is larger than 16 KiB'));
      } else if (error?.type === 'entity.parse.failed') {
        next(new InputError('Invalid request: the body is not JSON'));
      } else {
        next(error);
      }
    },
  );

  async function authorize(req: Request, permission: BasicPermission) {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `'${actorOf(credentials)}' may not use ${permission.name}`,
      );
    }
    return credentials;
  }

  /**
   * A restricted service may only give a token a scope within its own, so
   * that a token can never be used to widen what its creator may do.
   */
  function assertScopeWithinCaller(
    credentials: BackstageCredentials,
    requested: ManagedAccessRestriction[] | undefined,
  ) {
    const principal = credentials.principal as {
      type: string;
      accessRestrictions?: unknown;
    };
    if (principal.type !== 'service' || !principal.accessRestrictions) {
      return;
    }
    const own = allAccessRestrictionsOf(credentials);
    const why = own
      ? scopeNotWithin(requested, own)
      : "its access restrictions cannot be read from this Backstage version's credentials";
    if (why) {
      throw new NotAllowedError(
        `'${actorOf(credentials)}' may not create this token: ${why}`,
      );
    }
  }

  async function getOr404(id: string) {
    const record = await store.get(id);
    if (!record) throw new NotFoundError(`No managed token with id '${id}'`);
    return record;
  }

  async function issue(
    req: Request,
    credentials: BackstageCredentials,
    fields: Pick<
      ManagedTokenRecord,
      'subject' | 'description' | 'expiresAt' | 'accessRestrictions'
    > & { rotatedFrom?: string },
    eventId: string,
  ) {
    const token = createManagedToken();
    const tokenHash = sha256Hex(token);
    const at = now();
    const record: ManagedTokenRecord = {
      ...fields,
      id: randomUUID(),
      tokenHash,
      fingerprint: fingerprintOfDigest(tokenHash),
      createdBy: actorOf(credentials),
      createdAt: at,
      updatedAt: at,
    };
    const event = await auditor.createEvent({
      eventId,
      severityLevel: 'medium',
      request: req,
      meta: {
        id: record.id,
        subject: record.subject,
        fingerprint: record.fingerprint,
        accessRestrictions: record.accessRestrictions
          ? JSON.stringify(record.accessRestrictions)
          : 'none',
        expiresAt: new Date(record.expiresAt).toISOString(),
        ...(fields.rotatedFrom ? { rotatedFrom: fields.rotatedFrom } : {}),
      },
    });
    try {
      await store.insert(record);
      table.apply(record);
      await event.success();
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
    return { ...tokenView(record, at), token };
  }

  router.post('/tokens', async (req, res) => {
    const credentials = await authorize(req, managedTokenCreatePermission);
    const request = parseCreateRequest(req.body, entry, now());
    assertScopeWithinCaller(credentials, request.accessRestrictions);
    res
      .status(201)
      .json(await issue(req, credentials, request, 'managed-token-create'));
  });

  router.get('/tokens', async (req, res) => {
    await authorize(req, managedTokenReadPermission);
    const at = now();
    res.json({ items: (await store.list()).map(r => tokenView(r, at)) });
  });

  // Before /tokens/:id, which would take 'options' for an id.
  router.get('/tokens/options', async (req, res) => {
    await authorize(req, managedTokenCreatePermission);
    if (!options.tokenOptions) throw new NotFoundError('No token options');
    res.json(await options.tokenOptions());
  });

  router.get('/tokens/:id', async (req, res) => {
    await authorize(req, managedTokenReadPermission);
    res.json(tokenView(await getOr404(req.params.id), now()));
  });

  router.delete('/tokens/:id', async (req, res) => {
    const credentials = await authorize(req, managedTokenRevokePermission);
    const { reason } = parseRevokeRequest(req.body);
    const existing = await getOr404(req.params.id);
    const event = await auditor.createEvent({
      eventId: 'managed-token-revoke',
      severityLevel: 'medium',
      request: req,
      meta: {
        id: existing.id,
        subject: existing.subject,
        fingerprint: existing.fingerprint,
        ...(reason ? { reason } : {}),
      },
    });
    try {
      const revoked = await store.revoke(existing.id, {
        revokedBy: actorOf(credentials),
        reason,
        at: now(),
      });
      table.apply(revoked!);
      await event.success();
      res.json(tokenView(revoked!, now()));
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.post('/tokens/:id/rotate', async (req, res) => {
    const credentials = await authorize(req, managedTokenCreatePermission);
    const { overlapMs = entry.rotationOverlapMs } = parseRotateRequest(
      req.body,
    );
    const old = await getOr404(req.params.id);
    assertScopeWithinCaller(credentials, old.accessRestrictions);
    const at = now();
    if (old.revokedAt !== undefined || old.expiresAt <= at) {
      throw new InputError(
        `Managed token '${old.id}' is ${old.revokedAt !== undefined ? 'revoked' : 'expired'}; create a new one instead`,
      );
    }
    // The successor lives as long as its predecessor was meant to.
    const lifetime = Math.min(
      old.expiresAt - old.createdAt,
      entry.maxLifetimeMs,
    );
    const created = await issue(
      req,
      credentials,
      {
        subject: old.subject,
        description: old.description,
        accessRestrictions: old.accessRestrictions,
        expiresAt: at + lifetime,
        rotatedFrom: old.id,
      },
      'managed-token-rotate',
    );
    const shortened = await store.shortenLife(old.id, at + overlapMs, at);
    table.apply(shortened!);
    res.status(201).json({
      ...created,
      previous: tokenView(shortened!, at),
    });
  });

  // Anything else that failed is the database: unreachable, or down.
  router.use(
    (
      error: Error,
      _req: Request,
      _res: express.Response,
      next: express.NextFunction,
    ) => {
      if (isBackstageError(error)) {
        next(error);
      } else {
        next(
          new ServiceUnavailableError(
            'The managed token database cannot be reached; known tokens keep working meanwhile. Try again later.',
          ),
        );
      }
    },
  );

  return router;
}

const BACKSTAGE_ERRORS = new Set([
  'InputError',
  'NotFoundError',
  'NotAllowedError',
  'AuthenticationError',
  'ConflictError',
]);

function isBackstageError(error: Error): boolean {
  return BACKSTAGE_ERRORS.has(error?.name);
}
