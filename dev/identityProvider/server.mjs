// A real OpenID provider (panva's oidc-provider) on loopback, for tests and the
// dev backend. Run: node dev/identityProvider/server.mjs [--port 0]
// [--exit-on-stdin-eof]. Prints one JSON ready line on stdout; see README.md.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { KeyRing } from './keys.mjs';
import { CLIENTS, DEFAULT_AUDIENCE, createProvider } from './provider.mjs';
import { FaultSwitch, serveWithFault } from './faults.mjs';
import { CONTROL_PREFIX, handleControl } from './control.mjs';

// oidc-provider prints its notices with console.info; stdout carries only the
// ready line, which the test harness parses.
console.info = console.error;
console.log = console.error;

const DISCOVERY_PATH = '/.well-known/openid-configuration';
const JWKS_PATH = '/jwks';
const TOKEN_PATH = '/token';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'exit-on-stdin-eof': { type: 'boolean', default: false },
  },
});

// A restart can bring back the previous process's keys, as a real IdP would.
const keyRing = process.env.GATEHOUSE_TEST_IDP_KEYS
  ? new KeyRing(parseKeys(process.env.GATEHOUSE_TEST_IDP_KEYS))
  : await KeyRing.generate();

function parseKeys(json) {
  try {
    return JSON.parse(json);
  } catch {
    // JSON.parse quotes the text around the error: private key material.
    throw new Error('GATEHOUSE_TEST_IDP_KEYS is not a JSON array of JWKs');
  }
}

const state = {
  keyRing,
  handler: undefined,
  faults: { jwks: new FaultSwitch(), discovery: new FaultSwitch() },
  counts: { jwks: 0, discovery: 0, token: 0 },
  controlQueue: Promise.resolve(),
  /**
   * oidc-provider reads `jwks` once, at construction: a new key set means a new
   * Provider; requests in flight finish on the old one.
   */
  useKeyRing(ring) {
    state.handler = createProvider(issuer, ring).callback();
    state.keyRing = ring;
  },
  describeFaults() {
    return {
      jwks: state.faults.jwks.describe(),
      discovery: state.faults.discovery.describe(),
    };
  },
};

const faultedEndpoints = { [JWKS_PATH]: 'jwks', [DISCOVERY_PATH]: 'discovery' };

const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://127.0.0.1').pathname;
  if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) {
    handleControl(state, req, res, path.slice(CONTROL_PREFIX.length));
    return;
  }
  if (path === TOKEN_PATH) state.counts.token += 1;
  const endpoint = faultedEndpoints[path];
  if (!endpoint) {
    state.handler(req, res);
    return;
  }
  state.counts[endpoint] += 1;
  const fault = state.faults[endpoint].take();
  serveWithFault(fault, req, res, () => state.handler(req, res)).catch(
    error => {
      console.error(error);
      res.destroy();
    },
  );
});

await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(args.port), '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;
state.useKeyRing(keyRing);

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  // Requests parked by the `slow` fault must not hold the exit.
  setTimeout(() => process.exit(0), 1000).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
if (args['exit-on-stdin-eof']) {
  // The parent holds our stdin: EOF means it is gone, even if it was SIGKILLed.
  process.stdin.on('end', shutdown).on('error', shutdown).resume();
}

process.stdout.write(
  `${JSON.stringify({
    ready: true,
    pid: process.pid,
    issuer,
    discoveryUrl: `${issuer}${DISCOVERY_PATH}`,
    jwksUri: `${issuer}${JWKS_PATH}`,
    tokenEndpoint: `${issuer}${TOKEN_PATH}`,
    controlUrl: `${issuer}${CONTROL_PREFIX}`,
    defaultAudience: DEFAULT_AUDIENCE,
    clients: CLIENTS,
    keys: state.keyRing.summary(),
  })}\n`,
);
