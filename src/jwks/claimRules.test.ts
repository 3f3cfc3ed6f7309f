import fc from 'fast-check';
import { compileClaimRules, firstBrokenRule } from './claimRules';

/** A plain recursive glob matcher, as a reference: `*` matches any run of characters. */
function referenceGlob(pattern: string, text: string): boolean {
  if (pattern === '') {
    return text === '';
  }
  if (pattern[0] === '*') {
    return (
      referenceGlob(pattern.slice(1), text) ||
      (text !== '' && referenceGlob(pattern, text.slice(1)))
    );
  }
  return (
    text !== '' &&
    pattern[0] === text[0] &&
    referenceGlob(pattern.slice(1), text.slice(1))
  );
}

// Characters that are special in regular expressions, paths and refs, to shake out escaping bugs.
const tricky = fc.string({
  unit: fc.constantFrom(
    'a',
    'b',
    '/',
    '.',
    '*',
    '+',
    '?',
    '(',
    ')',
    '[',
    ']',
    '^',
    '$',
    '\\',
    '|',
    '{',
    '}',
    '-',
    '\n',
  ),
  maxLength: 12,
});

const matches = (
  pattern: string | number | boolean | Array<string | number | boolean>,
  value: unknown,
) => compileClaimRules({ c: pattern })[0].matches(value);

describe('compileClaimRules', () => {
  it('matches strings exactly as the reference glob does', () => {
    fc.assert(
      fc.property(tricky, tricky, (pattern, text) => {
        expect(matches(pattern, text)).toBe(referenceGlob(pattern, text));
      }),
      { numRuns: 2000 },
    );
  });

  it('always matches a value against a pattern made from it by starring parts', () => {
    fc.assert(
      fc.property(
        tricky,
        fc.array(fc.nat(), { maxLength: 4 }),
        (text, cuts) => {
          let pattern = text;
          for (const cut of cuts) {
            const at = cut % (pattern.length + 1);
            pattern = `${pattern.slice(0, at)}*${pattern.slice(at + 1)}`;
          }
          expect(matches(pattern, text)).toBe(true);
        },
      ),
    );
  });

  it('matches a list claim if any element matches, and a list pattern if any pattern does', () => {
    fc.assert(
      fc.property(
        fc.array(tricky, { maxLength: 4 }),
        fc.array(tricky, { minLength: 1, maxLength: 3 }),
        (values, patterns) => {
          const expected = values.some(v =>
            patterns.some(p => referenceGlob(p, v)),
          );
          expect(matches(patterns, values)).toBe(expected);
        },
      ),
    );
  });

  it('compares numbers and booleans as text, and never matches objects or absent claims', () => {
    expect(matches(true, true)).toBe(true);
    expect(matches(true, 'true')).toBe(true);
    expect(matches('true', true)).toBe(true);
    expect(matches(42, 42)).toBe(true);
    expect(matches(42, '42')).toBe(true);
    expect(matches('4*', 42)).toBe(true);
    expect(matches(42, 42.5)).toBe(false);
    expect(matches(false, 'true')).toBe(false);
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(undefined), fc.constant(null), fc.object()),
        value => {
          expect(matches('*', value)).toBe(false);
        },
      ),
    );
  });

  it('reports the first broken rule with the value the token has', () => {
    const rules = compileClaimRules({
      repository_owner: 'my-org',
      ref: ['refs/heads/main', 'refs/tags/v*'],
    });
    expect(
      firstBrokenRule(rules, {
        repository_owner: 'my-org',
        ref: 'refs/tags/v1.2',
      }),
    ).toBeUndefined();
    expect(
      firstBrokenRule(rules, {
        repository_owner: 'my-org',
        ref: 'refs/heads/dev',
      }),
    ).toEqual({
      rule: expect.objectContaining({ claim: 'ref' }),
      actual: 'refs/heads/dev',
    });
    // Inherited properties are not claims.
    expect(
      firstBrokenRule(compileClaimRules({ toString: '*' }), {}),
    ).toMatchObject({ actual: undefined });
  });
});
