import { hasValidChecksum } from '../lib/checksummedToken';
import { fingerprintOf } from '../lib/tokenDigest';
import { MANAGED_TOKEN_PREFIX } from '../managed/managedTokenFormat';
import {
  LEGACY_STATIC_TOKEN_PREFIX,
  STATIC_TOKEN_PREFIX,
} from '../static/staticTokenFormat';

/** The formats Gatehouse issues (docs/leaks.md#recognising-gatehouse-tokens). */
export type GatehouseTokenFormat = 'managed' | 'static' | 'legacy-static';

/** A token-shaped string found in text. */
export interface FoundToken {
  format: GatehouseTokenFormat;
  /** 1-based, as editors count. */
  line: number;
  column: number;
  /** `valid` or `invalid` for checksummed formats; `none` for legacy static tokens. */
  checksum: 'valid' | 'invalid' | 'none';
  /** What logs and the inventory call it (for a genuine token). */
  fingerprint: string;
  token: string;
}

/**
 * Gatehouse's token formats in text: `gthm_` (managed) or `gths_` (static)
 * and 49 base62 digits, or `gth_` and 43 base64url characters (static, before
 * checksums), each not inside a longer word. docs/leaks.md gives the same
 * patterns for scanners (a test keeps them equal). Fixed-length classes: one
 * pass, no backtracking.
 */
const TOKENS =
  /(?<![0-9A-Za-z_])gth[ms]_[0-9A-Za-z]{49}(?![0-9A-Za-z_])|(?<![0-9A-Za-z_-])gth_[0-9A-Za-z_-]{43}(?![0-9A-Za-z_-])/g;

function formatOf(token: string): GatehouseTokenFormat {
  if (token.startsWith(MANAGED_TOKEN_PREFIX)) return 'managed';
  if (token.startsWith(STATIC_TOKEN_PREFIX)) return 'static';
  return 'legacy-static';
}

/** Every Gatehouse-shaped token in `text`, with whether its checksum holds. */
export function findGatehouseTokens(text: string): FoundToken[] {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    lineStarts.push(i + 1);
  }
  const found: FoundToken[] = [];
  let lineIndex = 0;
  for (const match of text.matchAll(TOKENS)) {
    const token = match[0];
    const at = match.index!;
    while (
      lineIndex + 1 < lineStarts.length &&
      lineStarts[lineIndex + 1] <= at
    ) {
      lineIndex += 1;
    }
    const format = formatOf(token);
    const prefix =
      format === 'managed'
        ? MANAGED_TOKEN_PREFIX
        : format === 'static'
          ? STATIC_TOKEN_PREFIX
          : LEGACY_STATIC_TOKEN_PREFIX;
    found.push({
      format,
      line: lineIndex + 1,
      column: at - lineStarts[lineIndex] + 1,
      checksum:
        format === 'legacy-static'
          ? 'none'
          : hasValidChecksum(token, prefix)
            ? 'valid'
            : 'invalid',
      fingerprint: fingerprintOf(token),
      token,
    });
  }
  return found;
}
