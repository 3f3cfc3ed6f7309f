import { execFile } from 'node:child_process';
import { createServer, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import {
  BUILT_CLI,
  runBuiltGatehouseInProcess,
  withGatehouseToken,
} from '../testing/runCli';

/**
 * What a credential's creator may put in its description or subject: clear
 * the screen, set the window title, a C1 CSI (which some terminals obey, and
 * which JSON.stringify leaves as it is), a right-to-left override and a
 * zero-width space.
 */
const HOSTILE = '\u001b[2J\u001b]0;pwned\u0007\u009b31mfake\u202eevil\u200bend';
/** HOSTILE as the CLI shows it: JSON escapes, valid in JSON and readable elsewhere. */
const SHOWN =
  '\\u001b[2J\\u001b]0;pwned\\u0007\\u009b31mfake\\u202eevil\\u200bend';

/** Any control or format character, separator or lone surrogate. */
const RAW = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
/** The output without its line structure, which is all it may keep raw. */
const withoutLineEnds = (text: string) => text.replace(/\r?\n/g, '');

const INVENTORY = {
  items: [
    {
      id: 'gatehouse-managed:1',
      source: 'gatehouse-managed',
      subject: `bot${HOSTILE}`,
      description: HOSTILE,
      fingerprint: '9c1d0e2f',
      definedAt: 'database',
      status: 'active',
      expiresAt: '2030-01-01T00:00:00.000Z',
      accessRestrictions: null,
      usage: {
        lastUsedAt: '2025-01-01T00:00:00.000Z',
        lastUsedBy: `catalog${HOSTILE}`,
        uses24h: 1,
        uses30d: 3,
        lastRejection: { reason: HOSTILE, at: '2025-01-01T00:00:00.000Z' },
      },
    },
  ],
};

/** The CSV an older (or hostile) backend sends: the text as it is, CRLF rows. */
const INVENTORY_CSV = `id,source,subject,description\r\ngatehouse-managed:1,gatehouse-managed,bot,${HOSTILE}\r\n`;

const TOKENS = {
  items: [
    {
      id: 'tok-1',
      status: 'active',
      fingerprint: '9c1d0e2f',
      subject: `bot${HOSTILE}`,
      description: HOSTILE,
      expiresAt: '2030-01-01T00:00:00.000Z',
      accessRestrictions: null,
    },
  ],
};

/**
 * A stand-in for the backend's /api/gatehouse: the subject here is what the
 * CLI prints, whatever a backend answers (the real inventory and tokens APIs
 * are tested with the real backend elsewhere).
 */
function startBackend(): Promise<{ server: Server; url: string }> {
  const json = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/api/gatehouse/inventory') {
      if (url.searchParams.get('format') === 'csv') {
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
        res.end(INVENTORY_CSV);
      } else {
        json(res, INVENTORY);
      }
    } else if (url.pathname === '/api/gatehouse/tokens') {
      json(res, TOKENS);
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'not found' } }));
    }
  });
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      }),
    ),
  );
}

describe('gatehouse output escaping', () => {
  let server: Server;
  let backendUrl: string;

  beforeAll(async () => {
    ({ server, url: backendUrl } = await startBackend());
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
  });

  const gatehouse = (...args: string[]) =>
    withGatehouseToken('gth_output-escaping-test-token-0123456789', () =>
      runBuiltGatehouseInProcess([...args, '--backend-url', backendUrl]),
    );

  it('escapes control and format characters from the backend in the inventory table', async () => {
    const result = await gatehouse('inventory');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('bot\\u{1b}[2J');
    expect(withoutLineEnds(result.stdout)).not.toMatch(RAW);
  });

  it('escapes them in inventory --csv, keeping the CRLF rows', async () => {
    const result = await gatehouse('inventory', '--csv');
    expect(result.status).toBe(0);
    expect(withoutLineEnds(result.stdout)).not.toMatch(RAW);
    expect(result.stdout).toBe(
      `id,source,subject,description\r\ngatehouse-managed:1,gatehouse-managed,bot,${SHOWN}\r\n`,
    );
  });

  it('escapes them in inventory --json, which still parses to the original text', async () => {
    const result = await gatehouse('inventory', '--json');
    expect(result.status).toBe(0);
    expect(withoutLineEnds(result.stdout)).not.toMatch(RAW);
    expect(result.stdout).toContain(`"description": "${SHOWN}"`);
    expect(JSON.parse(result.stdout)).toEqual(INVENTORY);
  });

  it('escapes them in tokens list, as text and as JSON', async () => {
    const text = await gatehouse('tokens', 'list');
    expect(text.status).toBe(0);
    expect(withoutLineEnds(text.stdout)).not.toMatch(RAW);

    const json = await gatehouse('tokens', 'list', '--json');
    expect(json.status).toBe(0);
    expect(withoutLineEnds(json.stdout)).not.toMatch(RAW);
    expect(JSON.parse(json.stdout)).toEqual(TOKENS);
  });

  it('escapes them on the real standard output of the command', async () => {
    // A process, not main() in-process: the streams the command really writes.
    const run = (...args: string[]) =>
      promisify(execFile)(
        process.execPath,
        [BUILT_CLI, ...args, '--backend-url', backendUrl],
        {
          env: {
            ...process.env,
            GATEHOUSE_TOKEN: 'gth_output-escaping-test-token-0123456789',
          },
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
    const csv = await run('inventory', '--csv');
    expect(csv.stdout).toContain(`bot,${SHOWN}\r\n`);
    expect(withoutLineEnds(csv.stdout)).not.toMatch(RAW);
    const json = await run('inventory', '--json');
    expect(withoutLineEnds(json.stdout)).not.toMatch(RAW);
    expect(JSON.parse(json.stdout)).toEqual(INVENTORY);
  });
});
