import { boundText, escapeUnsafe } from '../lib/untrustedText';
import { CliUsageError } from './io';

const TOKEN_VARIABLE = 'GATEHOUSE_TOKEN';

/** The backend's base URL: http(s), nothing that could carry a secret. */
export function backendUrlOf(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliUsageError('--backend-url is not a URL');
  }
  if (!['http:', 'https:'].includes(url.protocol)) {
    throw new CliUsageError('--backend-url must be an http(s) URL');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new CliUsageError(
      "--backend-url must be the backend's base URL, without credentials, query or fragment",
    );
  }
  return url;
}

/** Where the backend is when a command is not given --backend-url. */
export const BACKEND_URL_VARIABLE = 'GATEHOUSE_BACKEND_URL';

/**
 * The checked base URL of `command`'s backend, without a trailing slash:
 * --backend-url, or GATEHOUSE_BACKEND_URL, so that a session of commands
 * names it once.
 */
export function backendUrl(value: string | undefined, command: string): string {
  const given = value ?? process.env[BACKEND_URL_VARIABLE];
  if (!given) {
    throw new CliUsageError(
      `${command} needs --backend-url <url>, or the backend's URL in ${BACKEND_URL_VARIABLE}`,
    );
  }
  return backendUrlOf(given).href.replace(/\/$/, '');
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  /** The body as sent, for answers that are not JSON (CSV). */
  text: string;
}

/**
 * Calls the gatehouse plugin's API as the caller whose token is in
 * GATEHOUSE_TOKEN; an error answer becomes a CliUsageError with the
 * backend's message, escaped for the terminal.
 */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: object,
): Promise<Answer> {
  const token = process.env[TOKEN_VARIABLE];
  if (!token) {
    throw new CliUsageError(
      `Set ${TOKEN_VARIABLE} to a token that may manage or read tokens (it is read from the environment, never from the command line)`,
      { showUsage: false },
    );
  }
  let response: Response;
  try {
    response = await fetch(`${base}/api/gatehouse${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      redirect: 'manual',
    });
  } catch (error) {
    throw new CliUsageError(
      `Cannot reach ${base}: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}`,
      { showUsage: false },
    );
  }
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: reported below with the status
  }
  if (response.status >= 400) {
    const message =
      (parsed.error as { message?: string } | undefined)?.message ?? text;
    throw new CliUsageError(
      `${response.status}: ${escapeUnsafe(boundText(String(message), 500))}`,
      { showUsage: false },
    );
  }
  return { status: response.status, body: parsed, text };
}
