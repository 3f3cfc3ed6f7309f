import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintOf } from '../lib/tokenDigest';
import { createManagedToken } from '../managed/managedTokenFormat';
import { createStaticToken } from '../static/staticTokenFormat';
import { runGatehouse } from '../testing/runCli';
import { findGatehouseTokens } from './tokenRecognition';

const DOC = readFileSync(join(__dirname, '../../docs/leaks.md'), 'utf8');

/** The GitHub custom patterns of docs/leaks.md, as a JavaScript regex each. */
function githubPatterns(): RegExp[] {
  const blocks = [...DOC.matchAll(/```text\n([\s\S]*?)```/g)].map(m => m[1]);
  return blocks.map(block => {
    const field = (name: string) =>
      new RegExp(`^${name}: (.+)$`, 'm').exec(block)![1];
    // Hyperscan's \A and \z are the input's start and end: JavaScript's ^ and $ without the m flag.
    const boundary = (text: string) =>
      text.replace(/\\A/g, '^').replace(/\\z/g, '$');
    return new RegExp(
      `(?:${boundary(field('Before secret'))})(${field('Secret format')})(?:${boundary(field('After secret'))})`,
      'g',
    );
  });
}

/** The gitleaks rule's regex (RE2; this one is also valid JavaScript). */
function gitleaksPattern(): RegExp {
  return new RegExp(/^regex = '''(.+)'''$/m.exec(DOC)![1], 'gm');
}

/** The Python checksum function of docs/leaks.md, run on each line of input. */
function pythonChecks(tokens: string[]): boolean[] {
  const snippet = /```python\n([\s\S]*?)```/.exec(DOC)![1];
  const result = spawnSync(
    'python3',
    [
      '-c',
      `${snippet}\nimport sys\nfor line in sys.stdin.read().split("\\n"):\n    print(is_gatehouse_token(line))\n`,
    ],
    { input: tokens.join('\n'), encoding: 'utf8' },
  );
  expect(result.stderr).toBe('');
  return result.stdout
    .trim()
    .split('\n')
    .map(line => line === 'True');
}

const found = (pattern: RegExp, text: string) =>
  [...text.matchAll(pattern)].map(m => m[1]);

/** `token` with one character of its body changed to another letter or digit. */
function lookAlike(token: string): string {
  const body = token.indexOf('_') + 1;
  const at = body + Math.floor(Math.random() * (token.length - body));
  const other = token[at] === 'a' ? 'b' : 'a';
  return token.slice(0, at) + other + token.slice(at + 1);
}

describe('the secret-scanning patterns of docs/leaks.md', () => {
  const [checksummed, legacy] = githubPatterns();
  const gitleaks = gitleaksPattern();
  const managed = Array.from({ length: 200 }, createManagedToken);
  const statics = Array.from({ length: 200 }, createStaticToken);
  // What `gatehouse token create` prints, by the real command.
  const printed = JSON.parse(runGatehouse(['token', 'create', '--json']).stdout)
    .token as string;
  const issued = [...managed, ...statics, printed];
  const oldStatics = Array.from(
    { length: 50 },
    () => `gth_${randomBytes(32).toString('base64url')}`,
  );

  it('match every format Gatehouse issues, wherever it sits in text', () => {
    expect(printed).toMatch(/^gths_/);
    for (const token of issued) {
      for (const text of [
        token,
        `export TOKEN=${token}\n`,
        `Authorization: Bearer ${token}`,
        `{"token":"${token}"}`,
        `'${token}',`,
      ]) {
        expect(found(checksummed, text)).toEqual([token]);
        expect(found(gitleaks, text)).toEqual([token]);
        expect(findGatehouseTokens(text).map(f => f.token)).toEqual([token]);
      }
    }
    for (const token of oldStatics) {
      expect(found(legacy, `TOKEN=${token}\n`)).toEqual([token]);
      expect(findGatehouseTokens(`TOKEN=${token}\n`)).toMatchObject([
        { token, format: 'legacy-static', checksum: 'none' },
      ]);
    }
  });

  it('match no token inside a longer word, cut short, or with a character outside the format', () => {
    const token = managed[0];
    for (const text of [
      `x${token}`,
      `${token}x`,
      `_${token}`,
      token.slice(0, -1),
      `${token.slice(0, 20)}-${token.slice(21)}`,
      token.replace('gthm_', 'gthx_'),
    ]) {
      expect(found(checksummed, text)).toEqual([]);
      expect(found(gitleaks, text)).toEqual([]);
      expect(findGatehouseTokens(text)).toEqual([]);
    }
  });

  it('with the documented checksum, tell every issued token from a look-alike with a bad checksum', () => {
    const fakes = issued.map(lookAlike);
    // A look-alike has the shape: the regex alone cannot tell.
    for (const fake of fakes) {
      expect(found(checksummed, fake)).toEqual([fake]);
    }
    expect(pythonChecks(issued)).toEqual(issued.map(() => true));
    expect(pythonChecks(fakes)).toEqual(fakes.map(() => false));
    expect(findGatehouseTokens(fakes.join('\n')).map(f => f.checksum)).toEqual(
      fakes.map(() => 'invalid'),
    );
    expect(findGatehouseTokens(issued.join('\n')).map(f => f.checksum)).toEqual(
      issued.map(() => 'valid'),
    );
  });

  it('gatehouse token check lists each by line and fingerprint, never the token, and exits as grep does', () => {
    const real = statics[0];
    const fake = lookAlike(managed[0]);
    const text = `ok: nothing here\nTOKEN=${real}\n  "${fake}"\n`;
    const checked = runGatehouse(['token', 'check'], { input: text });
    expect(checked.status).toBe(0);
    expect(checked.stdout).toBe(
      [
        `line 2, column 7: static token ${real.slice(0, 9)}… (fingerprint ${fingerprintOf(real)}), checksum valid: a Gatehouse token, treat it as leaked`,
        `line 3, column 4: managed token ${fake.slice(0, 9)}… (fingerprint ${fingerprintOf(fake)}), checksum wrong: a look-alike or a damaged copy, not a token`,
        '',
      ].join('\n'),
    );
    expect(checked.stdout).not.toContain(real);

    const onlyFakes = runGatehouse(['token', 'check', '--json'], {
      input: fake,
    });
    expect(onlyFakes.status).toBe(1);
    expect(JSON.parse(onlyFakes.stdout)).toEqual([
      {
        format: 'managed',
        line: 1,
        column: 1,
        checksum: 'invalid',
        fingerprint: fingerprintOf(fake),
      },
    ]);
    const nothing = runGatehouse(['token', 'check'], { input: 'no tokens' });
    expect(nothing).toMatchObject({
      status: 1,
      stdout: 'No Gatehouse token in the input.\n',
    });
  });
});
