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
      redirect: 'follow',
    });
  } catch (error) {
    throw new FetchJsonError(describeFetchError(error, options.timeoutMs));
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
    throw new FetchJsonError(describeFetchError(error, options.timeoutMs));
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new FetchJsonError('the answer is not JSON');
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return `no complete answer within ${timeoutMs} ms`;
  }
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
}
