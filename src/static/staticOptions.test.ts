import { GatehouseConfigError } from '../lib/GatehouseConfigError';
import fc from 'fast-check';
import { sha256Hex } from '../lib/tokenDigest';
import { parseStaticOptions, parseTokensFileContent } from './staticOptions';

const PATH = 'backend.auth.externalAccess[0].options';
const TOKEN = 'gth_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

function problemsOf(raw: unknown): string[] {
  try {
    parseStaticOptions(raw, PATH);
  } catch (error) {
    if (error instanceof GatehouseConfigError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected the options to be rejected');
}

describe('parseStaticOptions', () => {
  it('accepts the built-in static shape unchanged', () => {
    const options = parseStaticOptions({ subject: 'ci', token: TOKEN }, PATH);
    expect(options.tokens).toEqual([
      {
        digest: sha256Hex(TOKEN),
        subject: 'ci',
        origin: `${PATH}.token`,
        short: false,
        stored: 'plain',
      },
    ]);
  });

  it('accepts tokens, hashes, per-token subjects and dates', () => {
    const digest = sha256Hex('another-token-of-enough-length-1234');
    const options = parseStaticOptions(
      {
        subject: 'ci',
        tokens: [
          { token: TOKEN, subject: 'ci-next', expiresAt: '2027-01-31' },
          {
            hash: `sha256:${digest.toUpperCase()}`,
            notBefore: '2026-12-01T00:00:00+01:00',
            expiresAt: '2027-01-31T00:00:00Z',
          },
        ],
      },
      PATH,
    );
    expect(options.tokens).toEqual([
      {
        digest: sha256Hex(TOKEN),
        subject: 'ci-next',
        expiresAt: Date.UTC(2027, 0, 31),
        notBefore: undefined,
        origin: `${PATH}.tokens[0]`,
        short: false,
        stored: 'plain',
      },
      {
        digest,
        subject: 'ci',
        expiresAt: Date.UTC(2027, 0, 31),
        notBefore: Date.UTC(2026, 10, 30, 23),
        origin: `${PATH}.tokens[1]`,
        short: false,
        stored: 'hash',
      },
    ]);
  });

  it("gives tokens the entry's owner unless they name their own, as the catalog writes refs", () => {
    const options = parseStaticOptions(
      {
        subject: 'ci',
        owner: 'payments',
        tokens: [
          { token: 'a'.repeat(32) },
          { token: 'b'.repeat(32), owner: 'User:default/Jane' },
        ],
      },
      PATH,
    );
    expect(options.tokens.map(t => t.owner)).toEqual([
      'group:default/payments',
      'user:default/jane',
    ]);
    expect(
      problemsOf({
        subject: 'ci',
        owner: 'component:default/web',
        tokens: [{ token: 'a'.repeat(32), owner: 'group:default/' }],
      }),
    ).toEqual([
      `${PATH}.owner: must be a catalog entity ref of a group or a user, such as 'group:default/payments' or 'user:default/jane' ('payments' alone means group:default/payments)`,
      `${PATH}.tokens[0].owner: must be a catalog entity ref of a group or a user, such as 'group:default/payments' or 'user:default/jane' ('payments' alone means group:default/payments)`,
    ]);
  });

  it('marks plain tokens shorter than 32 characters', () => {
    const options = parseStaticOptions(
      { subject: 'ci', token: 'a'.repeat(20) },
      PATH,
    );
    expect(options.tokens[0].short).toBe(true);
  });

  it('resolves a relative tokensFile against the working directory', () => {
    const options = parseStaticOptions(
      { subject: 's', tokensFile: 'tokens.yaml' },
      PATH,
    );
    expect(options.tokensFile).toBe(`${process.cwd()}/tokens.yaml`);
  });

  it('names the config path and the fix for every problem', () => {
    expect(
      problemsOf({
        subject: 'has space',
        token: 'short',
        tokens: [
          { token: `${TOKEN} x` },
          { hash: 'sha256:abc' },
          { token: TOKEN, hash: `sha256:${'a'.repeat(64)}` },
          {},
          { token: TOKEN, expiresAt: '2027-01-31T00:00:00' },
          { token: TOKEN, notBefore: '2027-02-01', expiresAt: '2027-01-01' },
          { token: 'tøken-with-non-ascii-characters-xx' },
          { tokne: TOKEN },
        ],

        extra: true,
      }),
    ).toMatchInlineSnapshot(`
     [
       "backend.auth.externalAccess[0].options.subject: must be a non-empty string without white space, control or format characters",
       "backend.auth.externalAccess[0].options.token: must be at least 16 characters long; generate one with 'npx gatehouse token create'",
       "backend.auth.externalAccess[0].options.tokens[0].token: must consist of printable ASCII characters, without white space",
       "backend.auth.externalAccess[0].options.tokens[1].hash: must be 'sha256:' followed by 64 hexadecimal digits; compute it with 'npx gatehouse token hash'",
       "backend.auth.externalAccess[0].options.tokens[2].hash: must have either 'token' or 'hash', not both",
       "backend.auth.externalAccess[0].options.tokens[3]: must have either 'token' or 'hash'; if it comes from an environment variable, is the variable set?",
       "backend.auth.externalAccess[0].options.tokens[4].expiresAt: must be an ISO 8601 date (2027-01-31) or date-time with a time zone (2027-01-31T00:00:00Z)",
       "backend.auth.externalAccess[0].options.tokens[5].notBefore: must be earlier than 'expiresAt'",
       "backend.auth.externalAccess[0].options.tokens[6].token: must consist of printable ASCII characters, without white space",
       "backend.auth.externalAccess[0].options.tokens[7].tokne: unknown key 'tokne'; did you mean 'token'?",
       "backend.auth.externalAccess[0].options.tokens[7]: must have either 'token' or 'hash'; if it comes from an environment variable, is the variable set?",
       "backend.auth.externalAccess[0].options.extra: unknown key 'extra'; the valid keys are 'subject', 'owner', 'token', 'tokens', 'tokensFile'",
     ]
    `);
  });

  it('requires a token source and a subject for every token', () => {
    expect(problemsOf({ subject: 'ci' })).toMatchInlineSnapshot(`
     [
       "backend.auth.externalAccess[0].options: needs at least one of 'token', 'tokens' or 'tokensFile'; if it comes from an environment variable, is the variable set?",
     ]
    `);
    expect(problemsOf({ token: TOKEN, tokens: [{ token: `${TOKEN}2` }] }))
      .toMatchInlineSnapshot(`
     [
       "backend.auth.externalAccess[0].options.subject: is required when 'token' is set; if it comes from an environment variable, is the variable set?",
       "backend.auth.externalAccess[0].options.tokens[0].subject: is required, since the entry has no default 'subject'",
     ]
    `);
    expect(problemsOf(undefined)).toHaveLength(1);
    expect(problemsOf('a string')).toMatchInlineSnapshot(`
      [
        "backend.auth.externalAccess[0].options: Invalid input: expected object, received string",
      ]
    `);
  });

  it('never puts a token into a message', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.constantFrom('token', 'hash', 'subject', 'expiresAt', 'tokensFile'),
        (secret, key) => {
          const marked = `SECRET${secret}`;
          for (const raw of [
            { [key]: marked },
            { tokens: [{ [key]: marked }] },
          ]) {
            let message = '';
            try {
              parseStaticOptions(raw, PATH);
            } catch (error) {
              message = (error as Error).message;
            }
            expect(message).not.toContain(marked);
          }
        },
      ),
    );
  });
});

describe('parseTokensFileContent', () => {
  it('takes the entry subject as default and names the file in errors', () => {
    expect(
      parseTokensFileContent({ tokens: [{ token: TOKEN }] }, '/etc/t.yaml', {
        subject: 'ci',
      }),
    ).toEqual([
      expect.objectContaining({
        subject: 'ci',
        origin: '/etc/t.yaml: tokens[0]',
      }),
    ]);
    expect(() =>
      parseTokensFileContent({ tokens: [{ token: TOKEN }] }, '/etc/t.yaml', {}),
    ).toThrowErrorMatchingInlineSnapshot(`
      "Invalid gatehouse-static tokensFile /etc/t.yaml:
        - /etc/t.yaml: tokens[0].subject: is required, since the entry has no default 'subject'"
    `);
    expect(() =>
      parseTokensFileContent(['a'], '/etc/t.yaml', { subject: 'ci' }),
    ).toThrowErrorMatchingInlineSnapshot(`
      "Invalid gatehouse-static tokensFile /etc/t.yaml:
        - /etc/t.yaml: (top level): must be a YAML or JSON object with a 'tokens' list"
    `);
  });
});
