import { parseArgs } from 'node:util';
import { boundText, escapeUnsafe } from '../lib/untrustedText';
import { CliIo, CliUsageError } from './io';

export const MANAGED_TOKENS_USAGE = `  gatehouse tokens create --backend-url <url> --subject <name> --description <text>
                         [--expires-in <duration>] [--plugin <id> ...] [--json]
  gatehouse tokens list|revoke <id> [--reason <text>]|rotate <id> [--overlap <duration>] --backend-url <url> [--json]
      Managed tokens (a gatehouse-managed entry turns them on), through the
      backend's /api/gatehouse, as the caller whose token is in the environment
      variable GATEHOUSE_TOKEN (a user's or a service's). create and rotate print
      the new token once; --plugin restricts it to plugins (repeat it).
`;

const TOKEN_VARIABLE = 'GATEHOUSE_TOKEN';

/** The backend's base URL, checked: http(s), no credentials, query or fragment. */
function backendUrl(value: string | undefined): string {
  if (!value) throw new CliUsageError('tokens needs --backend-url <url>');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliUsageError('--backend-url must be an http(s) URL');
  }
  if (
    !['http:', 'https:'].includes(url.protocol) ||
    url.username ||
    url.password ||
    url.search ||
    url.hash
  ) {
    throw new CliUsageError(
      '--backend-url must be an http(s) URL without credentials, query or fragment',
    );
  }
  return url.href.replace(/\/$/, '');
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(
  base: string,
  method: string,
  path: string,
  body?: object,
): Promise<Answer> {
  const token = process.env[TOKEN_VARIABLE];
  if (!token) {
    throw new CliUsageError(
      `Set ${TOKEN_VARIABLE} to a token that may manage tokens (it is read from the environment, never from the command line)`,
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
  return { status: response.status, body: parsed };
}

function summary(token: Record<string, unknown>): string {
  const restrictions = token.accessRestrictions
    ? (token.accessRestrictions as { plugin: string }[])
        .map(r => r.plugin)
        .join(', ')
    : 'all plugins';
  return escapeUnsafe(
    `${token.id}  ${token.status}  ${token.fingerprint}  ${token.subject}  expires ${token.expiresAt}  ${restrictions}  ${token.description}`,
  );
}

/** `gatehouse tokens ...`: the managed tokens API from a terminal or a script. */
export async function managedTokensCommand(
  args: string[],
  io: CliIo,
): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      'backend-url': { type: 'string' },
      subject: { type: 'string' },
      description: { type: 'string' },
      'expires-in': { type: 'string' },
      plugin: { type: 'string', multiple: true },
      reason: { type: 'string' },
      overlap: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const base = backendUrl(values['backend-url']);
  const print = (answer: Answer, text: string) =>
    io.stdout.write(
      values.json ? `${JSON.stringify(answer.body, null, 2)}\n` : text,
    );
  const id = () => {
    if (positionals.length !== 1) {
      throw new CliUsageError(`tokens ${action} takes one token id`);
    }
    return encodeURIComponent(positionals[0]);
  };
  switch (action) {
    case 'create': {
      if (!values.subject || !values.description) {
        throw new CliUsageError(
          'tokens create needs --subject and --description',
        );
      }
      const answer = await call(base, 'POST', '/tokens', {
        subject: values.subject,
        description: values.description,
        ...(values['expires-in'] ? { expiresIn: values['expires-in'] } : {}),
        ...(values.plugin?.length
          ? { accessRestrictions: values.plugin.map(plugin => ({ plugin })) }
          : {}),
      });
      print(
        answer,
        `Token (shown once; hand it over a secure channel):\n\n  ${answer.body.token}\n\n${summary(answer.body)}\n`,
      );
      return 0;
    }
    case 'list': {
      const answer = await call(base, 'GET', '/tokens');
      const items = answer.body.items as Record<string, unknown>[];
      print(answer, items.map(t => `${summary(t)}\n`).join(''));
      return 0;
    }
    case 'revoke': {
      const answer = await call(base, 'DELETE', `/tokens/${id()}`, {
        ...(values.reason ? { reason: values.reason } : {}),
      });
      print(answer, `Revoked: ${summary(answer.body)}\n`);
      return 0;
    }
    case 'rotate': {
      const answer = await call(base, 'POST', `/tokens/${id()}/rotate`, {
        ...(values.overlap ? { overlap: values.overlap } : {}),
      });
      const previous = answer.body.previous as Record<string, unknown>;
      print(
        answer,
        `New token (shown once):\n\n  ${answer.body.token}\n\n${summary(answer.body)}\nThe previous one works until ${previous.expiresAt}.\n`,
      );
      return 0;
    }
    default:
      throw new CliUsageError(
        `Unknown command 'tokens ${escapeUnsafe(boundText(action ?? '', 20))}'`,
      );
  }
}
