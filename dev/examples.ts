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

/**
 * The dev identity provider's client (dev/identityProvider/README.md). Its
 * secret is as public as the tokens above.
 */
export const DEV_IDP_CLIENT = {
  id: 'rs256-client',
  secret: 'rs256-client-secret',
} as const;

/** A client-credentials token request whose access token the banner keeps in a shell variable. */
export interface DevTokenRequest {
  variable: 'TOKEN' | 'OTHER_TOKEN';
  /** The token's `aud`. */
  audience: string;
  tokenEndpoint: string;
}

/** A request with a JWT from the dev identity provider: `token` is `$VARIABLE`. */
export interface DevJwtExample extends DevExample {
  tokenRequest: DevTokenRequest;
}

type JwtExampleSpec = Omit<ExampleSpec, 'token'> & {
  variable: DevTokenRequest['variable'];
};

const AUDIENCES: Record<DevTokenRequest['variable'], string> = {
  // What the gatehouse-jwks entry of dev/app-config.dev.yaml expects.
  TOKEN: 'backstage-api',
  OTHER_TOKEN: 'other-api',
};

const JWT_EXAMPLES: JwtExampleSpec[] = [
  {
    title: 'whoami with the JWT',
    variable: 'TOKEN',
    path: '/api/demo/whoami',
    expectedStatus: 200,
    expectedSubject: `external:dev-idp:${DEV_IDP_CLIENT.id}`,
  },
  {
    title: 'catalog entities with the JWT',
    variable: 'TOKEN',
    path: '/api/catalog/entities',
    expectedStatus: 200,
  },
  {
    title:
      'a JWT issued for another audience: rejected, the backend log says audience_mismatch',
    variable: 'OTHER_TOKEN',
    path: '/api/demo/whoami',
    expectedStatus: 401,
  },
];

/** @param idpUrl - the dev identity provider's issuer, e.g. http://127.0.0.1:7008 */
export function devJwtExamples(
  baseUrl: string,
  idpUrl: string,
): DevJwtExample[] {
  return JWT_EXAMPLES.map(({ variable, ...example }) => ({
    ...example,
    token: `$${variable}`,
    method: 'GET',
    url: `${baseUrl}${example.path}`,
    tokenRequest: {
      variable,
      audience: AUDIENCES[variable],
      tokenEndpoint: `${idpUrl}/token`,
    },
  }));
}

/**
 * The form fields of a token request. Resource indicators must be absolute
 * URIs; the dev identity provider makes `aud` of what follows this prefix.
 */
export function tokenRequestFields(request: DevTokenRequest) {
  return {
    grant_type: 'client_credentials',
    resource: `urn:gatehouse:audience:${request.audience}`,
  };
}

/** How the banner's commands take `access_token` out of the JSON response. */
export const TOKEN_EXTRACTORS = {
  jq: 'jq -r .access_token',
  // Node is there whenever `npm start` is; jq may not be.
  node: `node -p 'JSON.parse(fs.readFileSync(0)).access_token'`,
} as const;

/** A shell assignment that gets a token by client credentials, with curl. */
export function tokenCommand(
  request: DevTokenRequest,
  extractor: keyof typeof TOKEN_EXTRACTORS,
): string {
  const fields = Object.entries(tokenRequestFields(request))
    .map(([name, value]) => ` -d ${name}=${value}`)
    .join('');
  return `${request.variable}=$(curl -s -u ${DEV_IDP_CLIENT.id}:${DEV_IDP_CLIENT.secret}${fields} ${request.tokenEndpoint} | ${TOKEN_EXTRACTORS[extractor]})`;
}

/** A curl command that shows the response body and then the status. */
export function curlCommand(example: DevExample): string {
  const method = example.method === 'GET' ? '' : ` -X ${example.method}`;
  return `curl${method} -w '\\nHTTP %{http_code}\\n' -H "Authorization: Bearer ${example.token}" ${example.url}`;
}
