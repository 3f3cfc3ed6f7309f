/**
 * The dev backend of `npm start`: a real Backstage backend with Gatehouse,
 * the catalog, the permission framework and the demo plugin, on an in-memory
 * SQLite database. Prints ready-to-paste curl commands once it is up.
 */
import { createBackend } from '@backstage/backend-defaults';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { devRootConfigServiceFactory } from './config';
import { curlCommand, DEV_TOKENS, devExamples, READY_MARKER } from './examples';

const repoRoot = resolve(__dirname, '..');
// Catalog file locations, tokensFile and the config schema lookup resolve
// paths against the working directory, so `npx tsx dev/index.ts` must not
// depend on where it is started from.
process.chdir(repoRoot);

// Defaults only: a variable set by the caller wins (the tests pick a free port).
const defaults: Record<string, string> = {
  GATEHOUSE_DEV_PORT: '7007',
  CI_TOKEN: DEV_TOKENS.ciPipeline,
  DEPLOY_BOT_TOKEN: DEV_TOKENS.deployBot,
  GATEHOUSE_TOKENS_FILE: join(repoRoot, '.gatehouse-dev', 'tokens.yaml'),
};
for (const [name, value] of Object.entries(defaults)) {
  process.env[name] ||= value;
}
const port = process.env.GATEHOUSE_DEV_PORT!;
if (!/^\d{1,5}$/.test(port)) {
  throw new Error(`GATEHOUSE_DEV_PORT must be a port number, not '${port}'`);
}
const baseUrl = `http://localhost:${port}`;
const tokensFile = resolve(process.env.GATEHOUSE_TOKENS_FILE!);

// Written only when missing, so that edits made to try out the reload
// survive a restart; delete the file to get the dev token back.
if (!existsSync(tokensFile)) {
  mkdirSync(dirname(tokensFile), { recursive: true });
  writeFileSync(
    tokensFile,
    [
      '# Dev tokens for the `monitoring` entry of app-config.example.yaml.',
      '# Changes apply within 2 s while the backend runs; no restart needed.',
      'tokens:',
      `  - token: ${DEV_TOKENS.monitoring}`,
      '    subject: monitoring',
      '',
    ].join('\n'),
  );
}

const backend = createBackend();
backend.add(
  devRootConfigServiceFactory([
    join(repoRoot, 'app-config.example.yaml'),
    join(repoRoot, 'dev', 'app-config.dev.yaml'),
  ]),
);
backend.add(import('../src'));
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(
  import('@backstage/plugin-permission-backend-module-allow-all-policy'),
);
backend.add(import('./demoPlugin'));

function banner(): string {
  const shownFile = relative(repoRoot, tokensFile).startsWith('..')
    ? tokensFile
    : relative(repoRoot, tokensFile);
  const lines = [
    '',
    `${READY_MARKER} on ${baseUrl} (started in ${process.uptime().toFixed(1)} s)`,
    'Dev-only tokens, public in dev/examples.ts; the catalog needs a few seconds to load its entities.',
    '',
  ];
  for (const example of devExamples(baseUrl)) {
    lines.push(`# ${example.title} (expect ${example.expectedStatus})`);
    lines.push(curlCommand(example));
    if (example.token === DEV_TOKENS.monitoring) {
      lines.push(
        `#   edit ${shownFile} to add or remove tokens: applied within 2 s, no restart`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

backend
  .start()
  .then(() => console.log(banner()))
  .catch(error => {
    console.error(error);
    process.exit(1);
  });
