import type { JsonObject } from '@backstage/types';
import { BackendProcess } from './BackendProcess';
import type { Provider } from './identityProviders';
import { Load, loadFor, measureWindow, WindowResult } from './load';
import { log } from './log';
import { BackendSpec, Scenario, Variant, VARIANTS } from './scenarios';
import type { BenchSettings } from './settings';

export type Results = Map<string, Record<Variant, WindowResult[]>>;

/**
 * Starts every backend variant at once (idle children cost no CPU), warms
 * each scenario up on each variant, then measures round after round: every
 * scenario, both variants, built-in first in odd rounds and Gatehouse first in
 * even ones. A drift in machine load during the run thus touches every
 * scenario and variant alike, and the medians over rounds absorb bursts.
 */
export async function runRounds(options: {
  settings: BenchSettings;
  backends: BackendSpec[];
  scenarios: Scenario[];
  providers: Provider[];
  pluginKeyStore: JsonObject;
}): Promise<Results> {
  const { settings, scenarios, providers } = options;
  const needed = new Set(scenarios.map(s => s.backend));
  const processes = new Map<string, BackendProcess>();
  const key = (backend: string, variant: Variant) => `${backend}/${variant}`;
  try {
    for (const spec of options.backends.filter(b => needed.has(b.id))) {
      for (const variant of VARIANTS) {
        const name = key(spec.id, variant);
        log(`starting backend ${name}`);
        processes.set(
          name,
          await BackendProcess.start({
            name: name.replace('/', '-'),
            externalAccess: spec.externalAccess[variant],
            pluginKeyStore: options.pluginKeyStore,
            cpuProfDir: settings.cpuProfDir,
          }),
        );
      }
    }

    const loads = new Map<string, Load>();
    for (const scenario of scenarios) {
      for (const variant of VARIANTS) {
        const backend = processes.get(key(scenario.backend, variant))!;
        const issue = scenario.issueToken?.[variant];
        if (issue) {
          log(`issuing tokens for ${scenario.id} on ${variant}`);
        }
        const token = issue ? await issue(backend) : scenario.fixedToken;
        loads.set(key(scenario.id, variant), loadFor(scenario, backend, token));
      }
    }
    const window = (scenario: Scenario, variant: Variant, seconds: number) =>
      measureWindow({
        backend: processes.get(key(scenario.backend, variant))!,
        load: loads.get(key(scenario.id, variant))!,
        seconds,
        connections: settings.connections,
        providers: scenario.backend.startsWith('jwks') ? providers : undefined,
      });

    for (const scenario of scenarios) {
      for (const variant of VARIANTS) {
        log(`warming up ${scenario.id} on ${variant}`);
        await window(scenario, variant, settings.warmupSeconds);
      }
    }

    const results: Results = new Map(
      scenarios.map(s => [s.id, { 'built-in': [], gatehouse: [] }]),
    );
    for (let round = 1; round <= settings.rounds; round++) {
      const order = round % 2 ? VARIANTS : [...VARIANTS].reverse();
      for (const scenario of scenarios) {
        for (const variant of order) {
          const result = await window(scenario, variant, settings.seconds);
          results.get(scenario.id)![variant].push(result);
          log(
            `round ${round}/${settings.rounds} ${scenario.id} ${variant}: ${result.cpuMicrosPerRequest.toFixed(0)} us/req, ${result.requestsPerSecond.toFixed(0)} req/s, non-2xx ${result.non2xx}/${result.completed}${
              result.jwksFetches
                ? `, jwks fetches ${result.jwksFetches.join('/')}`
                : ''
            }`,
          );
        }
      }
    }
    return results;
  } finally {
    await Promise.all([...processes.values()].map(p => p.stop()));
  }
}
