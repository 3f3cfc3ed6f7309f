import { durationText } from '@gatehouse/backstage-plugin-gatehouse-common';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const USUAL_DAYS = [1, 7, 30, 90, 180, 365].map(d => d * DAY);
// When the backend allows less than a day, the usual lifetimes are hours.
const USUAL_HOURS = [1, 8].map(h => h * HOUR);

const UNITS: Array<[ms: number, letter: string]> = [
  [DAY, 'd'],
  [HOUR, 'h'],
  [60_000, 'm'],
];

/** A lifetime as the backend reads it (`expiresIn`), exactly: "30d", "12h", "90m". */
export function lifetimeValue(ms: number): string {
  // The largest unit that says it exactly.
  const [unit, letter] = UNITS.find(([u]) => ms % u === 0) ?? [1000, 's'];
  return `${Math.ceil(ms / unit)}${letter}`;
}

/** A lifetime in words: "1 year", "30 days", "1 day", "12 hours". */
export function lifetimeWords(ms: number): string {
  return ms === 365 * DAY ? '1 year' : durationText(ms);
}

/**
 * The lifetimes the form offers: the usual ones below the backend's maximum,
 * its default, and the maximum itself. Without the backend's word (an older
 * backend), the usual days up to a year; the backend still refuses more than
 * its maximum.
 */
export function lifetimeChoices(
  maxLifetimeMs?: number,
  defaultLifetimeMs?: number,
): Array<[value: string, words: string]> {
  const max = maxLifetimeMs ?? 365 * DAY;
  const usual = max < DAY ? USUAL_HOURS : USUAL_DAYS;
  const choices = new Set(usual.filter(ms => ms < max));
  if (defaultLifetimeMs && defaultLifetimeMs <= max) {
    choices.add(defaultLifetimeMs);
  }
  choices.add(max);
  return [...choices]
    .sort((a, b) => a - b)
    .map(ms => [
      lifetimeValue(ms),
      lifetimeWords(ms) + (ms === max && maxLifetimeMs ? ' (the maximum)' : ''),
    ]);
}

/**
 * The lifetime preselected: the backend's default; without it (an older
 * backend, or before its options arrive), the longest usual lifetime up to
 * 30 days that is below the maximum, never the maximum itself unless it is
 * the only choice.
 */
export function defaultLifetimeChoice(
  maxLifetimeMs?: number,
  defaultLifetimeMs?: number,
): string {
  const max = maxLifetimeMs ?? 365 * DAY;
  if (defaultLifetimeMs && defaultLifetimeMs <= max) {
    return lifetimeValue(defaultLifetimeMs);
  }
  const below = [...USUAL_HOURS, ...USUAL_DAYS].filter(
    ms => ms < max && ms <= 30 * DAY,
  );
  return lifetimeValue(below.length ? Math.max(...below) : max);
}
