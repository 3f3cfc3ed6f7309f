/**
 * The handlers alone, in this process, against the floor of what they must
 * do: one SHA-256 and one map lookup for a static token; jose.jwtVerify with
 * the key in hand for a JWT. The "chain" cases try the handlers of every
 * entry in config order, as Backstage's ExternalAuthTokenHandler does.
 *
 * Costs are CPU time (all threads: jose verifies signatures on libuv's
 * thread pool) per call, not wall time, which on a shared machine mostly
 * measures the neighbours. The cases of a group are interleaved pass by pass
 * and the median pass is quoted.
 */
import { mockServices } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import { createHash, createPublicKey, hash } from 'node:crypto';
import { resolve } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { AuthService } from '@backstage/backend-plugin-api';
import { DelegationGuardedAuthService } from '../src/auth/DelegationGuardedAuthService';
import { authFactoryInternals } from '../src/auth/gatehouseAuthServiceFactory';
import { createJwksTokenHandler } from '../src/jwks/jwksTokenHandler';
import { JwksRegistry } from '../src/jwks/JwksRegistry';
import { RejectionLog } from '../src/lib/RejectionLog';
import { createManagedTokenHandler } from '../src/managed/managedTokenHandler';
import { UsageLedger } from '../src/inventory/UsageLedger';
import { createManagedToken } from '../src/managed/managedTokenFormat';
import { ManagedTokenTable } from '../src/managed/ManagedTokenTable';
import { createStaticTokenHandler } from '../src/static/staticTokenHandler';
import { StaticTokenRegistry } from '../src/static/StaticTokenRegistry';
import { staticPluginKeyStoreConfig } from '../src/testing/pluginKeyStore';
import type { Alg, Provider } from './identityProviders';
import { log } from './log';
import type { MicroPools } from './scenarios';
import { median } from './stats';
import { attachedCompromisedList } from './compromisedList';
import { cycle, mintJwt, randomKidJwt, randomStaticToken } from './tokens';

export interface MicroResult {
  name: string;
  nsPerOp: number;
  /** The case this one is compared with, and the ratio. */
  floor?: string;
  ratio?: number;
}

interface Case {
  name: string;
  floor?: string;
  iterations: number;
  op: () => unknown;
  /** Runs Gatehouse's code (else a floor: crypto, jose, the built-in handler). */
  gatehouse?: boolean;
}

/** The parts of Gatehouse the micro benchmark calls, from one checkout. */
interface GatehouseParts {
  StaticTokenRegistry: typeof StaticTokenRegistry;
  JwksRegistry: typeof JwksRegistry;
  createJwksTokenHandler: typeof createJwksTokenHandler;
  createStaticTokenHandler: typeof createStaticTokenHandler;
  RejectionLog: typeof RejectionLog;
}

const THIS_CHECKOUT: GatehouseParts = {
  StaticTokenRegistry,
  JwksRegistry,
  createJwksTokenHandler,
  createStaticTokenHandler,
  RejectionLog,
};

/**
 * The same parts from another checkout's `src` (BENCH_AGAINST), loaded in
 * this process by tsx, for a paired comparison: both versions run
 * interleaved under the same load, which a 2-core VM's drift between two
 * runs (±40% for the same code) would otherwise drown.
 */
function partsAt(checkout: string): GatehouseParts {
  const load = (module: string) =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(resolve(checkout, 'src', module));
  return {
    StaticTokenRegistry: load('static/StaticTokenRegistry').StaticTokenRegistry,
    JwksRegistry: load('jwks/JwksRegistry').JwksRegistry,
    createJwksTokenHandler: load('jwks/jwksTokenHandler')
      .createJwksTokenHandler,
    createStaticTokenHandler: load('static/staticTokenHandler')
      .createStaticTokenHandler,
    RejectionLog: load('lib/RejectionLog').RejectionLog,
  };
}

const REPEATS = 6;
const noMetrics = { accepted() {}, rejected() {} };
const silentLogger = () => mockServices.rootLogger({ level: 'none' });

async function cpuNsPerOp(c: Case): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < c.iterations; i++) await c.op();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / c.iterations;
}

/** The cases with each pair (0 and 1, 2 and 3...) swapped. */
function swapPairs(cases: Case[]): Case[] {
  return cases.map((_c, i) => cases[i % 2 === 0 ? i + 1 : i - 1]);
}

/**
 * One warm-up pass of every case, then REPEATS interleaved passes; medians.
 * With `pairs` (cases given as pairs to compare), the case that goes first
 * in a pair alternates from pass to pass, so that neither side always runs
 * on the caches and JIT state the other left.
 */
async function measure(cases: Case[], pairs = false): Promise<MicroResult[]> {
  const passes = new Map<string, number[]>(cases.map(c => [c.name, []]));
  for (let repeat = 0; repeat <= REPEATS; repeat++) {
    const order = pairs && repeat % 2 === 1 ? swapPairs(cases) : cases;
    for (const c of order) {
      const ns = await cpuNsPerOp(c);
      if (repeat > 0) passes.get(c.name)!.push(ns);
    }
  }
  return cases.map(c => ({
    name: c.name,
    floor: c.floor,
    nsPerOp: median(passes.get(c.name)!),
  }));
}

function configOf(externalAccess: unknown[]) {
  return mockServices.rootConfig({
    data: { backend: { auth: { externalAccess } } } as JsonObject,
  });
}

/** The options Backstage would pass to each entry's `initialize`. */
function entryOptions(config: ReturnType<typeof configOf>) {
  return config
    .getConfigArray('backend.auth.externalAccess')
    .map(entry => entry.getConfig('options'));
}

async function staticCases(
  iterations: number,
  parts: GatehouseParts,
): Promise<Case[]> {
  const { StaticTokenRegistry, createStaticTokenHandler, RejectionLog } = parts;
  const tokens = Array.from({ length: 10_000 }, randomStaticToken);
  // Two callers in turn: the registry remembers the digest of the token it
  // hashed last (for the other entries of the same request), so one token
  // repeated would measure that memo, not a request.
  const lastTwo = () => cycle(tokens.slice(-2));
  const [floorToken, registryToken, handlerToken] = [0, 1, 2].map(lastTwo);
  const digests = new Map(
    tokens.map(t => [createHash('sha256').update(t).digest('hex'), t]),
  );
  const config = configOf([
    {
      type: 'gatehouse-static',
      options: { subject: 'caller', tokens: tokens.map(token => ({ token })) },
    },
  ]);
  const logger = silentLogger();
  const registry = await StaticTokenRegistry.create({ config, logger });
  registry.close(); // only its timers: verify keeps working
  const handler = createStaticTokenHandler({
    registry,
    rejections: RejectionLog.create({ logger, source: 'bench' }),
    metrics: noMetrics,
    ledger: new UsageLedger(),
    compromised: await attachedCompromisedList(),
    pluginId: 'bench',
    restrictedAway: new Set<number>(),
  });
  const context = handler.initialize({ options: entryOptions(config)[0] });
  const floor = 'sha256 (crypto.hash) + Map.get';
  return [
    {
      name: floor,
      iterations,
      op: () => digests.get(hash('sha256', floorToken(), 'hex')),
    },
    {
      name: 'StaticTokenRegistry.verify, 10,000 tokens, the last two in turn',
      floor,
      iterations,
      op: () => registry.verify(registryToken(), 0),
      gatehouse: true,
    },
    {
      name: 'gatehouse-static handler verifyToken, 10,000 tokens, the last two in turn',
      floor,
      iterations,
      op: () => handler.verifyToken(handlerToken(), context),
      gatehouse: true,
    },
  ];
}

/** A JwksRegistry for `providers`, one entry each, with its keys fetched, and its handler. */
async function jwks(providers: Provider[], parts: GatehouseParts) {
  const { JwksRegistry, createJwksTokenHandler, RejectionLog } = parts;
  const config = configOf(
    providers.map(p => ({
      type: 'gatehouse-jwks',
      options: { url: p.jwksUri, issuer: p.issuer, audience: p.audience },
    })),
  );
  const logger = silentLogger();
  const registry = JwksRegistry.create({ config, logger });
  registry.start();
  await Promise.all(registry.keySources().map(s => s.settled()));
  const handler = createJwksTokenHandler({
    registry,
    rejections: RejectionLog.create({ logger, source: 'bench' }),
    metrics: noMetrics,
    ledger: new UsageLedger(),
    compromised: await attachedCompromisedList(),
    pluginId: 'bench',
    restrictedAway: new Set<number>(),
  });
  const contexts = entryOptions(config).map(options =>
    handler.initialize({ options }),
  );
  // Backstage's ExternalAuthTokenHandler loop: entries in order, first result wins.
  const chain = async (token: string) => {
    for (const context of contexts) {
      const result = await handler.verifyToken(token, context);
      if (result) return result;
    }
    throw new Error('no entry accepted the token');
  };
  return { registry, chain };
}

async function jwtCases(
  provider: Provider,
  pools: Record<Alg, string[]>,
  iterations: number,
  parts: GatehouseParts,
): Promise<Case[]> {
  const remote = createRemoteJWKSet(new URL(provider.jwksUri));
  const options = { issuer: provider.issuer, audience: provider.audience };
  const cases: Case[] = [];
  for (const alg of ['ES256', 'RS256'] as Alg[]) {
    // `busy` also verifies distinct tokens, so its cache is full (10,000
    // entries), as on a server with many callers; `quiet` only ever sees one.
    const busy = await jwks([provider], parts);
    const quiet = await jwks([provider], parts);
    const publicKey = createPublicKey(provider.signingKeys[alg].privateKey);
    const floor = `jose.jwtVerify ${alg}, key in hand`;
    // Each case walks the pool on its own; a pool larger than the
    // verified-token cache, walked round-robin, never hits it.
    const [a, b, c] = [0, 1, 2].map(() => cycle(pools[alg]));
    const same = mintJwt(provider, alg);
    cases.push(
      {
        name: floor,
        iterations,
        op: () => jwtVerify(a(), publicKey, options),
      },
      {
        name: `jose.jwtVerify ${alg} with createRemoteJWKSet (the built-in jwks handler's call)`,
        floor,
        iterations,
        op: () => jwtVerify(b(), remote, options),
      },
      {
        name: `JwksRegistry.verify ${alg}, distinct tokens (not cached)`,
        floor,
        iterations,
        op: () => busy.registry.verify(c(), 0),
        gatehouse: true,
      },
      {
        name: `JwksRegistry.verify ${alg}, same token, cache holding only it`,
        floor,
        iterations: iterations * 20,
        op: () => quiet.registry.verify(same, 0),
        gatehouse: true,
      },
      {
        name: `JwksRegistry.verify ${alg}, same token, cache full of others`,
        floor,
        iterations: iterations * 5,
        op: () => busy.registry.verify(same, 0),
        gatehouse: true,
      },
    );
  }
  return cases;
}

/**
 * What entries 1-4 cost a token from provider 5: the same chain, once with a
 * token the 1st entry accepts, once with one only the 5th accepts.
 */
async function chainCases(
  providers: Provider[],
  fifthPool: string[],
  iterations: number,
  parts: GatehouseParts,
): Promise<Case[]> {
  const quiet = await jwks(providers, parts);
  const busy = await jwks(providers, parts);
  const fromFirst = mintJwt(providers[0], 'ES256');
  const fromFifth = mintJwt(providers[4], 'ES256');
  const distinctFifth = cycle(fifthPool);
  // Unknown kids cost one key fetch per cooldown: after the first, a
  // rejection from the cache of keys, with its log line.
  const randomKidFifth = () => randomKidJwt(providers[4]);
  const quietFirst =
    'gatehouse-jwks, 5 entries, token from the 1st, cached, cache holding only it';
  const busyFirst =
    'gatehouse-jwks, 5 entries, token from the 1st, cached, cache full of others';

  const remotes = providers.map(p => ({
    jwks: createRemoteJWKSet(new URL(p.jwksUri)),
    options: { issuer: p.issuer, audience: p.audience },
  }));
  // The built-in jwks handler's code, entry by entry (it is not exported).
  const builtInChain = async (token: string) => {
    for (const { jwks: keys, options } of remotes) {
      try {
        return await jwtVerify(token, keys, options);
      } catch {
        // Swallowed, as the built-in handler does; the next entry tries.
      }
    }
    throw new Error('no entry accepted the token');
  };
  const builtInFirst = 'built-in jwks, 5 entries, token from the 1st';

  return [
    {
      name: quietFirst,
      iterations: iterations * 20,
      op: () => quiet.chain(fromFirst),
      gatehouse: true,
    },
    {
      name: 'gatehouse-jwks, 5 entries, token from the 5th, cached, cache holding only it',
      floor: quietFirst,
      iterations: iterations * 20,
      op: () => quiet.chain(fromFifth),
      gatehouse: true,
    },
    {
      name: 'gatehouse-jwks, 5 entries, token from the 5th, distinct tokens',
      floor: 'jose.jwtVerify ES256, key in hand',
      iterations,
      op: () => busy.chain(distinctFifth()),
      gatehouse: true,
    },
    {
      name: busyFirst,
      iterations: iterations * 5,
      op: () => busy.chain(fromFirst),
      gatehouse: true,
    },
    {
      name: 'gatehouse-jwks, 5 entries, token from the 5th, cached, cache full of others',
      floor: busyFirst,
      iterations: iterations * 2,
      op: () => busy.chain(fromFifth),
      gatehouse: true,
    },
    {
      name: 'gatehouse-jwks, 5 entries, random kids from the 5th (rejected)',
      iterations,
      op: () => busy.chain(randomKidFifth()).catch(() => undefined),
      gatehouse: true,
    },
    { name: builtInFirst, iterations, op: () => builtInChain(fromFirst) },
    {
      name: 'built-in jwks, 5 entries, token from the 5th',
      floor: builtInFirst,
      iterations,
      op: () => builtInChain(fromFifth),
    },
  ];
}

/**
 * A `gatehouse-managed` handler over a table of 100,000 tokens (filled as
 * the sync would), against the `gatehouse-static` handler of `staticCases`:
 * the bound is 1.05× a static token.
 */
async function managedCases(iterations: number): Promise<Case[]> {
  const tokens = Array.from({ length: 100_000 }, createManagedToken);
  const now = Date.now();
  const records = tokens.map((token, i) => {
    const tokenHash = createHash('sha256').update(token).digest('hex');
    return {
      id: String(i),
      tokenHash,
      fingerprint: tokenHash.slice(0, 8),
      subject: `caller-${i}`,
      description: 'bench',
      createdBy: 'bench',
      createdAt: now,
      expiresAt: now + 86_400_000,
      updatedAt: now,
    };
  });
  const logger = silentLogger();
  const table = new ManagedTokenTable({ logger });
  await table.attach({
    now: async () => Date.now(),
    active: async () => records,
    changedSince: async () => [],
  } as never);
  table.close();
  const handler = createManagedTokenHandler({
    table,
    rejections: RejectionLog.create({ logger, source: 'bench' }),
    metrics: noMetrics,
    ledger: new UsageLedger(),
    compromised: await attachedCompromisedList(),
    pluginId: 'bench',
  });
  const next = cycle(tokens.slice(-2));
  return [
    {
      name: 'gatehouse-managed handler verifyToken, 100,000 tokens, the last two in turn',
      floor:
        'gatehouse-static handler verifyToken, 10,000 tokens, the last two in turn',
      iterations,
      op: () => handler.verifyToken(next(), undefined),
      gatehouse: true,
    },
  ];
}

/**
 * Usage recording on and off, side by side: the same handler over the same
 * table, once with a ledger that records and once with one that is off
 * (`gatehouse.usage.enabled: false`). The bound is 2% more server CPU
 * per request; these ratios are per handler call, a small part of a request.
 */
async function usageCases(iterations: number): Promise<Case[]> {
  const tokens = Array.from({ length: 10_000 }, randomStaticToken);
  const config = configOf([
    {
      type: 'gatehouse-static',
      options: { subject: 'caller', tokens: tokens.map(token => ({ token })) },
    },
  ]);
  const logger = silentLogger();
  const registry = await StaticTokenRegistry.create({ config, logger });
  registry.close();
  const compromised = await attachedCompromisedList();
  const handlerWith = (enabled: boolean) =>
    createStaticTokenHandler({
      registry,
      rejections: RejectionLog.create({ logger, source: 'bench' }),
      metrics: noMetrics,
      ledger: new UsageLedger({ enabled }),
      compromised,
      pluginId: 'bench',
      restrictedAway: new Set<number>(),
    });
  const off = handlerWith(false);
  const on = handlerWith(true);
  const context = off.initialize({ options: entryOptions(config)[0] });
  const [offToken, onToken] = [0, 1].map(() => cycle(tokens.slice(-2)));
  const floor =
    'gatehouse-static handler verifyToken, 10,000 tokens, usage recording off';
  return [
    {
      name: floor,
      iterations,
      op: () => off.verifyToken(offToken(), context),
      gatehouse: true,
    },
    {
      name: 'gatehouse-static handler verifyToken, 10,000 tokens, usage recording on',
      floor,
      iterations,
      op: () => on.verifyToken(onToken(), context),
      gatehouse: true,
    },
  ];
}

/**
 * Gatehouse's coreServices.auth against Backstage's: the same
 * DefaultAuthService (made by Backstage's authServiceFactory, with its
 * built-in static handler and one token) called directly and through
 * DelegationGuardedAuthService, which every request's authenticate passes.
 */
async function authServiceCases(iterations: number): Promise<Case[]> {
  const token = randomStaticToken();
  const config = mockServices.rootConfig({
    data: {
      backend: {
        baseUrl: 'http://localhost:7007',
        auth: {
          pluginKeyStore: await staticPluginKeyStoreConfig(),
          externalAccess: [
            { type: 'static', options: { token, subject: 'caller' } },
          ],
        },
      },
    } as JsonObject,
  });
  const internals = authFactoryInternals()!;
  const backstage = (await internals.factory(
    {
      config,
      logger: silentLogger(),
      discovery: mockServices.discovery(),
      plugin: { getId: () => 'bench' },
      database: undefined,
      pluginTokenHandlerDecorator: (handler: unknown) => handler,
      externalTokenHandlers: [],
    },
    undefined,
  )) as AuthService;
  const guarded = new DelegationGuardedAuthService(backstage);
  const floor =
    "Backstage's auth.authenticate (DefaultAuthService), built-in static, 1 token";
  return [
    { name: floor, iterations, op: () => backstage.authenticate(token) },
    {
      name: "Gatehouse's coreServices.auth (DelegationGuardedAuthService) over the same",
      floor,
      iterations,
      op: () => guarded.authenticate(token),
      gatehouse: true,
    },
  ];
}

/** Each group of cases, for one checkout's parts. */
async function caseGroups(
  options: { providers: Provider[]; pools: MicroPools; iterations: number },
  parts: GatehouseParts,
): Promise<Array<{ title: string; cases: Case[] }>> {
  const { providers, pools, iterations } = options;
  return [
    {
      title: 'static',
      cases: [
        ...(await staticCases(iterations * 40, parts)),
        // Only this checkout has managed tokens to compare.
        ...(parts === THIS_CHECKOUT ? await managedCases(iterations * 40) : []),
      ],
    },
    ...(parts === THIS_CHECKOUT
      ? [
          {
            title: 'usage recording',
            cases: await usageCases(iterations * 40),
          },
          {
            title: 'auth service',
            cases: await authServiceCases(iterations * 10),
          },
        ]
      : []),
    {
      title: 'one provider',
      cases: await jwtCases(providers[0], pools.first, iterations, parts),
    },
    {
      title: 'five providers',
      cases: await chainCases(providers, pools.fifth, iterations, parts),
    },
  ];
}

/**
 * CPU ns/op of each case, with its ratio to the case it is compared with;
 * with `against` (another checkout), Gatehouse's cases of both checkouts,
 * interleaved, each compared with the other checkout's.
 */
export async function runMicro(options: {
  providers: Provider[];
  pools: MicroPools;
  iterations: number;
  against?: string;
}): Promise<MicroResult[]> {
  const groups = await caseGroups(options, THIS_CHECKOUT);
  const otherGroups = options.against
    ? await caseGroups(options, partsAt(options.against))
    : undefined;
  const results: MicroResult[] = [];
  for (const group of groups) {
    // By title: the other checkout has only the groups of its parts.
    const otherGroup = otherGroups?.find(g => g.title === group.title);
    if (otherGroups && !otherGroup) continue;
    log(`micro benchmark: ${group.title}`);
    const cases = otherGroup
      ? group.cases
          .filter(c => c.gatehouse)
          .flatMap(c => {
            const other = otherGroup.cases.find(o => o.name === c.name);
            // Only pairs are measured: a case new in this checkout has
            // nothing to be compared with.
            if (!other) return [];
            const otherName = `${c.name} [other checkout]`;
            return [
              { ...other, name: otherName, floor: undefined },
              { ...c, floor: otherName },
            ];
          })
      : group.cases;
    results.push(...(await measure(cases, otherGroups !== undefined)));
  }
  const byName = new Map(results.map(r => [r.name, r]));
  for (const result of results) {
    if (result.floor) {
      result.ratio = result.nsPerOp / byName.get(result.floor)!.nsPerOp;
    }
  }
  return results;
}
