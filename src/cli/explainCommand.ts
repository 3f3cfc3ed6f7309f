import { ConfigReader } from '@backstage/config';
import { parseArgs } from 'node:util';
import {
  Explanation,
  explainToken,
  ManagedTokenLookup,
  ManagedTokenState,
} from '../explain/explainToken';
import { BACKEND_URL_VARIABLE, backendUrl, call } from './backendApi';
import { GatehouseConfigError } from '../lib/GatehouseConfigError';
import { boundText, escapeUnsafe } from '../lib/untrustedText';
import { CliIo, CliUsageError } from './io';
import { loadConfigFiles, unsetVariablesNote } from './loadConfigFiles';

export const EXPLAIN_USAGE = `  gatehouse explain --config <app-config.yaml> [--config <more.yaml> ...]
                    [--module-type <type> ...] [--backend-url <url>] <token | ->
      Runs a token through the config's backend.auth.externalAccess entries, in
      Backstage's order and with Gatehouse's own code, and says which entry accepts
      it (subject, restrictions) or why each one does not. Loads the config as
      Backstage does (environment substitution included; a later file's list
      replaces an earlier one's); give '-' to read the token from standard input.
      --module-type: an entry type another backend module of yours adds.
      A managed token's state is in the backend's database: with --backend-url
      (or GATEHOUSE_BACKEND_URL) and GATEHOUSE_TOKEN (gatehouse.token.read),
      explain asks the backend.
      Exit code 0: accepted; 1: rejected; 2: a config Backstage would not start
      with (an unknown entry type, invalid options), or a usage error; 3: cannot
      say (a managed token without the backend to ask, another module's type).
`;

/** JSON of a token's header or claims, bounded: it is the caller's text. */
function tokenJson(value: unknown): string {
  return boundText(JSON.stringify(value), 1000);
}

function render(explanation: Explanation): string {
  const lines: string[] = [];
  const { jwt } = explanation;
  lines.push(
    `Token ${explanation.fingerprint}${
      jwt
        ? `, a JWT: header ${tokenJson(jwt.header)}, claims ${tokenJson(jwt.claims)}`
        : ', not a JWT'
    }`,
    '',
  );
  for (const note of explanation.notes) {
    lines.push(`! ${note}`, '');
  }
  for (const entry of explanation.entries) {
    const reason = entry.reason ? ` (${entry.reason})` : '';
    const verdict =
      entry.outcome === 'accepted'
        ? 'ACCEPTED'
        : entry.outcome === 'rejected'
          ? `rejected${reason}`
          : entry.outcome === 'unsupported'
            ? 'cannot say'
            : 'not tried';
    // Sentences quote the token (values bounded each, but jose's messages
    // about its header are not): bounded as a whole too.
    const sentence = boundText(entry.sentence, 2000);
    lines.push(
      entry.outcome === 'not_tried'
        ? `${entry.path} ${entry.type}: ${sentence}`
        : `${entry.path} ${entry.type}: ${verdict}: ${sentence}`,
    );
    if (entry.outcome === 'accepted') {
      lines.push(
        `  accessRestrictions: ${
          entry.accessRestrictions === undefined
            ? 'none (every plugin, every permission)'
            : JSON.stringify(entry.accessRestrictions)
        }`,
      );
    }
  }
  if (!explanation.entries.length) {
    lines.push('backend.auth.externalAccess has no entries.');
  }
  for (const warning of explanation.warnings) {
    lines.push(`warning: ${warning}`);
  }
  lines.push(
    '',
    explanation.accepted
      ? `Result: accepted by ${explanation.accepted.path} as '${explanation.accepted.subject}'.`
      : undetermined(explanation)
        ? 'Result: cannot say: the entries marked "cannot say" above decide, and explain cannot see what they know.'
        : 'Result: rejected (401). Backstage answers "Illegal token" unless an entry gave a more precise message above.',
  );
  // Much of this comes from the token (claims, kids, values quoted in
  // reasons): no line may carry a control character that forges another
  // line or rewrites the terminal.
  return `${lines.map(escapeUnsafe).join('\n')}\n`;
}

/** No entry accepts, but one that explain cannot see into might. */
function undetermined(explanation: Explanation): boolean {
  return (
    !explanation.accepted &&
    explanation.entries.some(e => e.outcome === 'unsupported')
  );
}

/**
 * Asks the backend's managed-token API (as GATEHOUSE_TOKEN) for the token
 * with this fingerprint; undefined without a backend URL.
 */
function managedLookupOf(
  backendUrlFlag: string | undefined,
): ManagedTokenLookup | undefined {
  if (!backendUrlFlag && !process.env[BACKEND_URL_VARIABLE]) return undefined;
  const base = backendUrl(backendUrlFlag, 'explain');
  return async fingerprint => {
    const { body } = await call(base, 'GET', '/tokens');
    const items = body.items as Array<
      ManagedTokenState & { fingerprint: string }
    >;
    const found = items.filter(t => t.fingerprint === fingerprint);
    if (found.length > 1) {
      throw new Error(
        `${found.length} managed tokens share the fingerprint ${fingerprint}`,
      );
    }
    return found[0];
  };
}

export async function explainCommand(
  args: string[],
  io: CliIo,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string', multiple: true },
      'module-type': { type: 'string', multiple: true },
      'backend-url': { type: 'string' },
    },
  });
  if (!values.config?.length) {
    throw new CliUsageError('explain needs at least one --config <file>');
  }
  if (positionals.length !== 1) {
    throw new CliUsageError(
      "explain takes one token, or '-' to read it from standard input",
    );
  }
  const token =
    positionals[0] === '-' ? (await io.readStdin()).trim() : positionals[0];
  if (!token) {
    throw new CliUsageError('No token given');
  }

  const { configs, unsetVariables } = await loadConfigFiles(values.config);
  io.stderr.write(unsetVariablesNote(unsetVariables));
  const config = ConfigReader.fromConfigs(configs);
  try {
    const explanation = await explainToken(config, token, {
      moduleTypes: values['module-type'] ?? [],
      managedLookup: managedLookupOf(values['backend-url']),
    });
    io.stdout.write(render(explanation));
    return explanation.accepted ? 0 : undetermined(explanation) ? 3 : 1;
  } catch (error) {
    if (error instanceof GatehouseConfigError) {
      throw new CliUsageError(
        `Backstage would not start with this configuration:\n${error.message}`,
        { showUsage: false },
      );
    }
    throw error;
  }
}
