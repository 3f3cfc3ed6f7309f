/**
 * The dev backend of `npm start`: a real Backstage backend with Gatehouse,
 * the catalog, the permission framework and two demo plugins (`demo` and
 * `other`, which call each other), on an in-memory SQLite database, and a
 * local OpenID provider whose JWTs the backend takes. Prints ready-to-paste
 * curl commands once it is up.
 */
import { createBackend } from '@backstage/backend-defaults';
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import {
  IdentityProviderProcess,
  spawnIdentityProvider,
} from '../src/testing/identityProviderProcess';
import { devRootConfigServiceFactory } from './config';
import { DevApp, startDevApp } from './devApp';
import { createDemoPlugin } from './demoPlugin';
import { reportsPlugin } from './reportsPlugin';
import {
  curlCommand,
  DEV_TOKENS,
  DevExample,
  devJwtExamples,
  devManagedExamples,
  managedTokenCommand,
  EXPLAIN_TITLE,
  explainCommand,
  inventoryCommand,
  devSections,
  READY_MARKER,
  tokenCommand,
} from './examples';

const repoRoot = resolve(__dirname, '..');
/** Relative to the repository root, as the banner's explain command names it. */
const DEV_CONFIG_FILE = 'dev/app-config.dev.yaml';
// Catalog file locations, tokensFile and the config schema lookup resolve
// paths against the working directory, so `npx tsx dev/index.ts` must not
// depend on where it is started from.
process.chdir(repoRoot);

// The defaults of dev/app-config.dev.yaml's ${VAR:-default}s that this file
// needs too. A variable set by the caller wins (the tests pick free ports).
const defaults: Record<string, string> = {
  GATEHOUSE_DEV_PORT: '7007',
  GATEHOUSE_DEV_APP_PORT: '3000',
  GATEHOUSE_DEV_IDP_PORT: '7008',
  GATEHOUSE_TOKENS_FILE: '.gatehouse-dev/tokens.yaml',
};
for (const [name, value] of Object.entries(defaults)) {
  process.env[name] ||= value;
}
function portFrom(name: string): string {
  const value = process.env[name]!;
  if (!/^\d{1,5}$/.test(value)) {
    throw new Error(`${name} must be a port number, not '${value}'`);
  }
  return value;
}
const port = portFrom('GATEHOUSE_DEV_PORT');
const idpPort = portFrom('GATEHOUSE_DEV_IDP_PORT');
const appPort = portFrom('GATEHOUSE_DEV_APP_PORT');
// GATEHOUSE_DEV_APP=0: the backend alone (the backend's own tests).
const withApp = process.env.GATEHOUSE_DEV_APP !== '0';
const baseUrl = `http://localhost:${port}`;
const tokensFile = resolve(process.env.GATEHOUSE_TOKENS_FILE!);

/**
 * GATEHOUSE_DEV_POLICY=owners: the policy of docs/examples/owner-policy.ts
 * (the platform team manages every credential, everybody else their teams'),
 * instead of allow-all. docs/ownership.md#try-it-locally.
 */
const POLICIES = ['allow-all', 'owners'] as const;
const policy = process.env.GATEHOUSE_DEV_POLICY || 'allow-all';
if (!(POLICIES as readonly string[]).includes(policy)) {
  throw new Error(
    `GATEHOUSE_DEV_POLICY must be one of ${POLICIES.join(', ')}, not '${policy}'`,
  );
}
/** The owner policy's administrators: dev-user's team (dev/examples/entities.yaml). */
const DEV_POLICY_ADMINS = ['group:default/platform-team'];
/**
 * GATEHOUSE_DEV_GUEST: the catalog user the page's guest signs in as
 * (auth.providers.guest.userEntityRef in dev/app-config.dev.yaml); `alice`
 * or `user:default/alice`. Written back in full for the config to read.
 */
const guest = process.env.GATEHOUSE_DEV_GUEST;
if (guest) {
  let ref;
  try {
    ref = parseEntityRef(guest, {
      defaultKind: 'user',
      defaultNamespace: 'default',
    });
  } catch {
    ref = undefined;
  }
  if (ref?.kind.toLowerCase() !== 'user') {
    throw new Error(
      `GATEHOUSE_DEV_GUEST must name a user (user:default/alice, or alice), not '${guest}'`,
    );
  }
  process.env.GATEHOUSE_DEV_GUEST = stringifyEntityRef(ref);
}

// Written only when missing, so that edits made to try out the reload
// survive a restart; delete the file to get the dev token back.
if (!existsSync(tokensFile)) {
  mkdirSync(dirname(tokensFile), { recursive: true });
  writeFileSync(
    tokensFile,
    [
      '# Dev tokens for the `monitoring` entry of dev/app-config.dev.yaml.',
      '# Changes apply within 2 s while the backend runs; no restart needed.',
      'tokens:',
      `  - token: ${DEV_TOKENS.monitoring}`,
      '    subject: monitoring',
      '',
    ].join('\n'),
  );
}

const backend = createBackend();
backend.add(devRootConfigServiceFactory([DEV_CONFIG_FILE]));
backend.add(import('../src'));
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-permission-backend'));
if (policy === 'owners') {
  backend.add(
    import('../docs/examples/owner-policy').then(({ ownerPolicyModule }) => ({
      default: ownerPolicyModule({ admins: DEV_POLICY_ADMINS }),
    })),
  );
} else {
  backend.add(
    import('@backstage/plugin-permission-backend-module-allow-all-policy'),
  );
}
// Two instances of the demo plugin, so that they can call each other.
backend.add(createDemoPlugin('demo'));
backend.add(createDemoPlugin('other'));
backend.add(reportsPlugin);
// Owners' notices (gatehouse.notifications) go through it.
backend.add(import('@backstage/plugin-notifications-backend'));
// Sign-in for the dev app: guests.
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

/**
 * Stops the identity provider and the dev app within the backend's own
 * shutdown, which Backstage runs on SIGINT and SIGTERM before it exits the
 * process.
 */
function stopOnShutdown(stops: Array<() => Promise<void>>) {
  return createBackendModule({
    // A module needs a plugin; the dev-only demo plugin is always there.
    pluginId: 'demo',
    moduleId: 'dev-identity-provider',
    register(env) {
      env.registerInit({
        deps: { lifecycle: coreServices.rootLifecycle },
        async init({ lifecycle }) {
          lifecycle.addShutdownHook(async () => {
            await Promise.all(stops.map(stop => stop()));
          });
        },
      });
    },
  });
}

async function startIdentityProvider(): Promise<IdentityProviderProcess> {
  try {
    // The launcher also kills it when this process exits, and it exits by
    // itself when its stdin closes, so even a SIGKILL leaves no orphan.
    return await spawnIdentityProvider(Number(idpPort));
  } catch (error) {
    if (String(error).includes('EADDRINUSE')) {
      throw new Error(
        `Port ${idpPort} of the dev identity provider is in use (another npm start?); set GATEHOUSE_DEV_IDP_PORT to use another`,
      );
    }
    throw error;
  }
}

/** The comment line over an example's curl command. */
function exampleTitle(example: DevExample): string {
  const expected = [`expect ${example.expectedStatus}`];
  if (example.expectedSubject) {
    expected.push(`subject ${example.expectedSubject}`);
  }
  if (example.expectedAudit) {
    expected.push('audited as access-restriction-denial');
  }
  return `# ${example.title} (${expected.join(', ')})`;
}

function jwtSection(issuer: string): string[] {
  const lines = [
    '## JWTs',
    `# A local OpenID provider (oidc-provider) on ${issuer} issues access tokens by client credentials;`,
    '# the gatehouse-jwks entry of dev/app-config.dev.yaml takes them.',
    '',
  ];
  const requested = new Set<string>();
  for (const example of devJwtExamples(baseUrl, issuer)) {
    const request = example.tokenRequest;
    if (!requested.has(request.variable)) {
      requested.add(request.variable);
      lines.push(`# a token for audience ${request.audience}`);
      lines.push(tokenCommand(request, 'jq'));
      lines.push(`#   without jq: ${tokenCommand(request, 'node')}`);
    }
    lines.push(exampleTitle(example), curlCommand(example), '');
  }
  return lines;
}

function banner(issuer: string, appUrl?: string): string {
  const shownFile = relative(repoRoot, tokensFile).startsWith('..')
    ? tokensFile
    : relative(repoRoot, tokensFile);
  const lines = [
    '',
    `${READY_MARKER} on ${baseUrl} (started in ${process.uptime().toFixed(1)} s)`,
    'Dev-only tokens, public in dev/examples.ts; the catalog needs a few seconds to load its entities.',
    '',
    ...(appUrl
      ? [
          '## The Service access page (sign in as a guest)',
          `${appUrl}/gatehouse`,
          ...(guest
            ? [
                `# the guest is ${process.env.GATEHOUSE_DEV_GUEST} (GATEHOUSE_DEV_GUEST)`,
              ]
            : []),
          '',
        ]
      : []),
    ...(policy === 'owners'
      ? [
          '## Permission policy: owners (GATEHOUSE_DEV_POLICY=owners, docs/examples/owner-policy.ts)',
          `# ${DEV_POLICY_ADMINS.join(', ')} may manage every credential; everybody else their user's and groups' only.`,
          '',
        ]
      : []),
  ];
  for (const { title, note, examples } of devSections(baseUrl)) {
    lines.push(`## ${title}`);
    if (note) lines.push(`# ${note}`);
    lines.push('');
    for (const example of examples) {
      lines.push(exampleTitle(example), curlCommand(example));
      if (example.token === DEV_TOKENS.monitoring) {
        lines.push(
          `#   edit ${shownFile} to add or remove tokens: applied within 2 s, no restart`,
        );
      }
      lines.push('');
    }
  }
  lines.push(...jwtSection(issuer));
  lines.push(
    '## Managed tokens (gatehouse-managed)',
    '# Issued at run time through /api/gatehouse, each with its own scope and expiry; shown once, stored as a hash.',
    '',
    '# create one for the catalog only, with the dev admin token',
    managedTokenCommand(baseUrl, 'jq'),
    `#   without jq: ${managedTokenCommand(baseUrl, 'node')}`,
  );
  for (const example of devManagedExamples(baseUrl)) {
    lines.push(exampleTitle(example), curlCommand(example));
  }
  lines.push('');
  lines.push(
    '## Every credential, with its last use (docs/reviewing-access.md)',
    inventoryCommand(baseUrl),
    '',
    '## Why a token is accepted or rejected',
    `# ${EXPLAIN_TITLE}`,
    explainCommand(DEV_CONFIG_FILE, DEV_TOKENS.expired),
    '',
  );
  return lines.join('\n');
}

async function main() {
  // Before the backend, so that gatehouse-jwks finds it at start-up.
  const idp = await startIdentityProvider();
  console.log(
    `Dev identity provider ready on ${idp.ready.issuer} (pid ${idp.ready.pid})`,
  );
  const stops = [() => idp.stop()];
  backend.add(stopOnShutdown(stops));
  let app: DevApp | undefined;
  try {
    await backend.start();
    if (withApp) {
      console.log('Starting the dev app (the first compile takes a while)...');
      app = await startDevApp(appPort);
      stops.push(() => app!.stop());
    }
  } catch (error) {
    await Promise.all(stops.map(stop => stop()));
    throw error;
  }
  console.log(banner(idp.ready.issuer, app?.url));
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
