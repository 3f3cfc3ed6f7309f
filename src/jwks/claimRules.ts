import { compileGlob } from '../lib/glob';

/** A value a claim may be required to have; in config, a string may use `*`. */
export type ClaimPattern = string | number | boolean;

/** One entry of the `claims` option: the claim must match any of the patterns. */
export interface ClaimRule {
  claim: string;
  patterns: ClaimPattern[];
  matches(value: unknown): boolean;
}

/**
 * Compiles one pattern. Values are compared as text, so `true` in config
 * matches both the JSON boolean and the string "true" (GitLab sends its
 * booleans as strings) and `42` matches 42 and "42". In a string pattern `*`
 * matches any run of characters, `/` included, so `repo:my-org/*` covers every
 * repository of the organisation.
 */
function compilePattern(pattern: ClaimPattern): (text: string) => boolean {
  return typeof pattern === 'string'
    ? compileGlob(pattern)
    : text => text === String(pattern);
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return undefined;
}

export function compileClaimRules(
  claims: Record<string, ClaimPattern | ClaimPattern[]>,
): ClaimRule[] {
  return Object.entries(claims).map(([claim, value]) => {
    const patterns = Array.isArray(value) ? value : [value];
    const matchers = patterns.map(compilePattern);
    const matchesScalar = (candidate: unknown) => {
      const text = asText(candidate);
      return text !== undefined && matchers.some(m => m(text));
    };
    return {
      claim,
      patterns,
      // A claim that is a list (groups, roles, aud) matches if any element does.
      matches: candidate =>
        Array.isArray(candidate)
          ? candidate.some(matchesScalar)
          : matchesScalar(candidate),
    };
  });
}

/** The first rule the payload breaks, with the value it has; undefined if all match. */
export function firstBrokenRule(
  rules: ReadonlyArray<ClaimRule>,
  payload: Record<string, unknown>,
): { rule: ClaimRule; actual: unknown } | undefined {
  for (const rule of rules) {
    const actual = Object.prototype.hasOwnProperty.call(payload, rule.claim)
      ? payload[rule.claim]
      : undefined;
    if (!rule.matches(actual)) {
      return { rule, actual };
    }
  }
  return undefined;
}
