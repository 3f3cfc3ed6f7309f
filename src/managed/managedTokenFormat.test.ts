import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import {
  createManagedToken,
  isManagedToken,
  MANAGED_TOKEN_PREFIX,
} from './managedTokenFormat';

describe('managed token format', () => {
  it('is the prefix, 43 base62 digits of secret and a 6-digit checksum', () => {
    const tokens = new Set(Array.from({ length: 1000 }, createManagedToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) {
      expect(token).toMatch(/^gthm_[0-9A-Za-z]{49}$/);
      expect(isManagedToken(token)).toBe(true);
    }
  });

  it('carries a checksum a scanner can verify with any CRC32', () => {
    const token = createManagedToken();
    const secret = token.slice(MANAGED_TOKEN_PREFIX.length, -6);
    const digits =
      '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    let value = crc32(`${MANAGED_TOKEN_PREFIX}${secret}`);
    let checksum = '';
    for (let i = 0; i < 6; i++) {
      checksum = digits[value % 62] + checksum;
      value = Math.floor(value / 62);
    }
    expect(token.slice(-6)).toBe(checksum);
  });

  it('refuses any changed character, truncation or other prefix', () => {
    const token = createManagedToken();
    fc.assert(
      fc.property(
        fc.integer({ min: MANAGED_TOKEN_PREFIX.length, max: token.length - 1 }),
        fc.constantFrom(...'0123456789abcdefXYZ'),
        (index, replacement) => {
          fc.pre(token[index] !== replacement);
          const changed =
            token.slice(0, index) + replacement + token.slice(index + 1);
          expect(isManagedToken(changed)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
    expect(isManagedToken(token.slice(0, -1))).toBe(false);
    expect(isManagedToken(`gth_${token.slice(5)}`)).toBe(false);
    expect(isManagedToken(`${token}0`)).toBe(false);
  });
});
