import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { fingerprintOf, looksLikeJwt, sha256Hex } from './tokenDigest';

describe('sha256Hex', () => {
  it('is the SHA-256 of the UTF-8 bytes, in lower-case hex', () => {
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), token => {
        expect(sha256Hex(token)).toBe(
          createHash('sha256').update(token, 'utf8').digest('hex'),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('names a token by the first 8 hex digits of its digest', () => {
    expect(fingerprintOf('abc')).toBe('ba7816bf');
  });
});

describe('looksLikeJwt', () => {
  it.each([
    ['eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', true],
    ['eyIiOjEsImFsZyI6IkVTMjU2In0.e30.c2ln', true],
    ['ewoiYWxnIjoiRVMyNTYifQ.e30.c2ln', true],
    ['gth_eyJhbGciOiJFUzI1NiJ9.e30.c2ln', false],
    ['eyJhbGciOiJFUzI1NiJ9.e30', false],
    ['eyJhbGciOiJFUzI1NiJ9.e30.c2ln.c2ln', false],
  ])('%s -> %s', (token, expected) => {
    expect(looksLikeJwt(token)).toBe(expected);
  });
});
