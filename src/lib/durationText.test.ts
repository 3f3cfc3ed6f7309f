import { durationText } from './durationText';

describe('durationText', () => {
  it('says a duration in the largest unit that says it exactly', () => {
    expect(durationText(30 * 86_400_000)).toBe('30 days');
    expect(durationText(86_400_000)).toBe('1 day');
    expect(durationText(12 * 3_600_000)).toBe('12 hours');
    expect(durationText(36 * 3_600_000)).toBe('36 hours');
    expect(durationText(90 * 60_000)).toBe('90 minutes');
    expect(durationText(1000)).toBe('1 second');
    expect(durationText(1500)).toBe('2 seconds');
    expect(durationText(10)).toBe('less than a second');
  });
});
