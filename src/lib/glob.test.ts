import fc from 'fast-check';
import { compileGlob } from './glob';

/**
 * The definition, as dynamic programming over (pattern prefix, text prefix):
 * slow but obviously right, and independent of the greedy scan under test.
 */
function referenceGlob(pattern: string, text: string): boolean {
  // row[j]: does the pattern so far match text.slice(0, j)?
  let row = [true, ...Array<boolean>(text.length).fill(false)];
  for (const p of pattern) {
    const next = [p === '*' && row[0]];
    for (let j = 1; j <= text.length; j += 1) {
      next[j] =
        p === '*' ? row[j] || next[j - 1] : row[j - 1] && text[j - 1] === p;
    }
    row = next;
  }
  return row[text.length];
}

// A small alphabet, so that multi-star patterns match often and near misses
// (the cases a greedy scan could get wrong) are common.
const text = fc.string({
  unit: fc.constantFrom('a', 'b', ':', '/'),
  maxLength: 16,
});
const pattern = fc.string({
  unit: fc.constantFrom('a', 'b', ':', '/', '*', '*'),
  maxLength: 10,
});

describe('compileGlob', () => {
  it('agrees with the reference matcher on random patterns and values', () => {
    fc.assert(
      fc.property(pattern, text, (p, t) => {
        expect(compileGlob(p)(t)).toBe(referenceGlob(p, t));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with the reference matcher on values made to almost match', () => {
    // The value is the pattern with each star filled in, then cut or edited:
    // what an attacker probing a claim binding would send.
    fc.assert(
      fc.property(
        pattern,
        fc.array(text, { minLength: 6, maxLength: 6 }),
        fc.nat(),
        fc.constantFrom('keep', 'cut', 'edit'),
        (p, fillings, at, change) => {
          let filled = p
            .split('*')
            .reduce((acc, part, i) => acc + fillings[(i - 1) % 6] + part);
          const i = filled.length ? at % filled.length : 0;
          if (change === 'cut') filled = filled.slice(0, i);
          if (change === 'edit')
            filled = `${filled.slice(0, i)}b${filled.slice(i + 1)}`;
          expect(compileGlob(p)(filled)).toBe(referenceGlob(p, filled));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('is exact without a star, and treats regular-expression characters literally', () => {
    expect(compileGlob('refs/heads/main')('refs/heads/main')).toBe(true);
    expect(compileGlob('refs/heads/main')('refs/heads/mainx')).toBe(false);
    expect(compileGlob('a.b*')('axb')).toBe(false);
    expect(compileGlob('(x|y)*')('(x|y)z')).toBe(true);
    expect(compileGlob('*')('')).toBe(true);
    expect(compileGlob('a*a')('a')).toBe(false);
  });

  it('answers adversarial values of 100,000 characters without backtracking', () => {
    // A backtracking matcher needs O(n^stars) steps on these: hours, not a
    // test run. The scan needs a few passes over the value.
    const cases: Array<[string, string]> = [
      ['repo:*:*:*:main', `repo:${':'.repeat(100_000)}`],
      ['*/*/.github/workflows/*.yml@*', `${'/'.repeat(100_000)}.yml`],
      ['*a*a*a*a*a*b', 'a'.repeat(100_000)],
      ['*aaaaaaaaab*', 'a'.repeat(100_000)],
    ];
    for (const [p, value] of cases) {
      expect(compileGlob(p)(value)).toBe(false);
    }
    expect(
      compileGlob('repo:*:*:*:main')(`repo:${':'.repeat(100_000)}main`),
    ).toBe(true);
  });
});
