/**
 * One backend variant under load, in its own process so that its CPU time is
 * not mixed with autocannon's. Started by BackendProcess; speaks over IPC:
 *
 *   parent -> { type: 'start', externalAccess, pluginKeyStore }
 *   child  -> { type: 'ready', port }
 *   parent -> { type: 'sample' | 'gc', id }   child -> { type: 'sample', id, sample }
 *   parent -> { type: 'stop' }                 (the child exits)
 *
 * The backend is startTestBackend with the real auth and httpAuth services,
 * the config given, Gatehouse (in every variant, so that the permissions
 * wrapper and everything else is the same and only externalAccess differs)
 * and the bench plugin. Its other services are the test doubles, among them
 * a root logger that drops everything: production would add one log line per
 * request to every variant alike.
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import gatehouse from '../src';
import { realAuthFeatures } from '../src/testing/realAuthFeatures';
import { benchPlugin } from './benchPlugin';
import type { ChildSample, ParentMessage } from './ipc';

function sample(): ChildSample {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    cpuMicros: cpu.user + cpu.system,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
  };
}

function send(message: unknown) {
  process.send!(message);
}

async function start(externalAccess: unknown[], pluginKeyStore: JsonObject) {
  const rootConfig = mockServices.rootConfig({
    data: {
      backend: { auth: { pluginKeyStore, externalAccess } },
    } as JsonObject,
  });
  const backend = await startTestBackend({
    features: [...realAuthFeatures(rootConfig), gatehouse, benchPlugin],
  });
  return backend;
}

let backend: Awaited<ReturnType<typeof start>> | undefined;

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'start':
      start(message.externalAccess, message.pluginKeyStore).then(
        started => {
          backend = started;
          send({ type: 'ready', port: started.server.port() });
        },
        error => {
          send({ type: 'failed', error: String(error?.stack ?? error) });
          process.exit(1);
        },
      );
      break;
    case 'sample':
      send({ type: 'sample', id: message.id, sample: sample() });
      break;
    case 'gc':
      // Twice: the first pass may only schedule finalizers.
      global.gc?.();
      global.gc?.();
      send({ type: 'sample', id: message.id, sample: sample() });
      break;
    case 'stop':
      // --cpu-prof writes its profile on a normal exit only.
      Promise.resolve(backend?.stop())
        .catch(() => undefined)
        .finally(() => process.exit(0));
      break;
    default:
      break;
  }
});

// The parent is gone (even SIGKILLed): do not linger.
process.on('disconnect', () => process.exit(0));
