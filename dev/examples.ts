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
  /** The defaults in dev/app-config.dev.yaml of the variables that app-config.example.yaml uses. */
  ciPipeline: 'gth_dev_ci_pipeline_catalog_read_0001',
  deployBot: 'gth_dev_deploy_bot_not_a_secret_0001',
  /** Written to the dev tokens file (GATEHOUSE_TOKENS_FILE). */
  monitoring: 'gth_dev_monitoring_from_tokens_file_0001',
  /** The dev entries of dev/app-config.dev.yaml. */
  admin: 'gth_dev_admin_unrestricted_not_a_secret_0001',
  /** Only its hash is in dev/app-config.dev.yaml (DEV_HASHED_TOKEN_HASH). */
  hashed: 'gth_dev_hashed_known_only_by_its_sha256_0001',
  catalogReader: 'gth_dev_catalog_reader_read_only_0001',
  catalogEntities: 'gth_dev_catalog_entities_wildcard_0001',
  demoOnly: 'gth_dev_demo_plugin_only_0001',
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
  method: 'GET' | 'POST';
  path: string;
  /** Sent as JSON. */
  body?: object;
  /** `baseUrl` + `path`. */
  url: string;
  expectedStatus: number;
  /**
   * The subject of the principal in the response: the caller's for whoami,
   * the one the called plugin saw for `/call/<target>`.
   */
  expectedSubject?: string;
  /** A part of the error message in the response. */
  expectedMessage?: string;
  /**
   * For a denial by Gatehouse's permissions service: a part of the message of
   * the `access-restriction-denial` audit event it logs.
   */
  expectedAudit?: string;
}

type ExampleSpec = Omit<DevExample, 'method' | 'url'> & {
  method?: DevExample['method'];
};

/** A titled group of examples in the banner. */
export interface DevSection<Example = DevExample> {
  title: string;
  /** A line that explains the section. */
  note?: string;
  examples: Example[];
}

/**
 * A location to register. The catalog checks catalog.location.create before
 * anything else, dry run or not; `dryRun` keeps the catalog as it is, should
 * a token be allowed.
 */
const LOCATION = {
  path: '/api/catalog/locations?dryRun=true',
  body: { type: 'url', target: 'https://example.com/catalog-info.yaml' },
};

/** The banner's sections but the JWTs, in order. */
const SECTIONS: DevSection<ExampleSpec>[] = [
  {
    title: 'Static tokens (gatehouse-static)',
    examples: [
      {
        title:
          'the entities of the catalog (from dev/examples/entities.yaml), with the unrestricted dev-admin token',
        token: DEV_TOKENS.admin,
        path: '/api/catalog/entities',
        expectedStatus: 200,
      },
      {
        title: 'who the backend takes the caller for, with the same token',
        token: DEV_TOKENS.admin,
        path: '/api/demo/whoami',
        expectedStatus: 200,
        expectedSubject: 'dev-admin',
      },
      {
        title: 'whoami with a token whose config holds only its sha256 hash',
        token: DEV_TOKENS.hashed,
        path: '/api/demo/whoami',
        expectedStatus: 200,
        expectedSubject: 'dev-hashed',
      },
      {
        title: 'whoami with the token from the tokens file',
        token: DEV_TOKENS.monitoring,
        path: '/api/demo/whoami',
        expectedStatus: 200,
        expectedSubject: 'monitoring',
      },
      {
        title: 'an expired token: rejected, the message says since when',
        token: DEV_TOKENS.expired,
        path: '/api/demo/whoami',
        expectedStatus: 401,
        expectedMessage: 'expired at 2020-01-01',
      },
      {
        title: 'a token nobody configured',
        token: DEV_TOKENS.unknown,
        path: '/api/demo/whoami',
        expectedStatus: 401,
      },
    ],
  },
  {
    title: 'Access restrictions',
    note: "Gatehouse's permissions service enforces them, with * wildcards in permission names, and audits each denial (access-restriction-denial in the log).",
    examples: [
      {
        title: 'a token restricted to catalog read actions, on the catalog',
        token: DEV_TOKENS.catalogReader,
        path: '/api/catalog/entities',
        expectedStatus: 200,
      },
      {
        title:
          "the same token registering a location (action create): denied; the catalog's 403 has no message, the log says why",
        token: DEV_TOKENS.catalogReader,
        method: 'POST',
        ...LOCATION,
        expectedStatus: 403,
        expectedAudit:
          "Access restrictions of 'dev-catalog-reader' deny it: action 'create' of permission 'catalog.location.create' is not in the token's actions [read]",
      },
      {
        title: 'the same token on another plugin: not allowed',
        token: DEV_TOKENS.catalogReader,
        path: '/api/demo/whoami',
        expectedStatus: 403,
      },
      {
        title:
          'a token restricted to permissions catalog.entity.*, on the catalog',
        token: DEV_TOKENS.catalogEntities,
        path: '/api/catalog/entities',
        expectedStatus: 200,
      },
      {
        title:
          'the same token registering a location (catalog.location.create): denied',
        token: DEV_TOKENS.catalogEntities,
        method: 'POST',
        ...LOCATION,
        expectedStatus: 403,
        expectedAudit:
          "Access restrictions of 'dev-catalog-entities' deny it: permission 'catalog.location.create' is not in the token's permissions [catalog.entity.*]",
      },
    ],
  },
  {
    title: 'Plugin-to-plugin calls',
    note: 'GET /api/<plugin>/call/<target>?path=/whoami&as=self|caller: <plugin> calls <target> as itself or on behalf of the caller, and shows the answer.',
    examples: [
      {
        title: 'demo calls other as itself',
        token: DEV_TOKENS.admin,
        path: '/api/demo/call/other?as=self',
        expectedStatus: 200,
        expectedSubject: 'plugin:demo',
      },
      {
        title:
          "other calls demo on behalf of dev-admin: Backstage's plugin tokens carry users, not external services, so demo sees the calling plugin",
        token: DEV_TOKENS.admin,
        path: '/api/other/call/demo?as=caller',
        expectedStatus: 200,
        expectedSubject: 'plugin:other',
      },
      {
        title: "the catalog's entities, through demo on behalf of dev-admin",
        token: DEV_TOKENS.admin,
        path: '/api/demo/call/catalog?path=/entities&as=caller',
        expectedStatus: 200,
      },
      {
        title: 'a token restricted to demo: demo may call other as itself',
        token: DEV_TOKENS.demoOnly,
        path: '/api/demo/call/other?as=self',
        expectedStatus: 200,
        expectedSubject: 'plugin:demo',
      },
      {
        title:
          'but not on behalf of the token, whose restrictions do not include other',
        token: DEV_TOKENS.demoOnly,
        path: '/api/demo/call/other?as=caller',
        expectedStatus: 403,
        expectedMessage:
          "Plugin 'demo' cannot call plugin 'other' on behalf of 'dev-demo-only': Access to target plugin 'other' is not included in token's access restrictions",
      },
      {
        title:
          "the README's example plugin (dev/reportsPlugin.ts): components from the catalog, on behalf of the caller",
        token: DEV_TOKENS.admin,
        path: '/api/reports/components',
        expectedStatus: 200,
      },
    ],
  },
];

export function devSections(baseUrl: string): DevSection[] {
  return SECTIONS.map(section => ({
    ...section,
    examples: section.examples.map(example => ({
      method: 'GET',
      ...example,
      url: `${baseUrl}${example.path}`,
    })),
  }));
}

export function devExamples(baseUrl: string): DevExample[] {
  return devSections(baseUrl).flatMap(section => section.examples);
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

type JwtExampleSpec = Omit<DevExample, 'token' | 'method' | 'url'> & {
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
  const json = example.body && JSON.stringify(example.body);
  if (json?.includes("'")) {
    throw new Error(`a body with ' needs other quoting: ${json}`);
  }
  const body = json ? ` -H "Content-Type: application/json" -d '${json}'` : '';
  // Quoted if needed: & would end the command, and zsh would glob the ?.
  const url = /[?&]/.test(example.url) ? `'${example.url}'` : example.url;
  return `curl${method} -w '\\nHTTP %{http_code}\\n' -H "Authorization: Bearer ${example.token}"${body} ${url}`;
}

/** The banner's last section: the CLI says what the backend does with a token. */
export const EXPLAIN_TITLE =
  'the same entries, the same code, one sentence per entry (any token of the examples above)';

/** The explain command the banner prints, run from the repository root. */
export function explainCommand(configFile: string, token: string): string {
  return `npx gatehouse explain --config ${configFile} ${token}`;
}

/** The banner's inventory command: every credential with its last use, as the dev admin. */
export function inventoryCommand(baseUrl: string): string {
  return `GATEHOUSE_TOKEN=${DEV_TOKENS.admin} npx gatehouse inventory --backend-url ${baseUrl}`;
}

/** The banner's managed-token section: a token created with the dev admin token, then used. */
export const MANAGED_TOKEN_REQUEST = {
  variable: 'MANAGED',
  body: {
    subject: 'my-script',
    owner: 'group:default/platform-team',
    description: 'made from the dev banner',
    expiresIn: '1d',
    accessRestrictions: [{ plugin: 'catalog' }],
  },
} as const;

/** The shell assignment that creates the managed token and keeps it in $MANAGED. */
export function managedTokenCommand(
  baseUrl: string,
  extractor: 'jq' | 'node',
): string {
  const extract =
    extractor === 'jq'
      ? 'jq -r .token'
      : `node -p 'JSON.parse(fs.readFileSync(0)).token'`;
  return `${MANAGED_TOKEN_REQUEST.variable}=$(curl -s -H "Authorization: Bearer ${DEV_TOKENS.admin}" -H "Content-Type: application/json" -d '${JSON.stringify(MANAGED_TOKEN_REQUEST.body)}' ${baseUrl}/api/gatehouse/tokens | ${extract})`;
}

const MANAGED_EXAMPLES: ExampleSpec[] = [
  {
    title: 'the catalog with the managed token',
    token: `$${MANAGED_TOKEN_REQUEST.variable}`,
    path: '/api/catalog/entities',
    expectedStatus: 200,
  },
  {
    title: 'another plugin with it: not in its restrictions',
    token: `$${MANAGED_TOKEN_REQUEST.variable}`,
    path: '/api/demo/whoami',
    expectedStatus: 403,
  },
  {
    title: 'the inventory of managed tokens (metadata only, never a token)',
    token: DEV_TOKENS.admin,
    path: '/api/gatehouse/tokens',
    expectedStatus: 200,
  },
  {
    title:
      'every credential, from every source, with its last use: those expiring within 14 days',
    token: DEV_TOKENS.admin,
    path: '/api/gatehouse/inventory?expiringWithin=14d',
    expectedStatus: 200,
  },
];

export function devManagedExamples(baseUrl: string): DevExample[] {
  return MANAGED_EXAMPLES.map(example => ({
    method: 'GET',
    ...example,
    url: `${baseUrl}${example.path}`,
  }));
}
