const UNITS: Array<[ms: number, name: string]> = [
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1000, 'second'],
];

/**
 * A duration in words, in the largest unit that says it exactly ("30 days",
 * "12 hours", "90 minutes"); below a second, "less than a second". For
 * messages: "at most 12 hours", not "at most 0 days".
 */
export function durationText(ms: number): string {
  for (const [unit, name] of UNITS) {
    if (ms >= unit && ms % unit === 0) {
      const n = ms / unit;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return ms >= 1000 ? `${Math.round(ms / 1000)} seconds` : 'less than a second';
}
