import { Readable, pipeline } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

export const FAULT_MODES = [
  'ok',
  'down',
  'http500',
  'garbage',
  'garbage-json',
  'slow',
  'huge',
  'custom',
];

const DEFAULTS = { delayMs: 5000, sizeBytes: 5 * 1024 * 1024 };
// Room for the JSON wrapper, so the body is exactly sizeBytes long.
const MIN_HUGE_BYTES = 64;

/** Validates a control request body into a fault; throws RangeError on nonsense. */
export function parseFault(body) {
  const { mode, times, delayMs, sizeBytes, contentLength } = body ?? {};
  if (!FAULT_MODES.includes(mode)) {
    throw new RangeError(`mode must be one of ${FAULT_MODES.join(', ')}`);
  }
  for (const [name, value, min] of [
    ['times', times, 1],
    ['delayMs', delayMs, 0],
    ['sizeBytes', sizeBytes, MIN_HUGE_BYTES],
  ]) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= min)) {
      throw new RangeError(`${name} must be an integer >= ${min}`);
    }
  }
  switch (mode) {
    case 'slow':
      return { mode, times, delayMs: delayMs ?? DEFAULTS.delayMs };
    case 'huge':
      return {
        mode,
        times,
        sizeBytes: sizeBytes ?? DEFAULTS.sizeBytes,
        contentLength: contentLength === true,
      };
    case 'custom':
      if (typeof body.body !== 'string') {
        throw new RangeError('custom needs a string body');
      }
      if (
        body.status !== undefined &&
        !(
          Number.isInteger(body.status) &&
          body.status >= 100 &&
          body.status <= 599
        )
      ) {
        throw new RangeError('status must be an HTTP status code');
      }
      return {
        mode,
        times,
        status: body.status ?? 200,
        contentType: body.contentType ?? 'application/json',
        body: body.body,
      };
    default:
      return { mode, times };
  }
}

/** The fault set for one endpoint; `times` makes it fall back to ok after N requests. */
export class FaultSwitch {
  #fault = { mode: 'ok' };

  set(fault) {
    this.#fault = fault;
  }

  describe() {
    return { ...this.#fault };
  }

  /** The fault for the request being served, counting it against `times`. */
  take() {
    const fault = this.#fault;
    if (fault.times !== undefined) {
      if (fault.times <= 1) this.#fault = { mode: 'ok' };
      else this.#fault = { ...fault, times: fault.times - 1 };
    }
    return fault;
  }
}

function send(res, status, contentType, body) {
  res.writeHead(status, { 'content-type': contentType });
  res.end(body);
}

function* hugeBody(sizeBytes) {
  // Valid JSON, so a client that accepts it has no size limit rather than a parser that choked.
  const head = '{"keys":[],"padding":"';
  const tail = '"}';
  let remaining = Math.max(0, sizeBytes - head.length - tail.length);
  yield head;
  const chunk = 'x'.repeat(64 * 1024);
  while (remaining > 0) {
    yield remaining >= chunk.length ? chunk : chunk.slice(0, remaining);
    remaining -= chunk.length;
  }
  yield tail;
}

/** Answers `req` as `fault` says; `answerNormally` delegates to the provider. */
export async function serveWithFault(fault, req, res, answerNormally) {
  switch (fault.mode) {
    case 'down':
      // An RST rather than a FIN: what a crashed or firewalled IdP looks like.
      req.socket.resetAndDestroy();
      return;
    case 'http500':
      send(res, 500, 'application/json', '{"error":"server_error"}');
      return;
    case 'garbage':
      send(res, 200, 'application/json', '<html>this is not JSON</html>');
      return;
    case 'garbage-json':
      send(res, 200, 'application/json', '{"hello":"world"}');
      return;
    case 'custom':
      send(res, fault.status, fault.contentType, fault.body);
      return;
    case 'huge': {
      const headers = { 'content-type': 'application/json' };
      // Without a Content-Length the body is chunked, so only a client that
      // counts bytes as they arrive can stop early.
      if (fault.contentLength) headers['content-length'] = fault.sizeBytes;
      res.writeHead(200, headers);
      // A client that gives up early is the point of this fault, not an error.
      pipeline(Readable.from(hugeBody(fault.sizeBytes)), res, () => {});
      return;
    }
    case 'slow':
      await sleep(fault.delayMs);
      if (!res.destroyed) answerNormally();
      return;
    default:
      answerNormally();
  }
}
