import { boundText, escapeUnsafe } from '../lib/untrustedText';
import { CliIo, CliUsageError, guardedIo, processIo } from './io';
import { configCheckCommand, CONFIG_CHECK_USAGE } from './configCheckCommand';
import { explainCommand, EXPLAIN_USAGE } from './explainCommand';
import { inventoryCommand, INVENTORY_USAGE } from './inventoryCommand';
import { leakCommand, LEAK_USAGE } from './leakCommand';
import {
  managedTokensCommand,
  MANAGED_TOKENS_USAGE,
} from './managedTokensCommand';
import {
  tokenCheck,
  tokenCreate,
  tokenHash,
  TOKEN_USAGE,
} from './tokenCommands';
import { vaultConfigCommand, VAULT_CONFIG_USAGE } from './vaultConfigCommand';

const USAGE = `gatehouse: tools for Gatehouse, service-to-service auth for Backstage

Commands that call the backend take --backend-url <url>, or read it from
GATEHOUSE_BACKEND_URL; those that act as a caller read its token from
GATEHOUSE_TOKEN (never from the command line).

${TOKEN_USAGE}${MANAGED_TOKENS_USAGE}${INVENTORY_USAGE}${LEAK_USAGE}${EXPLAIN_USAGE}${CONFIG_CHECK_USAGE}${VAULT_CONFIG_USAGE}`;

/** Runs the `gatehouse` command; resolves to the process exit code. */
export async function main(
  argv: string[],
  streams: CliIo = processIo,
): Promise<number> {
  // Here rather than in processIo, so that in-process tests pass through it too.
  const io = guardedIo(streams);
  const [group, command, ...rest] = argv;
  try {
    if (
      group === undefined ||
      group === 'help' ||
      argv.includes('--help') ||
      argv.includes('-h')
    ) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (group === 'explain') {
      return await explainCommand(argv.slice(1), io);
    }
    if (group === 'config-check') {
      return await configCheckCommand(argv.slice(1), io);
    }
    if (group === 'tokens') {
      return await managedTokensCommand(argv.slice(1), io);
    }
    if (group === 'inventory') {
      return await inventoryCommand(argv.slice(1), io);
    }
    if (group === 'leak') {
      return await leakCommand(argv.slice(1), io);
    }
    if (group === 'vault-config') {
      return await vaultConfigCommand(argv.slice(1), io);
    }
    if (group === 'token' && command === 'create') {
      return await tokenCreate(rest, io);
    }
    if (group === 'token' && command === 'hash') {
      return await tokenHash(rest, io);
    }
    if (group === 'token' && command === 'check') {
      return await tokenCheck(rest, io);
    }
    // Only the command's words: a mistyped command may be followed by a token.
    const words = group === 'token' && command ? `token ${command}` : group;
    throw new CliUsageError(
      `Unknown command '${escapeUnsafe(boundText(words, 40))}'`,
    );
  } catch (error) {
    // parseArgs reports unknown options as TypeErrors with a code.
    if (
      error instanceof CliUsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      // One line (a config report may add its own lines), then where the
      // usage is: the whole usage text buried the message.
      const hint =
        (error as CliUsageError).showUsage === false
          ? ''
          : "Run 'gatehouse --help' for the commands and their options.\n";
      io.stderr.write(`gatehouse: ${(error as Error).message}\n${hint}`);
      return 2;
    }
    throw error;
  }
}

/** The `gatehouse` command as a process runs it: exit code, and unexpected errors on stderr. */
export function runCli(argv: string[]): void {
  main(argv).then(
    code => {
      process.exitCode = code;
    },
    error => {
      // An unexpected error's message may quote what the backend sent.
      guardedIo(processIo).stderr.write(
        `gatehouse: ${error?.stack ?? error}\n`,
      );
      process.exitCode = 1;
    },
  );
}

if (require.main === module) {
  runCli(process.argv.slice(2));
}
