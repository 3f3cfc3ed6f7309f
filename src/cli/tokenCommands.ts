import { GatehouseConfigError } from '../lib/GatehouseConfigError';
import { parseArgs } from 'node:util';
import { parseStaticOptions } from '../static/staticOptions';
import { findGatehouseTokens } from '../leaks/tokenRecognition';
import {
  createStaticToken,
  hashStaticToken,
} from '../static/staticTokenFormat';
import { CliIo, CliUsageError } from './io';

export const TOKEN_USAGE = `Usage:
  gatehouse token create [--subject <name>] [--expires-in <n>d|h] [--expires-at <date>] [--json]
      Prints a new random token and the lines to paste into a gatehouse-static
      entry's 'tokens' list (or its tokensFile). Only the hash goes into config.
  gatehouse token hash
      Reads a token on standard input and prints its 'sha256:' hash.
  gatehouse token check [--json]
      Reads text on standard input (a file, a scanner's finding) and lists the
      Gatehouse tokens in it, each with whether its checksum holds: a wrong
      checksum is a look-alike, not a leak. Exit 0 if one may be a real token,
      1 if none (as grep).
`;

const DURATION = /^(\d+)([dh])$/;

function expiryFrom(
  values: { 'expires-in'?: string; 'expires-at'?: string },
  now: number,
) {
  if (values['expires-in'] && values['expires-at']) {
    throw new CliUsageError('Give --expires-in or --expires-at, not both');
  }
  if (values['expires-in']) {
    const match = DURATION.exec(values['expires-in']);
    if (!match) {
      throw new CliUsageError(
        `--expires-in must be a number of days or hours, like 90d or 12h`,
      );
    }
    const unitMs = match[2] === 'd' ? 86_400_000 : 3_600_000;
    return new Date(now + Number(match[1]) * unitMs)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }
  return values['expires-at'];
}

/**
 * Checks a token entry the way the handler's config validation will, so
 * mistakes show now. A subject is optional here: the entry may have one.
 */
function validateEntry(entry: Record<string, string>) {
  try {
    parseStaticOptions({ subject: 'entry-subject', tokens: [entry] }, 'token');
  } catch (error) {
    if (error instanceof GatehouseConfigError) {
      throw new CliUsageError(
        error.problems
          .map(p => p.replace(/^token\.tokens\[0\]\.?/, ''))
          .join('\n'),
      );
    }
    throw error;
  }
}

export async function tokenCreate(
  args: string[],
  io: CliIo,
  now = Date.now(),
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      subject: { type: 'string' },
      'expires-in': { type: 'string' },
      'expires-at': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const token = createStaticToken();
  const entry: Record<string, string> = { hash: hashStaticToken(token) };
  if (values.subject !== undefined) {
    entry.subject = values.subject;
  }
  const expiresAt = expiryFrom(values, now);
  if (expiresAt !== undefined) {
    entry.expiresAt = expiresAt;
  }
  validateEntry(entry);

  if (values.json) {
    io.stdout.write(`${JSON.stringify({ token, ...entry })}\n`);
    return 0;
  }
  const yaml = Object.entries(entry)
    .map(([key, value], i) => `${i === 0 ? '- ' : '  '}${key}: ${value}`)
    .join('\n');
  io.stdout.write(
    [
      'Token (hand it to the caller over a secure channel; Gatehouse stores only its hash):',
      '',
      `  ${token}`,
      '',
      "Add this to a gatehouse-static entry's options.tokens list, or to its tokensFile:",
      '',
      yaml.replace(/^/gm, '  '),
      '',
    ].join('\n'),
  );
  return 0;
}

export async function tokenHash(args: string[], io: CliIo): Promise<number> {
  parseArgs({ args, options: {} });
  if (io.stdinIsTty) {
    io.stderr.write('Paste the token, then press Enter and Ctrl-D:\n');
  }
  // One trailing newline is what `echo` and a terminal add; anything else is part of the token.
  const token = (await io.readStdin()).replace(/\r?\n$/, '');
  if (!token) {
    throw new CliUsageError('No token on standard input');
  }
  validateEntry({ token });
  io.stdout.write(`${hashStaticToken(token)}\n`);
  return 0;
}

const FORMAT_WORDS = {
  managed: 'managed token',
  static: 'static token',
  'legacy-static': 'static token (made before checksums)',
} as const;

const CHECKSUM_WORDS = {
  valid: 'checksum valid: a Gatehouse token, treat it as leaked',
  invalid: 'checksum wrong: a look-alike or a damaged copy, not a token',
  none: 'no checksum to verify: treat it as leaked if a backend accepts it',
} as const;

/** `gatehouse token check`: the Gatehouse tokens in standard input, real or look-alike. */
export async function tokenCheck(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { json: { type: 'boolean' } },
  });
  if (io.stdinIsTty) {
    io.stderr.write('Paste the text, then press Enter and Ctrl-D:\n');
  }
  const found = findGatehouseTokens(await io.readStdin());
  if (values.json) {
    // Never the token itself: its fingerprint names it.
    io.stdout.write(
      `${JSON.stringify(found.map(({ token: _token, ...rest }) => rest))}\n`,
    );
  } else if (found.length === 0) {
    io.stdout.write('No Gatehouse token in the input.\n');
  } else {
    for (const f of found) {
      // The prefix and four characters: enough to find it, not to use it.
      const shown = `${f.token.slice(0, f.token.indexOf('_') + 5)}…`;
      io.stdout.write(
        `line ${f.line}, column ${f.column}: ${FORMAT_WORDS[f.format]} ${shown} (fingerprint ${f.fingerprint}), ${CHECKSUM_WORDS[f.checksum]}\n`,
      );
    }
  }
  return found.some(f => f.checksum !== 'invalid') ? 0 : 1;
}
