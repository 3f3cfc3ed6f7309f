import { SUPPORTED_ALGS, generateSigningKey } from './keys.mjs';
import { parseFault } from './faults.mjs';

export const CONTROL_PREFIX = '/__control';

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body must be JSON');
  }
}

async function addKey(state, { alg, kid }) {
  if (!SUPPORTED_ALGS.includes(alg)) {
    throw new HttpError(400, `alg must be one of ${SUPPORTED_ALGS.join(', ')}`);
  }
  if (kid !== undefined && (typeof kid !== 'string' || !kid)) {
    throw new HttpError(400, 'kid must be a non-empty string');
  }
  if (kid !== undefined && state.keyRing.has(kid)) {
    throw new HttpError(409, `kid ${kid} is already in the key set`);
  }
  const key = await generateSigningKey(alg, kid);
  state.useKeyRing(state.keyRing.withKey(key));
  return key.kid;
}

function removeKey(state, kid) {
  const key = state.keyRing.keys.find(candidate => candidate.kid === kid);
  if (!key) throw new HttpError(404, `no key with kid ${kid}`);
  // Every client must keep a key for its alg, or its token requests would fail
  // with an opaque server_error instead of the behaviour under test.
  if (!state.keyRing.keys.some(k => k.alg === key.alg && k.kid !== kid)) {
    throw new HttpError(409, `${kid} is the last ${key.alg} key`);
  }
  state.useKeyRing(state.keyRing.withoutKey(kid));
}

async function route(state, req, path) {
  const { method } = req;
  const keysView = () => ({ keys: state.keyRing.summary() });

  if (path === '/keys' && method === 'GET') return [200, keysView()];
  if (path === '/keys' && method === 'POST') {
    const kid = await addKey(state, await readJson(req));
    return [201, { kid, ...keysView() }];
  }
  if (path.startsWith('/keys/') && method === 'DELETE') {
    removeKey(state, decodeURIComponent(path.slice('/keys/'.length)));
    return [200, keysView()];
  }
  if (path === '/signing-keys' && method === 'GET') {
    return [200, { keys: state.keyRing.keys }];
  }
  if (path === '/faults' && method === 'GET') {
    return [200, state.describeFaults()];
  }
  if (path.startsWith('/faults/') && method === 'PUT') {
    const faults = state.faults[path.slice('/faults/'.length)];
    if (!faults) throw new HttpError(404, 'endpoint must be jwks or discovery');
    try {
      faults.set(parseFault(await readJson(req)));
    } catch (error) {
      if (error instanceof RangeError) throw new HttpError(400, error.message);
      throw error;
    }
    return [200, state.describeFaults()];
  }
  if (path === '/counts' && method === 'GET') return [200, { ...state.counts }];
  if (path === '/counts/reset' && method === 'POST') {
    for (const name of Object.keys(state.counts)) state.counts[name] = 0;
    return [200, { ...state.counts }];
  }
  throw new HttpError(404, `no control route ${method} ${path}`);
}

/** The loopback-only test control API; requests are serialised so rotations never interleave. */
export function handleControl(state, req, res, path) {
  state.controlQueue = state.controlQueue
    .then(() => route(state, req, path))
    .then(
      ([status, body]) => sendJson(res, status, body),
      error =>
        sendJson(res, error.status ?? 500, {
          error: error.message ?? String(error),
        }),
    );
}
