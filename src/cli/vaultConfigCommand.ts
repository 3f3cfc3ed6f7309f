import { parseArgs } from 'node:util';
import { backendUrl } from './backendApi';
import { CliIo, CliUsageError } from './io';

export const VAULT_CONFIG_USAGE = `  gatehouse vault-config --backend-url <url> --plugin <id> [--audience vault]
                        [--role <name>] [--mount jwt] [--policies <a,b>] [--ttl 15m]
      Prints the Vault commands that make Vault's JWT auth accept the tokens a
      Backstage plugin issues with Gatehouse's externalAudienceTokenServiceRef.
`;

/** Backstage's own rule for plugin ids (and so for a plugin token's sub). */
const PLUGIN_ID = /^[a-z0-9_-]+$/i;
/** Vault names: roles, mounts (paths), audiences, policies. */
const VAULT_NAME = /^[\w.:/-]+$/;
const POLICY_LIST = /^[\w./-]+(?:,[\w./-]+)*$/;
/** Vault durations: seconds, or Go-style units (15m, 1h30m). */
const DURATION = /^(?:\d+|(?:\d+[smhd])+)$/;

/**
 * A word for a POSIX shell: as it is when it has only characters no shell
 * treats specially, else in single quotes, inside which nothing is special
 * (a single quote itself is closed, escaped and reopened). The output is
 * meant to be pasted, so no option may run anything when it is.
 */
export function shellWord(value: string): string {
  return /^[\w./:=@%+,-]+$/.test(value)
    ? value
    : `'${value.replace(/'/g, `'\\''`)}'`;
}

function checked(
  name: string,
  value: string,
  pattern: RegExp,
  allowed: string,
): string {
  if (!pattern.test(value)) {
    throw new CliUsageError(`--${name} ${shellWord(value)}: ${allowed}`);
  }
  return value;
}

export async function vaultConfigCommand(
  args: string[],
  io: CliIo,
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'backend-url': { type: 'string' },
      plugin: { type: 'string' },
      audience: { type: 'string', default: 'vault' },
      role: { type: 'string' },
      mount: { type: 'string', default: 'jwt' },
      policies: { type: 'string' },
      ttl: { type: 'string', default: '15m' },
    },
  });
  if (!values.plugin) {
    throw new CliUsageError('vault-config needs --plugin');
  }
  const url = new URL(backendUrl(values['backend-url'], 'vault-config'));
  const names = 'may only contain letters, digits and . : / - _';
  const plugin = checked(
    'plugin',
    values.plugin,
    PLUGIN_ID,
    "is not a plugin id (letters, digits, '-' and '_')",
  );
  const audience = checked('audience', values.audience!, VAULT_NAME, names);
  const role = checked('role', values.role ?? plugin, VAULT_NAME, names);
  const mount = checked('mount', values.mount!, VAULT_NAME, names);
  const policies = checked(
    'policies',
    values.policies ?? role,
    POLICY_LIST,
    'must be policy names (letters, digits and . / - _) separated by commas',
  );
  const ttl = checked(
    'ttl',
    values.ttl!,
    DURATION,
    'must be a Vault duration: seconds (900) or units (15m, 1h30m)',
  );
  const jwksUrl = `${url.href.replace(/\/+$/, '')}/api/${plugin}/.backstage/auth/v1/jwks.json`;
  const w = shellWord;
  const lines = [
    `# Vault JWT auth for tokens issued by the Backstage plugin '${plugin}'`,
    `# (externalAudienceTokens.getToken({ audience: '${audience}' })).`,
    `# jwks_url names the source plugin's keys; with the static key store all plugins`,
    `# share keys, so bound_subject is what ties a token to '${plugin}': keep it.`,
    ...(url.protocol === 'http:'
      ? [
          '# WARNING: the JWKS is fetched over plain http; anyone on the path could substitute keys. Use https.',
        ]
      : []),
    `vault auth enable -path=${w(mount)} jwt   # once per mount`,
    '',
    `vault write ${w(`auth/${mount}/config`)} \\`,
    `    ${w(`jwks_url=${jwksUrl}`)} \\`,
    `    jwt_supported_algs=ES256`,
    '',
    `# Backstage plugin tokens have no iss claim: do not set bound_issuer.`,
    `vault write ${w(`auth/${mount}/role/${role}`)} \\`,
    `    role_type=jwt \\`,
    `    ${w(`bound_audiences=${audience}`)} \\`,
    `    ${w(`bound_subject=${plugin}`)} \\`,
    `    user_claim=sub \\`,
    `    clock_skew_leeway=60 \\`,
    `    expiration_leeway=60 \\`,
    `    not_before_leeway=60 \\`,
    `    ${w(`token_policies=${policies}`)} \\`,
    `    ${w(`token_ttl=${ttl}`)}`,
    '',
    `# The plugin logs in with:`,
    `#   vault write ${w(`auth/${mount}/login`)} ${w(`role=${role}`)} jwt='<token>'`,
    '',
  ];
  io.stdout.write(lines.join('\n'));
  return 0;
}
