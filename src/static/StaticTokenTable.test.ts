import fc from 'fast-check';
import { sha256Hex } from '../lib/tokenDigest';
import { StaticTokenSpec } from './staticOptions';
import { StaticTokenTable } from './StaticTokenTable';

function spec(token: string, origin: string): StaticTokenSpec {
  return {
    digest: sha256Hex(token),
    subject: 's',
    origin,
    short: false,
    stored: 'plain',
  };
}

describe('StaticTokenTable', () => {
  it('finds a token by digest and ties it to its entry', () => {
    const table = StaticTokenTable.build([
      { entryIndex: 0, tokens: [spec('token-a-0123456789', 'a')] },
      { entryIndex: 3, tokens: [spec('token-b-0123456789', 'b')] },
    ]);
    expect(table.size).toBe(2);
    expect(table.get(sha256Hex('token-b-0123456789'))).toMatchObject({
      entryIndex: 3,
      origin: 'b',
      fingerprint: sha256Hex('token-b-0123456789').slice(0, 8),
    });
    expect(table.get(sha256Hex('token-c-0123456789'))).toBeUndefined();
  });

  it('rejects a token configured twice, naming both places', () => {
    expect(() =>
      StaticTokenTable.build([
        { entryIndex: 0, tokens: [spec('token-a-0123456789', 'first place')] },
        { entryIndex: 1, tokens: [spec('token-a-0123456789', 'second place')] },
      ]),
    ).toThrowErrorMatchingInlineSnapshot(`
      "Duplicate gatehouse-static tokens:
        - second place: the same token is already configured at first place; each token may appear once"
    `);
  });

  it('accepts no string that is not configured', () => {
    const configured = ['token-a-0123456789', 'token-b-0123456789'];
    const table = StaticTokenTable.build([
      { entryIndex: 0, tokens: configured.map(t => spec(t, t)) },
    ]);
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), candidate => {
        fc.pre(!configured.includes(candidate));
        expect(table.get(sha256Hex(candidate))).toBeUndefined();
      }),
    );
  });
});
