/**
 * Starts the dev backend the way `npm start` does, as a child process, and
 * runs every example its banner prints, so the banner cannot promise a status
 * the backend does not give. The JWT examples get real tokens from the dev
 * identity provider that the backend starts.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { parse } from 'yaml';
import { ConfigSources } from '@backstage/config-loader';
import { runBuiltGatehouseInProcess } from '../src/testing/runCli';
import {
  curlCommand,
  DEV_HASHED_TOKEN_HASH,
  DEV_IDP_CLIENT,
  DEV_TOKENS,
  DevExample,
  devExamples,
  devJwtExamples,
  devSections,
  DevTokenRequest,
  devManagedExamples,
  EXPLAIN_TITLE,
  explainCommand,
  inventoryCommand,
  MANAGED_TOKEN_REQUEST,
  managedTokenCommand,
  READY_MARKER,
  TOKEN_EXTRACTORS,
  tokenCommand,
  tokenRequestFields,
} from './examples';
import { BACKSTAGE_GUARDS_DELEGATION } from '../src/testing/backstageLine';
import { freePort } from '../src/testing/freePort';

const repoRoot = resolve(__dirname, '..');
const EXAMPLE_ENTITIES = [
  'gatehouse-demo',
  'gatehouse-demo-api-server',
  'gatehouse-demo-api',
  'dev-user',
];

let child: ChildProcess;
let output = '';
let baseUrl: string;
let idpUrl: string;
let tempDir: string;
let tokensFile: string;
/** The variables the dev backend was started with, for explain to use the same. */
let childEnv: Record<string, string>;
// Stands for a real secret that a developer exported: it must work, and never be printed.
const callerCiToken = `gth_${randomBytes(32).toString('base64url')}`;

function killChild() {
  child.kill('SIGKILL');
}

/** The response body of the token request the banner prints, made with fetch. */
async function requestToken(request: DevTokenRequest): Promise<string> {
  const basic = Buffer.from(
    `${DEV_IDP_CLIENT.id}:${DEV_IDP_CLIENT.secret}`,
  ).toString('base64');
  const response = await fetch(request.tokenEndpoint, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}` },
    body: new URLSearchParams(tokenRequestFields(request)),
  });
  const body = await response.text();
  expect({ status: response.status, body }).toMatchObject({ status: 200 });
  return body;
}

const tokens = new Map<string, Promise<string>>();

/** The banner's managed token request, made with fetch: the token from its answer. */
async function createManagedToken(): Promise<string> {
  const response = await fetch(`${baseUrl}/api/gatehouse/tokens`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${DEV_TOKENS.admin}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(MANAGED_TOKEN_REQUEST.body),
  });
  const body = await response.text();
  expect({ status: response.status, body }).toMatchObject({ status: 201 });
  return JSON.parse(body).token;
}

/** The real token behind `$TOKEN` and the like: one request per variable. */
function resolveToken(example: DevExample): Promise<string> {
  if (example.token === `$${MANAGED_TOKEN_REQUEST.variable}`) {
    if (!tokens.has(example.token)) {
      tokens.set(example.token, createManagedToken());
    }
    return tokens.get(example.token)!;
  }
  // describe.each built its examples before the ports were known.
  const jwtExample = devJwtExamples(baseUrl, idpUrl).find(
    e => e.token === example.token,
  );
  if (!jwtExample) return Promise.resolve(example.token);
  if (!tokens.has(example.token)) {
    const body = requestToken(jwtExample.tokenRequest);
    tokens.set(
      example.token,
      body.then(text => JSON.parse(text).access_token),
    );
  }
  return tokens.get(example.token)!;
}

function idpPid(): number | undefined {
  const match = /Dev identity provider ready on \S+ \(pid (\d+)\)/.exec(output);
  return match ? Number(match[1]) : undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function acceptsConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise(resolveConnect => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolveConnect(true);
    });
    socket.once('error', () => resolveConnect(false));
  });
}

function waitForReady(timeoutMs: number): Promise<void> {
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`no banner within ${timeoutMs} ms; output:\n${output}`),
        ),
      timeoutMs,
    );
    const check = () => {
      if (output.includes(READY_MARKER)) {
        clearTimeout(timer);
        resolveReady();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', code => {
      clearTimeout(timer);
      reject(
        new Error(
          `dev backend exited with ${code} before the banner; output:\n${output}`,
        ),
      );
    });
    check();
  });
}

type Answer = { status: number; body: string };

async function send(
  example: Pick<DevExample, 'method' | 'path' | 'body'>,
  token: string,
): Promise<Answer> {
  const response = await fetch(`${baseUrl}${example.path}`, {
    method: example.method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(example.body ? { 'content-type': 'application/json' } : {}),
    },
    body: example.body && JSON.stringify(example.body),
  });
  return { status: response.status, body: await response.text() };
}

function get(path: string, token: string): Promise<Answer> {
  return send({ method: 'GET', path }, token);
}

/** Retries until `done` holds for a 200 response or the time is up; returns the last response. */
async function poll(
  request: () => Promise<Answer>,
  timeoutMs: number,
  done: (body: string) => boolean,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await request();
    if (
      (response.status === 200 && done(response.body)) ||
      Date.now() > deadline
    ) {
      return response;
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

/** The first line of the dev backend's log, without colours, that contains `part`; waits a little for it. */
async function logLine(part: string): Promise<string | undefined> {
  for (let i = 0; ; i++) {
    const line = stripVTControlCharacters(output)
      .split('\n')
      .find(l => l.includes(part));
    if (line || i === 20) return line;
    await new Promise(r => setTimeout(r, 100)); // let the log arrive
  }
}

/** Whether the example's response lists the example entities, directly or through the demo plugin. */
function listsEntities(example: DevExample): boolean {
  return (
    example.path === '/api/catalog/entities' ||
    example.path.includes('path=/entities')
  );
}

/** The YAML block of docs/operations.md that sets Gatehouse's log level to debug. */
function debugLoggingBlock(): string {
  const page = readFileSync(join(repoRoot, 'docs', 'operations.md'), 'utf8');
  const section = page.slice(page.indexOf('### Debug logging'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block?.includes('level: debug')) {
    throw new Error('docs/operations.md: no debug logging block');
  }
  return block;
}

beforeAll(async () => {
  const port = await freePort();
  const idpPort = await freePort();
  baseUrl = `http://localhost:${port}`;
  idpUrl = `http://127.0.0.1:${idpPort}`;
  tempDir = mkdtempSync(join(tmpdir(), 'gatehouse-dev-test-'));
  // A fresh file, which the dev backend creates, so edits to the developer's
  // .gatehouse-dev/tokens.yaml cannot break the test, nor the test them.
  tokensFile = join(tempDir, 'tokens.yaml');

  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (
      !name.startsWith('APP_CONFIG_') &&
      name !== 'NODE_ENV' &&
      name !== 'DEPLOY_BOT_TOKEN'
    ) {
      env[name] = value;
    }
  }
  childEnv = {
    GATEHOUSE_DEV_PORT: String(port),
    GATEHOUSE_DEV_IDP_PORT: String(idpPort),
    GATEHOUSE_TOKENS_FILE: tokensFile,
    CI_TOKEN: callerCiToken,
    // The backend alone: the dev app has its own browser test.
    GATEHOUSE_DEV_APP: '0',
  };
  Object.assign(env, childEnv);
  // The operations page's block that turns on debug logging for Gatehouse
  // alone, so that the test sees every rejection the way the page says.
  writeFileSync(join(tempDir, 'debug-logging.yaml'), debugLoggingBlock());

  // One process (no tsx CLI wrapper), so that killing it leaves nothing behind.
  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'dev/index.ts',
      '--config',
      join(tempDir, 'debug-logging.yaml'),
    ],
    {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // If Jest is interrupted before afterAll, the backend must not outlive it.
  process.once('exit', killChild);
  child.stdout!.setEncoding('utf8').on('data', chunk => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', chunk => (output += chunk));
  await waitForReady(60_000);
}, 70_000);

/** SIGTERM, as `kill` or Ctrl-C would send; SIGKILL if it hangs. */
async function stopChild() {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise(r => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

afterAll(async () => {
  process.removeListener('exit', killChild);
  await stopChild();
  // Only if the last test failed: never leave a server behind.
  const pid = idpPid();
  if (pid && isRunning(pid)) process.kill(pid, 'SIGKILL');
  if (tempDir) {
    rmSync(tempDir, { recursive: true, force: true });
  }
  // Its node_modules is a link: removed, never followed.
  if (freshClone) rmSync(freshClone, { recursive: true, force: true });
}, 15_000);

test('the hash in dev/app-config.dev.yaml is the hash of the printed token', () => {
  const hash = `sha256:${createHash('sha256').update(DEV_TOKENS.hashed).digest('hex')}`;
  expect(hash).toBe(DEV_HASHED_TOKEN_HASH);
  const config = parse(
    readFileSync(join(__dirname, 'app-config.dev.yaml'), 'utf8'),
  );
  const hashes = config.backend.auth.externalAccess.flatMap(
    (entry: { options: { tokens?: { hash?: string }[] } }) =>
      (entry.options.tokens ?? []).map(t => t.hash),
  );
  expect(hashes).toContain(DEV_HASHED_TOKEN_HASH);
});

test('the banner prints its sections and a curl command for every example', () => {
  for (const { title } of devSections(baseUrl)) {
    expect(output).toContain(`\n## ${title}\n`);
  }
  for (const example of devExamples(baseUrl)) {
    expect(output).toContain(curlCommand(example));
  }
  for (const example of devJwtExamples(baseUrl, idpUrl)) {
    expect(output).toContain(curlCommand(example));
    expect(output).toContain(tokenCommand(example.tokenRequest, 'jq'));
    expect(output).toContain(tokenCommand(example.tokenRequest, 'node'));
  }
  for (const example of devManagedExamples(baseUrl)) {
    expect(output).toContain(curlCommand(example));
  }
  expect(output).toContain(managedTokenCommand(baseUrl, 'jq'));
  expect(output).toContain(managedTokenCommand(baseUrl, 'node'));
});

test("the banner's managed token command, run as printed (without jq), creates a token that works", async () => {
  const created = execFileSync(
    'sh',
    ['-c', `${managedTokenCommand(baseUrl, 'node')} && printf %s "$MANAGED"`],
    { encoding: 'utf8' },
  );
  expect(created).toMatch(/^gthm_[0-9A-Za-z]{49}$/);
  expect((await get('/api/catalog/entities', created)).status).toBe(200);
});

test('the variant without jq takes the token out of the response', async () => {
  const [{ tokenRequest }] = devJwtExamples(baseUrl, idpUrl);
  const body = await requestToken(tokenRequest);
  const extracted = execFileSync('sh', ['-c', TOKEN_EXTRACTORS.node], {
    input: body,
    encoding: 'utf8',
  });
  expect(extracted.trim()).toBe(JSON.parse(body).access_token);
});

/**
 * The message an example expects, on the installed release line: before
 * backend-defaults 0.17.8, Backstage's credentials do not say which plugins
 * a restricted caller may reach, and Gatehouse's auth refuses to delegate
 * it at all (src/auth), saying so.
 */
function expectedOnThisLine(message: string): string {
  return BACKSTAGE_GUARDS_DELEGATION
    ? message
    : message.replace(
        /(Access to target plugin '[^']+') is not included in token's access restrictions$/,
        "$1 cannot be delegated: the caller's token is restricted, and this Backstage version does not say which plugins it may reach",
      );
}

const allExamples = [
  ...devExamples('http://localhost:7007'),
  ...devJwtExamples('http://localhost:7007', 'http://127.0.0.1:7008'),
  ...devManagedExamples('http://localhost:7007'),
];

describe.each(allExamples.map(e => [e.title, e] as const))(
  '%s',
  (_, example) => {
    test(`${example.method} ${example.path} answers ${example.expectedStatus}`, async () => {
      const token = await resolveToken(example);
      const response = listsEntities(example)
        ? // The catalog processes its locations in the background after start-up.
          await poll(
            () => send(example, token),
            30_000,
            body =>
              EXAMPLE_ENTITIES.every(name => body.includes(`"name":"${name}"`)),
          )
        : await send(example, token);
      expect({ status: response.status, body: response.body }).toMatchObject({
        status: example.expectedStatus,
      });
      if (example.expectedSubject) {
        const json = JSON.parse(response.body);
        // `/call/<target>` answers with what the target answered.
        const { principal } = json.called ? json.response : json;
        expect(principal.subject).toBe(example.expectedSubject);
      }
      if (example.expectedMessage) {
        expect(JSON.parse(response.body).error.message).toContain(
          expectedOnThisLine(example.expectedMessage),
        );
      }
      if (example.expectedAudit) {
        expect(JSON.parse(response.body).error.name).toBe('NotAllowedError');
        const line = await logLine(
          `access-restriction-denial ${example.expectedAudit}`,
        );
        expect(line).toContain('isAuditEvent=true');
      }
      if (example.token === '$OTHER_TOKEN') {
        expect(
          await logLine('gatehouse-jwks rejected a token (audience_mismatch'),
        ).toBeDefined();
      }
      if (listsEntities(example)) {
        for (const name of EXAMPLE_ENTITIES) {
          expect(response.body).toContain(`"name":"${name}"`);
        }
      }
    }, 40_000);
  },
);

/** The externalAccess list of a config file, loaded as Backstage loads it. */
async function externalAccessOf(file: string, env: Record<string, string>) {
  const config = await ConfigSources.toConfig(
    ConfigSources.default({
      argv: ['--config', join(repoRoot, file)],
      watch: false,
      substitutionFunc: async name => env[name],
    }),
  );
  return config.getConfigArray('backend.auth.externalAccess').map(c => c.get());
}

test("the dev config runs app-config.example.yaml's entries as they are", async () => {
  const example = await externalAccessOf('app-config.example.yaml', {
    CI_TOKEN: DEV_TOKENS.ciPipeline,
    DEPLOY_BOT_TOKEN: DEV_TOKENS.deployBot,
    GATEHOUSE_TOKENS_FILE: '.gatehouse-dev/tokens.yaml',
  });
  const dev = await externalAccessOf('dev/app-config.dev.yaml', {});
  expect(example).toHaveLength(3);
  expect(dev.slice(0, 3)).toEqual(example);
});

test('gatehouse explain on the dev config agrees with the backend on every example, managed tokens included', async () => {
  const examples = [
    ...devExamples(baseUrl),
    ...devJwtExamples(baseUrl, idpUrl),
    // A managed token's state is in the database: explain asks the backend.
    ...devManagedExamples(baseUrl).filter(
      e => e.token === `$${MANAGED_TOKEN_REQUEST.variable}`,
    ),
  ].filter(e => !e.path.includes('/call/'));
  const saved = { ...process.env };
  Object.assign(process.env, childEnv, {
    GATEHOUSE_BACKEND_URL: baseUrl,
    GATEHOUSE_TOKEN: DEV_TOKENS.admin,
  });
  try {
    for (const example of examples) {
      const token = await resolveToken(example);
      const explained = await runBuiltGatehouseInProcess([
        'explain',
        '--config',
        'dev/app-config.dev.yaml',
        token,
      ]);
      const backend = await send(example, token);
      expect({
        title: example.title,
        accepted: explained.status === 0,
      }).toEqual({ title: example.title, accepted: backend.status !== 401 });
      if (example.expectedSubject && !example.path.includes('/call/')) {
        expect(explained.stdout).toContain(`as '${example.expectedSubject}'.`);
      }
    }
  } finally {
    process.env = saved;
  }
});

test('gatehouse explain says it cannot tell a managed token without the backend, and that one is revoked with it', async () => {
  const token = await resolveToken({
    token: `$${MANAGED_TOKEN_REQUEST.variable}`,
  } as DevExample);
  const explain = () =>
    runBuiltGatehouseInProcess([
      'explain',
      '--config',
      'dev/app-config.dev.yaml',
      token,
    ]);
  const saved = { ...process.env };
  Object.assign(process.env, childEnv);
  try {
    const offline = await explain();
    expect(offline.status).toBe(3);
    expect(offline.stdout).toMatch(/^Result: cannot say/m);
    const made = await fetch(`${baseUrl}/api/gatehouse/tokens`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${DEV_TOKENS.admin}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        owner: 'group:default/platform-team',
        subject: 'explained',
        description: 'revoked',
      }),
    }).then(r => r.json() as Promise<{ id: string; token: string }>);
    await fetch(`${baseUrl}/api/gatehouse/tokens/${made.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${DEV_TOKENS.admin}` },
    });
    Object.assign(process.env, {
      GATEHOUSE_BACKEND_URL: baseUrl,
      GATEHOUSE_TOKEN: DEV_TOKENS.admin,
    });
    const revoked = await runBuiltGatehouseInProcess([
      'explain',
      '--config',
      'dev/app-config.dev.yaml',
      made.token,
    ]);
    expect(revoked.status).toBe(1);
    expect(revoked.stdout).toContain(`managed token ${made.id} was revoked at`);
    expect((await get('/api/demo/whoami', made.token)).status).toBe(401);
  } finally {
    process.env = saved;
  }
});

/**
 * What a fresh clone has for the CLI to run: the package's manifest and
 * TypeScript config, bin/, src/ and dev/ (the configs the banner names),
 * the installed node_modules, and no dist/ (nothing builds it before
 * `npm pack`). Copied from the checkout, not from git: the compatibility
 * matrix runs the tests in copies without .git. Made once.
 */
const CLONE_PARTS = [
  'package.json',
  'tsconfig.json',
  'bin',
  'src',
  'dev',
  'plugins/gatehouse-common',
];
let freshClone: string | undefined;
function freshCloneDir(): string {
  if (!freshClone) {
    freshClone = mkdtempSync(join(tmpdir(), 'gatehouse-fresh-clone-'));
    for (const part of CLONE_PARTS) {
      cpSync(join(repoRoot, part), join(freshClone, part), {
        recursive: true,
        // What .gitignore keeps out of a clone.
        filter: source =>
          !/[\\/](node_modules|dist|\.gatehouse-[^\\/]*)$/.test(source),
      });
    }
    symlinkSync(
      join(repoRoot, 'node_modules'),
      join(freshClone, 'node_modules'),
    );
  }
  expect(existsSync(join(freshClone, 'dist'))).toBe(false);
  return freshClone;
}

/**
 * A command of the banner, run as printed by a shell in a fresh clone.
 * Asynchronous: a synchronous child would hold the event loop for seconds,
 * and the HTTP client would then reuse a keep-alive connection the backend
 * had closed meanwhile.
 */
function runAsPrinted(
  command: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const shell = spawn('bash', ['-c', command], {
    cwd: freshCloneDir(),
    env: { ...process.env, ...childEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  let stdout = '';
  let stderr = '';
  shell.stdout.setEncoding('utf8').on('data', chunk => (stdout += chunk));
  shell.stderr.setEncoding('utf8').on('data', chunk => (stderr += chunk));
  return new Promise((resolveRun, reject) => {
    shell.once('error', reject);
    shell.once('close', status => resolveRun({ status, stdout, stderr }));
  });
}

test("the banner's inventory command, run as printed in a fresh clone, lists the dev credentials with their last use", async () => {
  const command = inventoryCommand(baseUrl);
  expect(output).toContain(`${command}\n`);
  const result = await runAsPrinted(command);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const lines = result.stdout.split('\n');
  expect(lines[0]).toMatch(/^SOURCE +SUBJECT +OWNER +STATUS/);
  // The admin token has been used by the tests before this one.
  expect(result.stdout).toMatch(
    /^static token +dev-admin +no owner +active .* \d{4}-\d\d-\d\d \d\d:\d\d /m,
  );
  // Owned in config: the example's CI pipeline is the platform team's.
  expect(result.stdout).toMatch(
    /^static token +ci-pipeline +group:default\/platform-team +active /m,
  );
});

test("the banner's explain command, run as printed in a fresh clone, says why the expired token is rejected", async () => {
  const command = explainCommand('dev/app-config.dev.yaml', DEV_TOKENS.expired);
  expect(output).toContain(`# ${EXPLAIN_TITLE}\n${command}\n`);
  const result = await runAsPrinted(command);
  expect(result.status).toBe(1);
  expect(result.stdout).toContain('expired at 2020-01-01T00:00:00.000Z');
});

test('with the debug logging of docs/operations.md, every rejection is logged, and warned about once', async () => {
  const token = `gth_dev_never_configured_${randomBytes(8).toString('hex')}`;
  const fingerprint = createHash('sha256')
    .update(token)
    .digest('hex')
    .slice(0, 8);
  for (let i = 0; i < 3; i++) {
    expect((await get('/api/demo/whoami', token)).status).toBe(401);
  }
  await logLine(`fingerprint="${fingerprint}"`);
  const lines = stripVTControlCharacters(output)
    .split('\n')
    .filter(line => line.includes(`fingerprint="${fingerprint}"`));
  expect(
    lines.filter(line =>
      / debug gatehouse-static rejected a token \(unknown_token\)/.test(line),
    ),
  ).toHaveLength(3);
  expect(lines.filter(line => / warn /.test(line))).toHaveLength(1);
  // Gatehouse's level only: no other plugin logs at debug.
  expect(
    stripVTControlCharacters(output)
      .split('\n')
      .filter(line => / debug /.test(line) && !line.includes('gatehouse-')),
  ).toEqual([]);
});

test('a token added to the tokens file is accepted without a restart', async () => {
  const added = `gth_dev_added_at_run_time_${randomBytes(8).toString('hex')}`;
  expect((await get('/api/demo/whoami', added)).status).toBe(401);
  writeFileSync(
    tokensFile,
    `${readFileSync(tokensFile, 'utf8')}  - token: ${added}\n    subject: added-later\n`,
  );
  // The banner promises 2 s; the extra second is slack for a busy test machine.
  const response = await poll(
    () => get('/api/demo/whoami', added),
    3_000,
    () => true,
  );
  expect(response.status).toBe(200);
  expect(JSON.parse(response.body).principal.subject).toBe('added-later');
});

test("the caller's own CI_TOKEN is used, and never printed", async () => {
  expect((await get('/api/catalog/entities', callerCiToken)).status).toBe(200);
  expect((await get('/api/demo/whoami', callerCiToken)).status).toBe(403);
  await new Promise(r => setTimeout(r, 200)); // let the request logs arrive
  expect(output).not.toContain(callerCiToken);
});

// Last, as it stops the backend that the tests above use.
test('stopping the dev backend stops its identity provider', async () => {
  const pid = idpPid()!;
  expect(isRunning(pid)).toBe(true);
  await stopChild();
  // 0: the shutdown hook that stops the provider did not fail.
  expect(child.exitCode).toBe(0);
  expect(isRunning(pid)).toBe(false);
  expect(await acceptsConnections(idpUrl)).toBe(false);
});
