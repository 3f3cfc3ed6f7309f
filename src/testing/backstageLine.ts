import { readFileSync } from 'node:fs';

/** The installed `@backstage/backend-defaults` version (the release line under test). */
export const BACKEND_DEFAULTS_VERSION: string = JSON.parse(
  readFileSync(
    require.resolve('@backstage/backend-defaults/package.json'),
    'utf8',
  ),
).version;

function atLeast(version: string, minimum: string): boolean {
  const [a, b] = [version, minimum].map(v =>
    v.split(/[.-]/, 3).map(part => Number(part)),
  );
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) return a[i] > b[i];
  }
  return true;
}

/**
 * Whether Backstage itself refuses to delegate a restricted service caller
 * and keeps every plugin's restrictions of an external token on its
 * credentials (`allAccessRestrictions`): backend-defaults 0.17.8 and later,
 * and 0.16.1 (a backport; 0.16.0, Red Hat Developer Hub 1.10's, has not).
 */
export const BACKSTAGE_GUARDS_DELEGATION =
  atLeast(BACKEND_DEFAULTS_VERSION, '0.17.8') ||
  (atLeast(BACKEND_DEFAULTS_VERSION, '0.16.1') &&
    !atLeast(BACKEND_DEFAULTS_VERSION, '0.17.0'));

/** Whether Backstage has WebSocket routes, authenticated through the token handlers: 0.19 and later. */
export const HAS_WEBSOCKET_ROUTES = atLeast(BACKEND_DEFAULTS_VERSION, '0.19.0');
