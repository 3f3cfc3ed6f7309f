import {
  type AccessRestriction,
  type CredentialStatus,
  NO_OWNER,
  restrictionsText,
  statusText,
} from '@gatehouse/backstage-plugin-gatehouse-common';
import { parseArgs } from 'node:util';
import { boundText, escapeUnsafe } from '../lib/untrustedText';
import { Answer, backendUrl, call } from './backendApi';
import { CliIo, CliUsageError } from './io';

export const MANAGED_TOKENS_USAGE = `  gatehouse tokens create --backend-url <url> --subject <name> --description <text>
                         [--owner <entity ref>] [--expires-in <duration>] [--plugin <id> ...]
                         [--permission <plugin>:<permission> ...] [--json]
  gatehouse tokens update <id> [--owner <entity ref>] [--description <text>] --backend-url <url> [--json]
  gatehouse tokens list|revoke <id> [--reason <text>]|rotate <id> [--overlap <duration>] --backend-url <url> [--json]
      Managed tokens (a gatehouse-managed entry turns them on), through the
      backend's /api/gatehouse, as the caller whose token is in the environment
      variable GATEHOUSE_TOKEN (a user's or a service's). create and rotate print
      the new token once; --plugin restricts it to whole plugins, --permission
      to named permissions of a plugin (repeat either; a user without
      gatehouse.token.unrestricted may give only named permissions it holds).
      --owner is the group or user that looks after the token
      (group:default/payments; a user's own ref by default, required for a
      service); update changes the owner or the description.
`;

/**
 * The restrictions of `--plugin` (a whole plugin) and `--permission
 * plugin:name` (named permissions, grouped by plugin); undefined for none.
 */
export function restrictionsOfFlags(
  plugins: string[] = [],
  permissions: string[] = [],
): Array<{ plugin: string; permission?: string[] }> | undefined {
  const named = new Map<string, string[]>();
  for (const flag of permissions) {
    const colon = flag.indexOf(':');
    if (colon <= 0 || colon === flag.length - 1) {
      throw new CliUsageError(
        `--permission takes <plugin>:<permission>, e.g. catalog:catalog.entity.read; got '${escapeUnsafe(boundText(flag, 60))}'`,
      );
    }
    const plugin = flag.slice(0, colon);
    named.set(plugin, [...(named.get(plugin) ?? []), flag.slice(colon + 1)]);
  }
  const both = plugins.find(plugin => named.has(plugin));
  if (both) {
    throw new CliUsageError(
      `plugin '${escapeUnsafe(boundText(both, 60))}' is given whole (--plugin) and by permission (--permission); give one`,
    );
  }
  const restrictions = [
    ...plugins.map(plugin => ({ plugin })),
    ...[...named].map(([plugin, permission]) => ({ plugin, permission })),
  ];
  return restrictions.length ? restrictions : undefined;
}

function summary(token: Record<string, unknown>): string {
  const restrictions = restrictionsText(
    token.accessRestrictions as AccessRestriction[] | undefined,
  );
  const owner = token.owner ? `owner ${token.owner}` : NO_OWNER;
  return escapeUnsafe(
    `${token.id}  ${statusText(token.status as CredentialStatus)}  ${token.fingerprint}  ${token.subject}  ${owner}  expires ${token.expiresAt}  ${restrictions}  ${token.description}`,
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
      owner: { type: 'string' },
      'expires-in': { type: 'string' },
      plugin: { type: 'string', multiple: true },
      permission: { type: 'string', multiple: true },
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
      const accessRestrictions = restrictionsOfFlags(
        values.plugin,
        values.permission,
      );
      const answer = await call(base, 'POST', '/tokens', {
        subject: values.subject,
        description: values.description,
        ...(values.owner ? { owner: values.owner } : {}),
        ...(values['expires-in'] ? { expiresIn: values['expires-in'] } : {}),
        ...(accessRestrictions ? { accessRestrictions } : {}),
      });
      print(
        answer,
        `Token (shown once; hand it over a secure channel):\n\n  ${answer.body.token}\n\n${summary(answer.body)}\n`,
      );
      return 0;
    }
    case 'update': {
      if (values.owner === undefined && values.description === undefined) {
        throw new CliUsageError('tokens update needs --owner or --description');
      }
      const answer = await call(base, 'PATCH', `/tokens/${id()}`, {
        ...(values.owner !== undefined ? { owner: values.owner } : {}),
        ...(values.description !== undefined
          ? { description: values.description }
          : {}),
      });
      print(answer, `Updated: ${summary(answer.body)}\n`);
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
      const also = (answer.body.alsoRevoked ?? []) as Array<{
        id: string;
        subject: string;
      }>;
      print(
        answer,
        `Revoked: ${summary(answer.body)}\n${
          also.length
            ? `Also revoked, as it led to them (rotations, tokens it made):\n${also.map(t => `  ${t.id}  ${t.subject}\n`).join('')}`
            : ''
        }`,
      );
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
