import type { MarkedCompromised } from '@gatehouse/backstage-plugin-gatehouse-common';
import { parseArgs } from 'node:util';
import { boundText, escapeUnsafe } from '../lib/untrustedText';
import { backendUrl, call } from './backendApi';
import { CliIo, CliUsageError } from './io';

export const LEAK_USAGE = `  gatehouse leak --backend-url <url> [--reason <text>] [--until <ISO time>] [--json]
  gatehouse leak --credential <inventory id> [--subject <JWT subject> --until <ISO time>] ...
  gatehouse leak --source gatehouse-static|gatehouse-managed --fingerprint <8 hex> ...
      Marks a credential compromised: every replica refuses it within seconds
      (a managed token is revoked too; a JWT subject until --until, at least
      until the leaked JWT expires). The leaked token is read from standard
      input, never from the command line; or name the credential instead. Acts
      as the caller in GATEHOUSE_TOKEN, which needs gatehouse.token.compromise.
`;

/** `gatehouse leak`: POST /api/gatehouse/leaks, the token from stdin. */
export async function leakCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    // Taken only to refuse them: parseArgs would quote one in its error.
    allowPositionals: true,
    options: {
      'backend-url': { type: 'string' },
      credential: { type: 'string' },
      source: { type: 'string' },
      fingerprint: { type: 'string' },
      subject: { type: 'string' },
      until: { type: 'string' },
      reason: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length) {
    throw new CliUsageError(
      'gatehouse leak reads the token from standard input, never from the command line (shell history, process lists): printf %s "$TOKEN" | gatehouse leak ...',
    );
  }
  const base = backendUrl(values['backend-url'], 'leak');
  const named = values.credential ?? values.fingerprint;
  let body: Record<string, string>;
  if (named !== undefined) {
    body = {
      ...(values.credential ? { credential: values.credential } : {}),
      ...(values.source ? { source: values.source } : {}),
      ...(values.fingerprint ? { fingerprint: values.fingerprint } : {}),
      ...(values.subject ? { subject: values.subject } : {}),
    };
  } else {
    if (values.source || values.subject) {
      throw new CliUsageError(
        '--source goes with --fingerprint, --subject with --credential',
      );
    }
    if (io.stdinIsTty) {
      io.stderr.write('Paste the leaked token, then press Enter and Ctrl-D:\n');
    }
    const token = (await io.readStdin()).trim();
    if (!token) {
      throw new CliUsageError(
        'No token on standard input (or name the credential with --credential, or --source and --fingerprint)',
      );
    }
    body = { token };
  }
  if (values.until) body.until = values.until;
  if (values.reason) body.reason = values.reason;

  const answer = await call(base, 'POST', '/leaks', body);
  if (values.json) {
    io.stdout.write(`${JSON.stringify(answer.body)}\n`);
    return 0;
  }
  const marked = answer.body as unknown as MarkedCompromised;
  const text = (value: unknown) => escapeUnsafe(boundText(String(value), 300));
  const lines = [
    marked.alreadyMarked
      ? `${text(marked.credential)} was marked compromised already, at ${marked.compromised.at} by ${text(marked.compromised.by)}.`
      : `Marked ${text(marked.credential)} compromised: every replica refuses it within seconds.`,
    `  ${marked.source}  ${text(marked.subject)}${marked.fingerprint ? `  fingerprint ${marked.fingerprint}` : ''}${
      marked.compromised.until
        ? `  refused until ${marked.compromised.until}`
        : ''
    }`,
    ...(marked.alsoRevoked?.length
      ? [
          `  Revoked with it: ${marked.alsoRevoked
            .map(r => `${r.id} (${text(r.subject)})`)
            .join(', ')}`,
        ]
      : []),
    'Next: give its callers a new credential, and find where it leaked (docs/leaks.md).',
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
