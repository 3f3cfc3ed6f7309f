import { parseArgs } from 'node:util';
import { boundText, escapeUnsafe } from '../lib/untrustedText';
import { Answer, backendUrl, call } from './backendApi';
import { CliIo, CliUsageError } from './io';

export const MANAGED_TOKENS_USAGE = `  gatehouse tokens create --backend-url <url> --subject <name> --description <text>
                         [--expires-in <duration>] [--plugin <id> ...] [--json]
  gatehouse tokens list|revoke <id> [--reason <text>]|rotate <id> [--overlap <duration>] --backend-url <url> [--json]
      Managed tokens (a gatehouse-managed entry turns them on), through the
      backend's /api/gatehouse, as the caller whose token is in the environment
      variable GATEHOUSE_TOKEN (a user's or a service's). create and rotate print
      the new token once; --plugin restricts it to plugins (repeat it).
`;

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
  const base = backendUrl(values['backend-url'], 'tokens');
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
