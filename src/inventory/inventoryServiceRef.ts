import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { z } from 'zod';
import { parseConfig } from '../lib/configIssues';
import { durationSchema } from '../lib/durationSchema';
import { reportOnce } from '../lib/startupReport';
import type { CredentialLister } from './credentialDefinition';
import { UsageLedger } from './UsageLedger';
import { builtInCredentials } from './builtInCredentials';

/** `gatehouse.usage` in app-config, validated. */
export interface UsageSettings {
  enabled: boolean;
  flushIntervalMs: number;
  subjectsPerEntry: number;
}

export const USAGE_CONFIG_KEY = 'gatehouse.usage';

const usageSchema = z.strictObject({
  enabled: z.boolean().optional(),
  flushInterval: durationSchema
    .refine(ms => ms >= 100, 'must be at least 100 milliseconds')
    .optional(),
  subjectsPerEntry: z.number().int().min(0).max(10_000).optional(),
});

export function parseUsageSettings(raw: unknown): UsageSettings {
  const parsed = parseConfig(
    usageSchema,
    raw ?? {},
    USAGE_CONFIG_KEY,
    `Invalid ${USAGE_CONFIG_KEY} configuration:`,
  );
  return {
    enabled: parsed.enabled ?? true,
    flushIntervalMs: parsed.flushInterval ?? 60_000,
    subjectsPerEntry: parsed.subjectsPerEntry ?? 100,
  };
}

/**
 * The backend's credential inventory: every source's lister (Gatehouse's
 * handler types register theirs; Backstage's built-in types are read from
 * config) and the usage ledger their handlers count into.
 */
export interface CredentialInventoryService {
  settings: UsageSettings;
  ledger: UsageLedger;
  addLister(lister: CredentialLister): void;
  listers(): CredentialLister[];
}

/** One per backend, shared by every handler and the `gatehouse` plugin. */
export const credentialInventoryServiceRef =
  createServiceRef<CredentialInventoryService>({
    id: 'gatehouse.credentialInventory',
    scope: 'root',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {
          rootConfig: coreServices.rootConfig,
          rootLogger: coreServices.rootLogger,
        },
        factory({ rootConfig, rootLogger }) {
          let settings: UsageSettings;
          try {
            settings = parseUsageSettings(
              rootConfig.getOptional(USAGE_CONFIG_KEY),
            );
          } catch (error) {
            throw reportOnce(error, rootLogger);
          }
          const ledger = new UsageLedger({
            enabled: settings.enabled,
            subjectsPerEntry: settings.subjectsPerEntry,
          });
          const listers: CredentialLister[] = builtInCredentials(rootConfig);
          return {
            settings,
            ledger,
            addLister: lister => listers.push(lister),
            listers: () => [...listers],
          };
        },
      }),
  });
