/**
 * One replica of the multi-replica test (replicas/run.sh): a plain Backstage
 * backend with Gatehouse, the two demo plugins and a `minter` plugin. All
 * settings come from `--config` files (the test writes one per replica), so
 * the database and the plugin key store are Backstage's defaults for them.
 *
 * Run: node --import tsx replicas/backend.ts --config replica.yaml
 */
import { createBackend } from '@backstage/backend-defaults';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import Router from 'express-promise-router';
import { createDemoPlugin } from '../dev/demoPlugin';

/**
 * `GET /api/minter/token-for/<plugin>` answers `{ token }`: a plugin token
 * from `minter` to that plugin, signed with this replica's key, so that the
 * test can present it to the other replica. Behind the default auth policy:
 * only authenticated callers (the test's static token) get one.
 */
const minterPlugin = createBackendPlugin({
  pluginId: 'minter',
  register(env) {
    env.registerInit({
      deps: { auth: coreServices.auth, httpRouter: coreServices.httpRouter },
      async init({ auth, httpRouter }) {
        const router = Router();
        router.get('/token-for/:target', async (req, res) => {
          const { token } = await auth.getPluginRequestToken({
            onBehalfOf: await auth.getOwnServiceCredentials(),
            targetPluginId: req.params.target,
          });
          res.json({ token });
        });
        httpRouter.use(router);
      },
    });
  },
});

// A replica whose clock is off (REPLICA_CLOCK_SKEW_MS=-61000: a minute and a
// second slow), for the check that replicas never compare their own clocks.
// Date.now is what Gatehouse reads; the database keeps the true time.
const skewMs = Number(process.env.REPLICA_CLOCK_SKEW_MS ?? 0);
if (skewMs) {
  const trueNow = Date.now;
  Date.now = () => trueNow() + skewMs;
}

const backend = createBackend();
backend.add(import('../src'));
backend.add(createDemoPlugin('demo'));
backend.add(createDemoPlugin('other'));
backend.add(minterPlugin);
// Owners' notices, and a user (the guest) to read them as.
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

// The test keeps a pipe to our stdin: when the test process dies, even by
// SIGKILL, the pipe closes and this replica shuts down instead of lingering.
// SIGTERM to ourselves runs Backstage's own graceful shutdown.
if (process.env.REPLICA_STOP_ON_STDIN_EOF === '1') {
  process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
  process.stdin.resume();
}

backend.start().catch(error => {
  process.stderr.write(`Replica failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
});
