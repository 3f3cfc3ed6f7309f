import fc from 'fast-check';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { isCanonicalBase64Url, JwtDecoder } from './JwtDecoder';

/** The definition: what the encoder makes of the bytes the string decodes to. */
function reencodes(segment: string): boolean {
  return (
    /^[A-Za-z0-9_-]*$/.test(segment) &&
    Buffer.from(segment, 'base64url').toString('base64url') === segment
  );
}

const base64urlish = fc.string({
  unit: fc.constantFrom(
    ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/='.split(
      '',
    ),
  ),
  maxLength: 40,
});

const segmentOf = (value: unknown) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

describe('isCanonicalBase64Url', () => {
  it('agrees with re-encoding on strings over both alphabets and padding', () => {
    fc.assert(
      fc.property(base64urlish, segment => {
        expect(isCanonicalBase64Url(segment)).toBe(reencodes(segment));
      }),
      { numRuns: 5_000 },
    );
  });

  it('accepts every encoding and refuses it with the last character changed to a sibling', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), bytes => {
        const segment = Buffer.from(bytes).toString('base64url');
        expect(isCanonicalBase64Url(segment)).toBe(true);
        if (segment.length % 4 !== 0) {
          // Same significant bits, one unused bit set: decodes to the same bytes.
          const last = segment[segment.length - 1];
          const alphabet =
            'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
          const sibling = alphabet[alphabet.indexOf(last) + 1];
          const forged = segment.slice(0, -1) + sibling;
          expect(Buffer.from(forged, 'base64url')).toEqual(Buffer.from(bytes));
          expect(isCanonicalBase64Url(forged)).toBe(false);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('JwtDecoder', () => {
  it('decodes header and payload as jose does', () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), json),
        fc.dictionary(fc.string(), json),
        fc.string({ maxLength: 20 }),
        (extraHeader, payload, kid) => {
          const header = { ...extraHeader, alg: 'ES256', kid };
          const token = `${segmentOf(header)}.${segmentOf(payload)}.c2ln`;
          const decoding = new JwtDecoder().decode(token);
          expect(decoding).toEqual({
            ok: true,
            jwt: {
              header: decodeProtectedHeader(token),
              payload: decodeJwt(token),
              attempts: [],
            },
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    [
      'an array payload',
      `${segmentOf({ alg: 'ES256' })}.${segmentOf([1])}.c2ln`,
    ],
    [
      'an alg that is not a string',
      `${segmentOf({ alg: ['ES256'] })}.${segmentOf({})}.c2ln`,
    ],
    [
      'a null payload',
      `${segmentOf({ alg: 'ES256' })}.${segmentOf(null)}.c2ln`,
    ],
    [
      'a numeric kid',
      `${segmentOf({ alg: 'ES256', kid: 1 })}.${segmentOf({})}.c2ln`,
    ],
    ['no alg', `${segmentOf({ kid: 'k' })}.${segmentOf({})}.c2ln`],
    [
      'a padded segment',
      `${segmentOf({ alg: 'ES256' })}.${segmentOf({ a: 1 })}=.c2ln`,
    ],
    [
      'four segments',
      `${segmentOf({ alg: 'ES256' })}.${segmentOf({})}.c2ln.c2ln`,
    ],
  ])('refuses %s as malformed', (_, token) => {
    expect(new JwtDecoder().decode(token)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it('decodes headers that start with white space or a short key inside the brace', () => {
    for (const header of [
      '{\n"alg":"ES256"}',
      '{ "alg":"ES256"}',
      '{"":1,"alg":"ES256"}',
    ]) {
      const token = `${Buffer.from(header).toString('base64url')}.${segmentOf({ sub: 'x' })}.c2ln`;
      expect(new JwtDecoder().decode(token)).toMatchObject({
        ok: true,
        jwt: { header: { alg: 'ES256' }, payload: { sub: 'x' } },
      });
    }
  });

  it('leaves values that do not start like a JWS to other handlers', () => {
    expect(new JwtDecoder().decode('gth_abc')).toBeUndefined();
    // Never issued by a provider; refused by every JWT entry without parsing.
    const spaced = Buffer.from(' {"alg":"ES256"}').toString('base64url');
    expect(
      new JwtDecoder().decode(`${spaced}.${segmentOf({})}.c2ln`),
    ).toBeUndefined();
  });
});
