import { parseArgs } from 'node:util';
import { CliIo, CliUsageError } from './io';

export const VAULT_CONFIG_USAGE = `  gatehouse vault-config --backend-url <url> --plugin <id> [--audience vault]
                        [--role <name>] [--mount jwt] [--policies <a,b>] [--ttl 15m]
      Prints the Vault commands that make Vault's JWT auth accept the tokens a
      Backstage plugin issues with Gatehouse's externalAudienceTokenServiceRef.
`;

/** Backstage's own rule for plugin ids (and so for a plugin token's sub). */
const PLUGIN_ID = /^[a-z0-9_-]+$/i;

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
  const backendUrl = values['backend-url'];
  const plugin = values.plugin;
  if (!backendUrl || !plugin) {
    throw new CliUsageError('vault-config needs --backend-url and --plugin');
  }
  let url: URL;
  try {
    url = new URL(backendUrl);
  } catch {
    throw new CliUsageError(`--backend-url '${backendUrl}' is not a URL`);
  }
  if (!['http:', 'https:'].includes(url.protocol)) {
    throw new CliUsageError('--backend-url must be an http(s) URL');
  }
  if (!PLUGIN_ID.test(plugin)) {
    throw new CliUsageError(
      `--plugin '${plugin}' is not a plugin id (letters, digits, '-' and '_')`,
    );
  }
  for (const [name, value] of [
    ['audience', values.audience],
    ['role', values.role],
    ['mount', values.mount],
  ] as const) {
    if (value !== undefined && !/^[\w.:/-]+$/.test(value)) {
      throw new CliUsageError(
        `--${name} '${value}' may only contain letters, digits and . : / - _`,
      );
    }
  }
  const role = values.role ?? plugin;
  const mount = values.mount!;
  const jwksUrl = `${backendUrl.replace(/\/+$/, '')}/api/${plugin}/.backstage/auth/v1/jwks.json`;
  const lines = [
    `# Vault JWT auth for tokens issued by the Backstage plugin '${plugin}'`,
    `# (externalAudienceTokens.getToken({ audience: '${values.audience}' })).`,
    `# jwks_url names the source plugin's keys; with the static key store all plugins`,
    `# share keys, so bound_subject is what ties a token to '${plugin}': keep it.`,
    ...(url.protocol === 'http:'
      ? [
          '# WARNING: the JWKS is fetched over plain http; anyone on the path could substitute keys. Use https.',
        ]
      : []),
    `vault auth enable -path=${mount} jwt   # once per mount`,
    '',
    `vault write auth/${mount}/config \\`,
    `    jwks_url="${jwksUrl}" \\`,
    `    jwt_supported_algs="ES256"`,
    '',
    `# Backstage plugin tokens have no iss claim: do not set bound_issuer.`,
    `vault write auth/${mount}/role/${role} \\`,
    `    role_type="jwt" \\`,
    `    bound_audiences="${values.audience}" \\`,
    `    bound_subject="${plugin}" \\`,
    `    user_claim="sub" \\`,
    `    clock_skew_leeway=60 \\`,
    `    expiration_leeway=60 \\`,
    `    not_before_leeway=60 \\`,
    `    token_policies="${values.policies ?? role}" \\`,
    `    token_ttl="${values.ttl}"`,
    '',
    `# The plugin logs in with:`,
    `#   vault write auth/${mount}/login role="${role}" jwt="<token>"`,
    '',
  ];
  io.stdout.write(lines.join('\n'));
  return 0;
}
