import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../plan/duration';

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['250ms', 250],
    ['1m30s', 90_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '-5m', '5', '5 m', 'm5', '1.5h', '5x'])('%j is not a duration', (text) => expect(parseDuration(text)).toBeUndefined());

  it.each([
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [0, '0s'],
    [90_061_000, '1d1h1m1s'],
  ])('%d ms reads %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
