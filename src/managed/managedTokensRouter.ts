import type {
  IssuedToken,
  RevokedToken,
  TokenOptions as OfferedOptions,
} from '@gatehouse/backstage-plugin-gatehouse-common';
import type {
  AuditorService,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { ResourcePermission } from '@backstage/plugin-permission-common';
import type { JsonObject } from '@backstage/types';
import express, { Request } from 'express';
import { jsonBody } from '../lib/jsonBody';
import Router from 'express-promise-router';
import { randomUUID } from 'node:crypto';
import type { CredentialLister } from '../inventory/credentialDefinition';
import { subjectsLookAlike } from '../lib/subjects';
import { fingerprintOfDigest, sha256Hex } from '../lib/tokenDigest';
import { Caller, identifyCaller } from './caller';
import {
  GrantCheckDeps,
  mayGiveAnyScope,
  whyScopeNotAllowed,
} from './grantCheck';
import type { ManagedEntryOptions } from './managedOptions';
import { createManagedToken } from './managedTokenFormat';
import {
  managedTokenCreatePermission,
  managedTokenReadPermission,
  managedTokenRevokePermission,
  managedTokenUpdatePermission,
} from './managedTokenPermissions';
import {
  CreateRequest,
  parseCreateRequest,
  parseRevokeRequest,
  parseRotateRequest,
  parseUpdateRequest,
} from './managedTokenRequests';
import {
  credentialResource,
  CredentialPermissionDecision,
  DecideCredentialAccess,
} from '../ownership/credentialAccess';
import type {
  ManagedAccessRestriction,
  ManagedTokenRecord,
  ManagedTokenStore,
} from './ManagedTokenStore';
import type { ManagedTokenTable } from './ManagedTokenTable';
import type { PluginPermissions } from './registeredPermissions';
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
    ...(record.owner ? { owner: record.owner } : {}),
    createdBy: record.createdBy,
    ...(record.createdByCredential
      ? { createdByCredential: record.createdByCredential }
      : {}),
    createdAt: new Date(record.createdAt).toISOString(),
    expiresAt: new Date(record.expiresAt).toISOString(),
    accessRestrictions: record.accessRestrictions,
    status:
      record.revokedAt !== undefined
        ? 'revoked'
        : record.expiresAt <= now
          ? 'expired'
          : 'active',
    ...(record.mintedBy ? { mintedBy: record.mintedBy } : {}),
    ...(record.rotatedFrom ? { rotatedFrom: record.rotatedFrom } : {}),
    ...(record.rotatedTo ? { rotatedTo: record.rotatedTo } : {}),
    ...(record.revokedAt !== undefined
      ? {
          revokedAt: iso(record.revokedAt),
          revokedBy: record.revokedBy,
          ...(record.revokeReason ? { revokeReason: record.revokeReason } : {}),
        }
      : {}),
  };
}

/**
 * `/api/gatehouse`: create, list, read, revoke and rotate managed tokens.
 * Every change is written to the database in one transaction, applied to
 * this replica's table at once, and audited; the other replicas see it at
 * their next sync.
 *
 * A token is a delegation: it never carries more authority than whoever
 * made it (see grantCheck), never outlives the credential that made it,
 * and is revoked with it.
 */
export async function createManagedTokensRouter(options: {
  store: ManagedTokenStore;
  table: ManagedTokenTable;
  entry: ManagedEntryOptions;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  /** Decides the caller's permissions on credentials, conditions included. */
  decideAccess: DecideCredentialAccess;
  auditor: AuditorService;
  /** Every permission the backend's plugins registered (for users' grants). */
  registeredPermissions: () => Promise<PluginPermissions[]>;
  /** The inventory's sources: which static token is calling, which subjects are taken. */
  credentialListers: () => CredentialLister[];
  /** What the new-token form may offer (GET /tokens/options). */
  tokenOptions?: () => Promise<TokenOptions>;
}): Promise<express.Router> {
  const { store, table, entry, httpAuth, permissions, auditor } = options;
  const grantDeps: GrantCheckDeps = {
    permissions,
    registeredPermissions: options.registeredPermissions,
  };
  const router = Router();
  router.use(jsonBody());

  /**
   * The caller, and its decision on each of `required` and then of `also`;
   * refused unless it holds each of `required` on some credentials at least
   * (whether on the one at hand is for the route to ask).
   */
  async function authorize(
    req: Request,
    required: ResourcePermission[],
    also: ResourcePermission[] = [],
  ): Promise<{ caller: Caller; may: CredentialPermissionDecision[] }> {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const may = await options.decideAccess(credentials, [...required, ...also]);
    const caller = identifyCaller(req, credentials, {
      table,
      listers: options.credentialListers,
    });
    const missing = may
      .slice(0, required.length)
      .find(decision => decision.scope === 'none');
    if (missing) {
      throw new NotAllowedError(
        `'${caller.name}' may not use ${missing.permission.name}`,
      );
    }
    return { caller, may };
  }

  /** What the permission rules see of a managed token. */
  const resourceOf = (
    record: Pick<ManagedTokenRecord, 'id' | 'subject' | 'owner'>,
  ) =>
    credentialResource({
      id: `gatehouse-managed:${record.id}`,
      source: 'gatehouse-managed',
      subject: record.subject,
      owner: record.owner,
    });

  const ownerText = (owner: string | undefined) =>
    owner ? `owned by ${owner}` : 'without an owner';

  /** Refuses a change the policy allows the caller on other tokens only. */
  function assertAllowedOn(
    caller: Caller,
    decision: CredentialPermissionDecision,
    record: Pick<ManagedTokenRecord, 'id' | 'subject' | 'owner'>,
    what: string,
  ) {
    if (!decision.allows(resourceOf(record))) {
      throw new NotAllowedError(
        `'${caller.name}' may not ${what}: ${decision.permission.name} is not granted on a token ${ownerText(record.owner)}`,
      );
    }
  }

  /**
   * The token, if the caller may see it (read it, or act on it): any other
   * is answered as one that does not exist.
   */
  async function visibleOr404(
    id: string,
    ...visibleBy: CredentialPermissionDecision[]
  ) {
    const record = await store.get(id);
    if (!record || !visibleBy.some(d => d.allows(resourceOf(record)))) {
      throw new NotFoundError(`No managed token with id '${id}'`);
    }
    return record;
  }

  /** Refuses a caller whose own authority does not cover `scope`. */
  async function assertMayHandle(
    caller: Caller,
    scope: ManagedAccessRestriction[] | undefined,
    verb: 'create' | 'rotate' | 'revoke',
  ) {
    const why = await whyScopeNotAllowed(caller, scope, grantDeps);
    if (why) {
      throw new NotAllowedError(
        `'${caller.name}' may not ${verb} this token: ${why}`,
      );
    }
  }

  /**
   * A subject another configured credential has (or one that reads like
   * it) would let a token pass for that credential in audit logs and
   * policies; only a caller who may give any scope may choose one (to move
   * a static token's caller to a managed token, say).
   */
  async function assertSubjectFree(caller: Caller, subject: string) {
    if (await mayGiveAnyScope(caller, grantDeps)) return;
    for (const lister of options.credentialListers()) {
      if (lister.source !== 'gatehouse-static' && lister.source !== 'static') {
        continue;
      }
      const taken = (await lister.list()).find(c =>
        subjectsLookAlike(subject, c.subject),
      );
      if (taken) {
        throw new NotAllowedError(
          `'${caller.name}' may not create this token: its subject reads like '${taken.subject}', a configured credential's; choose another`,
        );
      }
    }
  }

  /**
   * Whose a new token is: as asked, else the user creating it. A service
   * has no entity of its own in the catalog, so it must say.
   */
  function ownerFor(caller: Caller, asked: string | undefined): string {
    if (asked !== undefined) return asked;
    if (caller.type === 'user') return caller.name;
    throw new InputError(
      "Invalid request: owner: is required when a service creates a token; name the group that looks after it, such as 'group:default/payments'",
    );
  }

  /**
   * The expiry a token may have: a credential that expires makes nothing
   * that outlives it. Asked for explicitly, a later one is refused; the
   * default lifetime is cut short instead.
   */
  function expiryFor(caller: Caller, request: CreateRequest): number {
    const limit = caller.type === 'service' ? caller.expiresAt : undefined;
    if (limit === undefined || request.expiresAt <= limit) {
      return request.expiresAt;
    }
    if (request.lifetimeGiven) {
      throw new InputError(
        `Invalid request: the token may not outlive the credential creating it, which expires at ${new Date(limit).toISOString()}; ask for a shorter lifetime, or leave it out to get that expiry`,
      );
    }
    return limit;
  }

  /** Who made a token, as its row and its audit event say. */
  const madeBy = (caller: Caller) => ({
    createdBy: caller.name,
    ...(caller.type === 'service'
      ? {
          createdByCredential: caller.credential,
          mintedBy: caller.managedTokenId,
        }
      : {}),
  });

  /** The credential acting, for the audit event of a change to someone's token. */
  const byCredential = (caller: Caller): JsonObject =>
    caller.type === 'service' ? { byCredential: caller.credential } : {};

  function newSecret() {
    const token = createManagedToken();
    const tokenHash = sha256Hex(token);
    return {
      token,
      id: randomUUID(),
      tokenHash,
      fingerprint: fingerprintOfDigest(tokenHash),
    };
  }

  function auditMeta(
    record: Pick<
      ManagedTokenRecord,
      | 'id'
      | 'subject'
      | 'fingerprint'
      | 'accessRestrictions'
      | 'expiresAt'
      | 'createdByCredential'
      | 'mintedBy'
    >,
  ): JsonObject {
    return {
      id: record.id,
      subject: record.subject,
      fingerprint: record.fingerprint,
      accessRestrictions: record.accessRestrictions
        ? JSON.stringify(record.accessRestrictions)
        : 'none',
      expiresAt: new Date(record.expiresAt).toISOString(),
      ...(record.createdByCredential
        ? { createdByCredential: record.createdByCredential }
        : {}),
      ...(record.mintedBy ? { mintedBy: record.mintedBy } : {}),
    };
  }

  /** Runs `change` inside an audit event: initiated, then succeeded or failed. */
  async function audited<T>(
    req: Request,
    eventId: string,
    meta: JsonObject,
    change: () => Promise<{ result: T; meta?: JsonObject }>,
  ): Promise<T> {
    const event = await auditor.createEvent({
      eventId,
      severityLevel: 'medium',
      request: req,
      meta,
    });
    try {
      const done = await change();
      await event.success(done.meta ? { meta: done.meta } : undefined);
      return done.result;
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  }

  router.post('/tokens', async (req, res) => {
    const {
      caller,
      may: [create],
    } = await authorize(req, [managedTokenCreatePermission]);
    const request = parseCreateRequest(req.body, entry, table.now());
    const owner = ownerFor(caller, request.owner);
    assertAllowedOn(
      caller,
      create,
      { id: '(new)', subject: request.subject, owner },
      `create a token ${ownerText(owner)}`,
    );
    await assertSubjectFree(caller, request.subject);
    await assertMayHandle(caller, request.accessRestrictions, 'create');
    const { token, ...secret } = newSecret();
    const fields = {
      ...secret,
      subject: request.subject,
      description: request.description,
      owner,
      accessRestrictions: request.accessRestrictions,
      expiresAt: expiryFor(caller, request),
      ...madeBy(caller),
    };
    const record = await audited(
      req,
      'managed-token-create',
      auditMeta(fields),
      async () => ({ result: await store.create(fields) }),
    );
    table.apply(record);
    res
      .status(201)
      .json({ ...tokenView(record, table.now()), token } satisfies IssuedToken);
  });

  router.get('/tokens', async (req, res) => {
    const {
      may: [read],
    } = await authorize(req, [managedTokenReadPermission]);
    const at = table.now();
    res.json({
      items: (await store.list())
        .filter(r => read.allows(resourceOf(r)))
        .map(r => tokenView(r, at)),
    });
  });

  // Before /tokens/:id, which would take 'options' for an id.
  router.get('/tokens/options', async (req, res) => {
    const { caller } = await authorize(req, [managedTokenCreatePermission]);
    if (!options.tokenOptions) throw new NotFoundError('No token options');
    res.json({
      ...(await options.tokenOptions()),
      // False: every grant must be named and held by the caller.
      anyScope: await mayGiveAnyScope(caller, grantDeps),
    } satisfies OfferedOptions);
  });

  router.get('/tokens/:id', async (req, res) => {
    const {
      may: [read],
    } = await authorize(req, [managedTokenReadPermission]);
    res.json(tokenView(await visibleOr404(req.params.id, read), table.now()));
  });

  router.patch('/tokens/:id', async (req, res) => {
    const {
      caller,
      may: [update, read],
    } = await authorize(
      req,
      [managedTokenUpdatePermission],
      [managedTokenReadPermission],
    );
    const change = parseUpdateRequest(req.body);
    const existing = await visibleOr404(req.params.id, read, update);
    assertAllowedOn(caller, update, existing, 'change this token');
    if (change.owner !== undefined) {
      // Not to an owner the caller could not manage: that would hand the
      // token to people the policy never let it give anything to.
      assertAllowedOn(
        caller,
        update,
        { ...existing, owner: change.owner },
        `give this token to ${change.owner}`,
      );
    }
    const updated = await audited(
      req,
      'managed-token-update',
      {
        id: existing.id,
        subject: existing.subject,
        fingerprint: existing.fingerprint,
        ...(change.owner !== undefined
          ? { owner: change.owner, previousOwner: existing.owner ?? 'none' }
          : {}),
        ...(change.description !== undefined ? { description: 'changed' } : {}),
        ...byCredential(caller),
      },
      async () => {
        const result = await store.update(existing.id, change);
        if (!result)
          throw new NotFoundError(`No managed token with id '${existing.id}'`);
        return { result };
      },
    );
    table.apply(updated);
    res.json(tokenView(updated, table.now()));
  });

  router.delete('/tokens/:id', async (req, res) => {
    const {
      caller,
      may: [revoke, read],
    } = await authorize(
      req,
      [managedTokenRevokePermission],
      [managedTokenReadPermission],
    );
    const { reason } = parseRevokeRequest(req.body);
    const existing = await visibleOr404(req.params.id, read, revoke);
    assertAllowedOn(caller, revoke, existing, 'revoke this token');
    await assertMayHandle(caller, existing.accessRestrictions, 'revoke');
    const revoked = await audited(
      req,
      'managed-token-revoke',
      {
        id: existing.id,
        subject: existing.subject,
        fingerprint: existing.fingerprint,
        ...(reason ? { reason } : {}),
        ...byCredential(caller),
      },
      async () => {
        const result = (await store.revoke(existing.id, {
          revokedBy: caller.name,
          reason,
        }))!;
        return {
          result,
          meta: { alsoRevoked: result.alsoRevoked.map(r => r.id).join(' ') },
        };
      },
    );
    for (const record of [revoked.token, ...revoked.alsoRevoked]) {
      table.apply(record);
    }
    res.json({
      ...tokenView(revoked.token, table.now()),
      alsoRevoked: revoked.alsoRevoked.map(r => ({
        id: r.id,
        subject: r.subject,
      })),
    } satisfies RevokedToken);
  });

  router.post('/tokens/:id/rotate', async (req, res) => {
    // A rotation stops the old token and hands out its successor: what a
    // revocation needs, and what a creation needs.
    const {
      caller,
      may: [create, revoke, read],
    } = await authorize(
      req,
      [managedTokenCreatePermission, managedTokenRevokePermission],
      [managedTokenReadPermission],
    );
    const { overlapMs = entry.rotationOverlapMs } = parseRotateRequest(
      req.body,
    );
    const old = await visibleOr404(req.params.id, read, revoke);
    assertAllowedOn(caller, revoke, old, 'rotate this token');
    assertAllowedOn(caller, create, old, 'rotate this token');
    await assertMayHandle(caller, old.accessRestrictions, 'rotate');
    const { token, ...secret } = newSecret();
    const { previous, successor } = await audited(
      req,
      'managed-token-rotate',
      {
        id: old.id,
        subject: old.subject,
        fingerprint: old.fingerprint,
        successor: secret.id,
        ...byCredential(caller),
      },
      async () => ({
        result: await store.rotate(
          old.id,
          {
            ...secret,
            ...madeBy(caller),
            // The successor lives as long as its predecessor was meant to,
            // and no longer than the credential rotating it.
            lifetimeMs: Math.min(
              old.expiresAt - old.createdAt,
              entry.maxLifetimeMs,
            ),
            notAfter: caller.type === 'service' ? caller.expiresAt : undefined,
          },
          overlapMs,
        ),
      }),
    );
    table.apply(previous);
    table.apply(successor);
    const at = table.now();
    res.status(201).json({
      ...tokenView(successor, at),
      token,
      previous: tokenView(previous, at),
    } satisfies IssuedToken);
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
