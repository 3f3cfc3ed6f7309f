import type {
  AuditorService,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import type { JsonObject } from '@backstage/types';
import {
  gatehouseTokenCompromisePermission,
  type MarkedCompromised,
} from '@gatehouse/backstage-plugin-gatehouse-common';
import express from 'express';
import Router from 'express-promise-router';
import { jsonBody } from '../lib/jsonBody';
import type { CredentialLister } from '../inventory/credentialDefinition';
import { identifyCaller } from '../managed/caller';
import type { ManagedTokenStore } from '../managed/ManagedTokenStore';
import type { ManagedTokenTable } from '../managed/ManagedTokenTable';
import {
  credentialResource,
  DecideCredentialAccess,
} from '../ownership/credentialAccess';
import type { CompromisedList } from './CompromisedList';
import type { CompromisedMark, CompromisedStore } from './CompromisedStore';
import { parseLeakRequest } from './leakRequest';
import { findLeakTarget } from './leakTargets';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * `POST /leaks`: marks a credential compromised. The mark is written to the
 * database (every replica's list reads it within a second) and applied to
 * this replica's list at once; a managed token is revoked as well, with
 * everything it made. Audited as `credential-compromise`.
 */
export function createLeaksRouter(options: {
  store: CompromisedStore;
  list: CompromisedList;
  /** Present when managed tokens are on. */
  managed?: { store: ManagedTokenStore; table: ManagedTokenTable };
  managedTable: ManagedTokenTable;
  httpAuth: HttpAuthService;
  decideAccess: DecideCredentialAccess;
  auditor: AuditorService;
  credentialListers: () => CredentialLister[];
}): express.Router {
  const { store, list, managed, httpAuth, auditor } = options;
  const router = Router();
  router.use('/leaks', jsonBody());

  router.post('/leaks', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [compromise] = await options.decideAccess(credentials, [
      gatehouseTokenCompromisePermission,
    ]);
    const caller = identifyCaller(req, credentials, {
      table: options.managedTable,
      listers: options.credentialListers,
    });
    if (compromise.scope === 'none') {
      throw new NotAllowedError(
        `'${caller.name}' may not use ${gatehouseTokenCompromisePermission.name}`,
      );
    }
    const request = parseLeakRequest(req.body);
    const target = await findLeakTarget(
      request,
      options.credentialListers(),
      list.now(),
    );
    const { credential } = target;
    if (!compromise.allows(credentialResource(credential))) {
      throw new NotAllowedError(
        `'${caller.name}' may not mark this credential compromised: ${gatehouseTokenCompromisePermission.name} is not granted on it`,
      );
    }
    const managedId =
      credential.source === 'gatehouse-managed'
        ? credential.id.slice('gatehouse-managed:'.length)
        : undefined;
    const event = await auditor.createEvent({
      eventId: 'credential-compromise',
      severityLevel: 'high',
      request: req,
      meta: {
        credential: credential.id,
        source: credential.source,
        subject: target.subject ?? credential.subject,
        ...(target.fingerprint ? { fingerprint: target.fingerprint } : {}),
        ...(target.until !== undefined ? { until: iso(target.until) } : {}),
        ...(request.reason ? { reason: request.reason } : {}),
        ...(caller.type === 'service'
          ? { byCredential: caller.credential }
          : {}),
      },
    });
    let marked: { mark: CompromisedMark; changed: boolean };
    let alsoRevoked: Array<{ id: string; subject: string }> | undefined;
    try {
      if (managedId && managed) {
        // Revoked first: should the mark fail, the token is dead already.
        const revoked = (await managed.store.revoke(managedId, {
          revokedBy: caller.name,
          reason: `compromised${request.reason ? `: ${request.reason}` : ''}`,
        }))!;
        for (const record of [revoked.token, ...revoked.alsoRevoked]) {
          managed.table.apply(record);
        }
        alsoRevoked = revoked.alsoRevoked.map(r => ({
          id: r.id,
          subject: r.subject,
        }));
      }
      marked = await store.mark({
        key: target.key,
        credentialId: credential.id,
        source: credential.source as CompromisedMark['source'],
        ...(target.fingerprint ? { fingerprint: target.fingerprint } : {}),
        ...(target.subject !== undefined
          ? { subject: target.subject, until: target.until }
          : {}),
        ...(request.reason ? { reason: request.reason } : {}),
        markedBy: caller.name,
      });
      const meta: JsonObject = { alreadyMarked: !marked.changed };
      if (alsoRevoked?.length) {
        meta.alsoRevoked = alsoRevoked.map(r => r.id).join(' ');
      }
      await event.success({ meta });
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
    list.apply(marked.mark);
    const { mark } = marked;
    res.status(marked.changed ? 201 : 200).json({
      credential: credential.id,
      source: credential.source,
      subject: mark.subject ?? credential.subject,
      ...(mark.fingerprint ? { fingerprint: mark.fingerprint } : {}),
      compromised: {
        at: iso(mark.markedAt),
        by: mark.markedBy,
        ...(mark.reason ? { reason: mark.reason } : {}),
        ...(mark.until !== undefined ? { until: iso(mark.until) } : {}),
      },
      alreadyMarked: !marked.changed,
      ...(alsoRevoked ? { alsoRevoked } : {}),
    } satisfies MarkedCompromised);
  });

  return router;
}
