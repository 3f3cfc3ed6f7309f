import autocannon from 'autocannon';
import type { BackendProcess } from './BackendProcess';
import { jwksCounts, Provider, resetJwksCounts } from './identityProviders';
import type { Scenario } from './scenarios';

/** What one measured window of one scenario and variant gave. */
export interface WindowResult {
  /** Server (child) CPU time, user + system, per completed request. */
  cpuMicrosPerRequest: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  completed: number;
  non2xx: number;
  /** Connection errors and timeouts: should be 0. */
  errors: number;
  /** Requests each provider's JWKS endpoint got during the window. */
  jwksFetches?: number[];
}

export interface Load {
  url: string;
  headers?: Record<string, string>;
  requests?: autocannon.Request[];
}

/** The autocannon options that send a scenario's tokens to one backend. */
export function loadFor(
  scenario: Scenario,
  backend: BackendProcess,
  fixedToken = scenario.fixedToken,
): Load {
  const url = `${backend.baseUrl}${scenario.path}`;
  if (scenario.tokens) {
    const next = scenario.tokens();
    // autocannon rebuilds the request before each send when setupRequest
    // is set, so every request carries the next token.
    return {
      url,
      requests: [
        {
          setupRequest: request => ({
            ...request,
            headers: { ...request.headers, authorization: `Bearer ${next()}` },
          }),
        },
      ],
    };
  }
  return {
    url,
    headers: fixedToken ? { authorization: `Bearer ${fixedToken}` } : {},
  };
}

/**
 * Loads `backend` for `seconds` and reads the child's CPU time just before
 * and just after, so that CPU per request covers the window only. JWKS
 * request counts are zeroed before and read after, while no other backend is
 * under load (idle backends do not fetch keys).
 */
export async function measureWindow(options: {
  backend: BackendProcess;
  load: Load;
  seconds: number;
  connections: number;
  providers?: Provider[];
}): Promise<WindowResult> {
  const { backend, load, seconds, connections, providers } = options;
  if (providers) {
    await resetJwksCounts(providers);
  }
  const before = await backend.sample();
  const result = await autocannon({
    ...load,
    connections,
    duration: seconds,
  });
  const after = await backend.sample();
  const completed = result.requests.total;
  return {
    cpuMicrosPerRequest: (after.cpuMicros - before.cpuMicros) / completed,
    requestsPerSecond: completed / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    completed,
    non2xx: result.non2xx,
    errors: result.errors,
    jwksFetches: providers ? await jwksCounts(providers) : undefined,
  };
}
