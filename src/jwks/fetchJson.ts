import { redactUrl } from '../lib/redactUrl';
import { quoteUntrusted } from '../lib/untrustedText';

/** Why a fetch of a key set or discovery document failed, for logs and `jwks_unavailable`. */
export class FetchJsonError extends Error {
  readonly status?: number;
  constructor(message: string, status?: number) {
    super(message);
    this.name = 'FetchJsonError';
    this.status = status;
  }
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
    throw new FetchJsonError(describeFetchError(error, url, options.timeoutMs));
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
    throw new FetchJsonError(`HTTP ${response.status}`, response.status);
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
    throw new FetchJsonError(describeFetchError(error, url, options.timeoutMs));
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new FetchJsonError('the answer is not JSON');
  }
}

function describeFetchError(
  error: unknown,
  url: string,
  timeoutMs: number,
): string {
  const e = error as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return `no complete answer within ${timeoutMs} ms`;
  }
  const message =
    e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
  // Some of undici's messages quote the URL, credentials included.
  return message.split(url).join(redactUrl(url));
}
