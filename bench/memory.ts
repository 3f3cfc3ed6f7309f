import autocannon from 'autocannon';
import type { JsonObject } from '@backstage/types';
import { BackendProcess } from './BackendProcess';
import { jwksCounts, Provider, resetJwksCounts } from './identityProviders';
import { log } from './log';
import { jwksEntries } from './scenarios';
import type { ChildSample } from './ipc';
import {
  garbageToken,
  mintJwt,
  randomKidJwt,
  randomStaticToken,
} from './tokens';

export interface MemoryResult {
  tokens: number;
  seconds: number;
  non2xx: number;
  /** After start-up and a warm-up of valid requests, after a full GC. */
  start: ChildSample;
  /** After the flood, before and after a full GC. */
  end: ChildSample;
  endAfterGc: ChildSample;
  peakRss: number;
  jwksFetches: number[];
  cooldownSeconds: number;
}

/** Same keys as in the config contract: the 5 s default applies. */
const COOLDOWN_SECONDS = 5;
const WARMUP_REQUESTS = 10_000;

/**
 * Sends `count` random tokens to a Gatehouse backend configured with 1,000
 * static tokens and the 5 providers: half garbage, half JWTs naming a random
 * `kid` of a random one of the 5 issuers. Every cache fed by request data is
 * bounded, so resident memory must level off; the JWKS endpoints must see at
 * most one fetch per provider per cooldown.
 */
export async function runMemoryStep(options: {
  providers: Provider[];
  pluginKeyStore: JsonObject;
  count: number;
  connections: number;
}): Promise<MemoryResult> {
  const { providers, count } = options;
  const staticTokens = Array.from({ length: 1_000 }, randomStaticToken);
  const backend = await BackendProcess.start({
    name: 'memory-gatehouse',
    pluginKeyStore: options.pluginKeyStore,
    externalAccess: [
      {
        type: 'gatehouse-static',
        options: {
          subject: 'caller',
          tokens: staticTokens.map(token => ({ token })),
        },
      },
      ...jwksEntries('gatehouse-jwks', providers),
    ],
  });
  try {
    const url = `${backend.baseUrl}/hello`;
    const valid = [
      `Bearer ${staticTokens[0]}`,
      ...providers.map(p => `Bearer ${mintJwt(p, 'ES256')}`),
    ];
    let n = 0;
    log(`memory step: warming up with ${WARMUP_REQUESTS} valid requests`);
    await autocannon({
      url,
      amount: WARMUP_REQUESTS,
      connections: options.connections,
      requests: [
        {
          setupRequest: request => ({
            ...request,
            headers: { authorization: valid[n++ % valid.length] },
          }),
        },
      ],
    });
    const start = await backend.sampleAfterGc();

    await resetJwksCounts(providers);
    let peakRss = start.rss;
    const poll = setInterval(() => {
      void backend.sample().then(s => {
        peakRss = Math.max(peakRss, s.rss);
      });
    }, 1_000);
    log(`memory step: sending ${count} random tokens`);
    const startedAt = Date.now();
    let i = 0;
    const result = await autocannon({
      url,
      amount: count,
      connections: options.connections,
      timeout: 30,
      requests: [
        {
          setupRequest: request => {
            const k = i++;
            const token =
              k % 2
                ? garbageToken()
                : randomKidJwt(providers[(k / 2) % providers.length]);
            return {
              ...request,
              headers: { authorization: `Bearer ${token}` },
            };
          },
        },
      ],
    });
    const seconds = (Date.now() - startedAt) / 1000;
    clearInterval(poll);
    const jwksFetches = await jwksCounts(providers);
    const end = await backend.sample();
    const endAfterGc = await backend.sampleAfterGc();
    return {
      tokens: result.requests.total,
      seconds,
      non2xx: result.non2xx,
      start,
      end,
      endAfterGc,
      peakRss: Math.max(peakRss, end.rss),
      jwksFetches,
      cooldownSeconds: COOLDOWN_SECONDS,
    };
  } finally {
    await backend.stop();
  }
}
