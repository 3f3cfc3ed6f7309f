import { redactUrl } from '../lib/redactUrl';
import { quoteUntrusted } from '../lib/untrustedText';

/** Why a fetch of a key set or discovery document failed, for logs and `jwks_unavailable`. */
export class FetchJsonError extends Error {
  readonly status?: number;
  /** The system error code (ENOTFOUND, CERT_HAS_EXPIRED, ...), when there is one. */
  readonly code?: string;
  constructor(message: string, status?: number, code?: string) {
    super(message);
    this.name = 'FetchJsonError';
    this.status = status;
    this.code = code;
  }
}

const TLS_CODES =
  /^(CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|ERR_TLS_|ERR_SSL_)/;

/**
 * What an operator should check for a failed fetch, from what failed: the
 * line after the error in the key-source warning.
 */
export function fetchFailureHint(error: unknown): string {
  const { status, code, message } = error as FetchJsonError;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return "the host name does not resolve from the backend: check the host in the URL and the backend's DNS";
  }
  if (code === 'ECONNREFUSED') {
    return 'nothing accepts connections there: check the port in the URL and that the provider runs';
  }
  if (code && TLS_CODES.test(code)) {
    return "the provider's TLS certificate is not trusted: for a private CA, give Node.js its certificate with NODE_EXTRA_CA_CERTS";
  }
  if (code === 'TIMEOUT' || code === 'ECONNRESET' || code === 'ETIMEDOUT') {
    return 'check the network path from the backend to the provider (firewall, proxy), or raise jwksTimeout for a slow provider';
  }
  if (status === 404 || status === 410) {
    return "check the URL: for discovery, 'issuer' must be exactly the issuer the provider publishes; for 'url', the provider's jwks_uri";
  }
  if (status === 401 || status === 403) {
    return "key sets are public: check that the URL is the provider's jwks_uri, not an API that needs credentials";
  }
  if (status !== undefined && status >= 500) {
    return 'the provider fails: check its health';
  }
  if (/not JSON|JSON Web Key Set|no keys|jwks_uri/.test(message ?? '')) {
    return "check that the URL is the provider's jwks_uri (or its issuer, for discovery), not a web page";
  }
  if (/includes credentials/.test(message ?? '')) {
    return 'key sets and discovery documents are public: take the user and password out of the URL';
  }
  if (/exceeds the limit/.test(message ?? '')) {
    return "the answer is larger than any key set: check that the URL is the provider's jwks_uri";
  }
  if (/names issuer/.test(message ?? '')) {
    return "set 'issuer' to exactly the issuer in the discovery document (a trailing slash counts)";
  }
  return 'check the URL and the network path from the backend to the provider';
}

/**
 * GETs a JSON document with a deadline and a size limit that both cover the
 * body, so a provider that is slow, or sends an endless or huge answer, costs
 * at most `timeoutMs` and `maxBytes`.
 *
 * Redirects are refused, as jose's remote key set does: keys must come from
 * the URL the operator configured (or the issuer's discovery document named),
 * not from wherever that server sends the client.
 */
export async function fetchJson(
  url: string,
  options: { timeoutMs: number; maxBytes: number },
): Promise<unknown> {
  let response: Response;
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    response = await fetch(url, {
      signal,
      headers: { accept: 'application/json' },
      redirect: 'manual',
    });
  } catch (error) {
    throw fetchFailure(error, url, options.timeoutMs);
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => {});
    const location = response.headers.get('location');
    throw new FetchJsonError(
      `answered HTTP ${response.status}, a redirect${
        location ? ` to ${quoteUntrusted(redactUrl(location), 200)}` : ''
      }; Gatehouse does not follow redirects for keys, so that they only come from the configured origin: configure the final URL`,
      response.status,
    );
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new FetchJsonError(
      `answered HTTP ${response.status}`,
      response.status,
    );
  }
  const declared = Number(response.headers.get('content-length'));
  if (declared > options.maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new FetchJsonError(
      `body of ${declared} bytes exceeds the limit of ${options.maxBytes}`,
    );
  }

  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      if (size > options.maxBytes) {
        await response.body?.cancel().catch(() => {});
        throw new FetchJsonError(
          `body exceeds the limit of ${options.maxBytes} bytes`,
        );
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof FetchJsonError) {
      throw error;
    }
    throw fetchFailure(error, url, options.timeoutMs);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new FetchJsonError('the answer is not JSON');
  }
}

function fetchFailure(
  error: unknown,
  url: string,
  timeoutMs: number,
): FetchJsonError {
  const e = error as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return new FetchJsonError(
      `no complete answer within ${timeoutMs} ms`,
      undefined,
      'TIMEOUT',
    );
  }
  const message =
    e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
  // Some of undici's messages quote the URL, credentials included.
  return new FetchJsonError(
    message.split(url).join(redactUrl(url)),
    undefined,
    e?.cause?.code,
  );
}
