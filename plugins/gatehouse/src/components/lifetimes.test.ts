import {
  defaultLifetimeChoice,
  lifetimeChoices,
  lifetimeValue,
  lifetimeWords,
} from './lifetimes';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('lifetimes', () => {
  it('writes a lifetime exactly, as the backend reads it, and in words', () => {
    expect(lifetimeValue(30 * DAY)).toBe('30d');
    expect(lifetimeValue(36 * HOUR)).toBe('36h');
    expect(lifetimeValue(90 * 60_000)).toBe('90m');
    expect(lifetimeWords(365 * DAY)).toBe('1 year');
    expect(lifetimeWords(DAY)).toBe('1 day');
    expect(lifetimeWords(12 * HOUR)).toBe('12 hours');
  });

  it('offers the usual lifetimes below the maximum, the default and the maximum', () => {
    expect(lifetimeChoices(30 * DAY, 7 * DAY)).toEqual([
      ['1d', '1 day'],
      ['7d', '7 days'],
      ['30d', '30 days (the maximum)'],
    ]);
    expect(lifetimeChoices(45 * DAY, 14 * DAY).map(c => c[0])).toEqual([
      '1d',
      '7d',
      '14d',
      '30d',
      '45d',
    ]);
    // Without the backend's word: the usual days up to a year.
    expect(lifetimeChoices().map(c => c[1])).toEqual([
      '1 day',
      '7 days',
      '30 days',
      '90 days',
      '180 days',
      '1 year',
    ]);
  });

  it('offers hours when the backend allows less than a day', () => {
    expect(lifetimeChoices(12 * HOUR, 8 * HOUR)).toEqual([
      ['1h', '1 hour'],
      ['8h', '8 hours'],
      ['12h', '12 hours (the maximum)'],
    ]);
    expect(lifetimeChoices(36 * HOUR).map(c => c[0])).toEqual(['1d', '36h']);
  });

  it("preselects the backend's default, and without it never the maximum", () => {
    expect(defaultLifetimeChoice(30 * DAY, 15 * DAY)).toBe('15d');
    expect(defaultLifetimeChoice(30 * DAY)).toBe('7d');
    expect(defaultLifetimeChoice(45 * DAY)).toBe('30d');
    expect(defaultLifetimeChoice()).toBe('30d');
    expect(defaultLifetimeChoice(12 * HOUR)).toBe('8h');
    expect(defaultLifetimeChoice(36 * HOUR)).toBe('1d');
    // A default beyond the maximum is not offered: the usual choice instead.
    expect(defaultLifetimeChoice(30 * DAY, 90 * DAY)).toBe('7d');
    // Only when nothing shorter is offered.
    expect(defaultLifetimeChoice(30 * 60_000)).toBe('30m');
  });
});
