/**
 * Tokens and example requests of the dev backend (`npm start`). The banner
 * prints the examples and dev/dev.test.ts runs them, so what the banner
 * promises is tested.
 *
 * Every token here is public, since it is in this repository: they exist only
 * for the dev backend on localhost and must never be configured anywhere else.
 */

/** Starts the banner; dev.test.ts waits for it. */
export const READY_MARKER = 'Gatehouse dev backend is ready';

export const DEV_TOKENS = {
  /** Defaults for the variables that app-config.example.yaml uses. */
  ciPipeline: 'gth_dev_ci_pipeline_catalog_read_0001',
  deployBot: 'gth_dev_deploy_bot_not_a_secret_0001',
  /** Written to the dev tokens file (GATEHOUSE_TOKENS_FILE). */
  monitoring: 'gth_dev_monitoring_from_tokens_file_0001',
  /** The dev entries of dev/app-config.dev.yaml. */
  admin: 'gth_dev_admin_unrestricted_not_a_secret_0001',
  /** Only its hash is in dev/app-config.dev.yaml (DEV_HASHED_TOKEN_HASH). */
  hashed: 'gth_dev_hashed_known_only_by_its_sha256_0001',
  catalogReader: 'gth_dev_catalog_reader_read_only_0001',
  expired: 'gth_dev_expired_in_2020_not_a_secret_0001',
  /** Configured nowhere. */
  unknown: 'gth_dev_unknown_configured_nowhere_0001',
} as const;

/** What dev/app-config.dev.yaml has for DEV_TOKENS.hashed; dev.test.ts checks they match. */
export const DEV_HASHED_TOKEN_HASH =
  'sha256:5b62b65fcb89848f5c61ae0211310fe095aa2d4f3c1ed35ba90b12cafdeb98a0';

export interface DevExample {
  /** One line: what the request shows. */
  title: string;
  token: string;
  method: 'GET';
  path: string;
  /** `baseUrl` + `path`. */
  url: string;
  expectedStatus: number;
  /** For whoami: the subject the principal must have. */
  expectedSubject?: string;
}

type ExampleSpec = Omit<DevExample, 'method' | 'url'>;

const EXAMPLES: ExampleSpec[] = [
  {
    title: 'whoami with the unrestricted dev-admin token',
    token: DEV_TOKENS.admin,
    path: '/api/demo/whoami',
    expectedStatus: 200,
    expectedSubject: 'dev-admin',
  },
  {
    title:
      'the Red Hat Developer Hub docs call: catalog locations with a static token',
    token: DEV_TOKENS.admin,
    path: '/api/catalog/locations',
    expectedStatus: 200,
  },
  {
    title: 'catalog entities from dev/examples/entities.yaml',
    token: DEV_TOKENS.admin,
    path: '/api/catalog/entities',
    expectedStatus: 200,
  },
  {
    title: 'whoami with a token whose config holds only its sha256 hash',
    token: DEV_TOKENS.hashed,
    path: '/api/demo/whoami',
    expectedStatus: 200,
    expectedSubject: 'dev-hashed',
  },
  {
    title: 'whoami with the token from the tokens file (subject monitoring)',
    token: DEV_TOKENS.monitoring,
    path: '/api/demo/whoami',
    expectedStatus: 200,
    expectedSubject: 'monitoring',
  },
  {
    title: 'a token restricted to catalog read, on the catalog',
    token: DEV_TOKENS.catalogReader,
    path: '/api/catalog/entities',
    expectedStatus: 200,
  },
  {
    title: 'the same restricted token on another plugin: not allowed',
    token: DEV_TOKENS.catalogReader,
    path: '/api/demo/whoami',
    expectedStatus: 403,
  },
  {
    title: 'an expired token: rejected, the message says since when',
    token: DEV_TOKENS.expired,
    path: '/api/demo/whoami',
    expectedStatus: 401,
  },
  {
    title: 'a token nobody configured',
    token: DEV_TOKENS.unknown,
    path: '/api/demo/whoami',
    expectedStatus: 401,
  },
];

export function devExamples(baseUrl: string): DevExample[] {
  return EXAMPLES.map(example => ({
    ...example,
    method: 'GET',
    url: `${baseUrl}${example.path}`,
  }));
}

/** A curl command that shows the response body and then the status. */
export function curlCommand(example: DevExample): string {
  const method = example.method === 'GET' ? '' : ` -X ${example.method}`;
  return `curl${method} -w '\\nHTTP %{http_code}\\n' -H "Authorization: Bearer ${example.token}" ${example.url}`;
}
