import { escapeOutput, escapeUnsafe } from '../lib/untrustedText';
/** The CLI's streams, injectable so that commands can be tested in-process too. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** The whole of standard input. */
  readStdin(): Promise<string>;
  /** True when standard input is a terminal (then a hint is printed before reading). */
  stdinIsTty: boolean;
}

export const processIo: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdinIsTty: Boolean(process.stdin.isTTY),
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    }
    return Buffer.concat(chunks).toString('utf8');
  },
};

/**
 * `io` with every write escaped by escapeOutput. The CLI prints text from the
 * backend, from tokens and from config files in several modes (table, JSON,
 * CSV, messages); escaping each at its source missed some (CSV and JSON were
 * written as received), so main() puts this one guard in front of both streams.
 * Each write is escaped on its own: a CRLF split across two writes would show
 * its `\r` escaped, the safe way to be wrong, and no command writes one so.
 */
export function guardedIo(io: CliIo): CliIo {
  const guarded = (stream: CliIo['stdout']) => ({
    write: (text: string) => stream.write(escapeOutput(text)),
  });
  return {
    stdout: guarded(io.stdout),
    stderr: guarded(io.stderr),
    stdinIsTty: io.stdinIsTty,
    readStdin: () => io.readStdin(),
  };
}

/** A usage or input error: printed without a stack trace, exit code 2. */
export class CliUsageError extends Error {
  /** False for errors that are not about the command line, such as a bad config file. */
  readonly showUsage: boolean;
  constructor(message: string, options: { showUsage?: boolean } = {}) {
    super(message);
    this.name = 'CliUsageError';
    this.showUsage = options.showUsage ?? true;
  }
}

/**
 * The error for a config that does not load, with its first line only: a
 * YAML syntax error goes on to quote the offending line, which may hold a
 * token.
 */
export function cannotLoadConfig(error: unknown): CliUsageError {
  const message = String((error as Error)?.message ?? error);
  const [first] = message.split('\n', 1);
  return new CliUsageError(
    `Cannot load the configuration: ${escapeUnsafe(first.replace(/:$/, ''))}${
      message.includes('\n')
        ? ' (the line itself is not shown: it may hold a secret)'
        : ''
    }`,
    { showUsage: false },
  );
}
