import request from 'supertest';
import { startGatehouseTestBackend } from '../testing/startGatehouseTestBackend';
import { isStaticToken } from '../static/staticTokenFormat';
import { sha256Hex } from '../lib/tokenDigest';
import { runGatehouse } from '../testing/runCli';

/** The built CLI, as `npx gatehouse` runs it. */
const gatehouse = (args: string[], input?: string) =>
  runGatehouse(args, { input });

describe('gatehouse token', () => {
  it('creates a prefixed, checksummed 32-byte token whose printed hash a real backend accepts', async () => {
    const created = gatehouse([
      'token',
      'create',
      '--subject',
      'ci-pipeline',
      '--expires-in',
      '90d',
    ]);
    expect(created.status).toBe(0);
    const token = /^ {2}(gths_\S+)$/m.exec(created.stdout)?.[1];
    expect(token).toMatch(/^gths_[0-9A-Za-z]{49}$/);
    expect(isStaticToken(token!)).toBe(true);
    expect(created.stdout).toContain(
      `  - hash: sha256:${sha256Hex(token!)}\n    subject: ci-pipeline\n    expiresAt: 20`,
    );

    const hashed = gatehouse(['token', 'hash'], `${token}\n`);
    expect(hashed).toMatchObject({
      status: 0,
      stdout: `sha256:${sha256Hex(token!)}\n`,
    });

    const expiresAt = /expiresAt: (\S+)/.exec(created.stdout)![1];
    const backend = await startGatehouseTestBackend({
      externalAccess: [
        {
          type: 'gatehouse-static',
          options: {
            tokens: [
              { hash: hashed.stdout.trim(), subject: 'ci-pipeline', expiresAt },
            ],
          },
        },
      ],
    });
    const response = await request(backend.server)
      .get('/api/demo/whoami')
      .set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(response.body.principal.subject).toBe('ci-pipeline');
    await backend.stop();
  });

  it('prints JSON for scripts, and a different token every time', () => {
    const first = JSON.parse(gatehouse(['token', 'create', '--json']).stdout);
    const second = JSON.parse(gatehouse(['token', 'create', '--json']).stdout);
    expect(first.hash).toBe(`sha256:${sha256Hex(first.token)}`);
    expect(first.token).not.toBe(second.token);
  });

  it('rejects bad input with exit code 2 and a reason, never echoing the token', () => {
    const short = gatehouse(['token', 'hash'], 'short-secret\n');
    expect(short.status).toBe(2);
    expect(short.stderr).toContain('must be at least 16 characters long');
    expect(short.stderr + short.stdout).not.toContain('short-secret');

    expect(gatehouse(['token', 'hash'], '').stderr).toContain(
      'No token on standard input',
    );
    expect(
      gatehouse(['token', 'create', '--expires-in', 'soon']).stderr,
    ).toContain('--expires-in must be a number of days or hours');
    expect(
      gatehouse(['token', 'create', '--subject', 'has space']).stderr,
    ).toContain('subject: must be a non-empty string without white space');
    expect(gatehouse(['token', 'create', '--bogus']).status).toBe(2);
    const unknown = gatehouse(['nonsense']);
    expect(unknown.status).toBe(2);
    // One line and a hint, not the whole usage text.
    expect(unknown.stderr).toBe(
      "gatehouse: Unknown command 'nonsense'\nRun 'gatehouse --help' for the commands and their options.\n",
    );
    const misspelt = gatehouse([
      'explian',
      'gth_secret_token_after_a_typo_0001',
    ]);
    expect(misspelt.stderr).toContain("Unknown command 'explian'");
    expect(misspelt.stderr).not.toContain('gth_secret_token_after_a_typo_0001');
    expect(gatehouse([]).stdout).toContain('gatehouse token create');
    expect(gatehouse(['explain', '--help']).stdout).toContain(
      'gatehouse explain --config',
    );
  });
});
