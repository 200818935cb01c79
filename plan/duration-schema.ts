/**
 * Durations in plans, each field with its documented range (README "Durations"). A duration past its range,
 * or too long to be a number at all, is refused here, so no overflowing value can reach a timer or a Date.
 * Pure: imported by workflow code.
 */
import { z } from 'zod';
import { DURATION_PATTERN, formatDuration, parseDuration } from './duration';

const SECOND = 1_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The longest text a duration may be: "1d2h3m4s5ms" and the like, never a thousand digits. */
const MAX_DURATION_TEXT = 24;

function rangeText(minMs: number, maxMs: number): string {
  return minMs === 0
    ? `0s to ${formatDuration(maxMs)}`
    : minMs < SECOND
      ? `more than 0 and at most ${formatDuration(maxMs)}`
      : `${formatDuration(minMs)} to ${formatDuration(maxMs)}`;
}

/** A duration from `minMs` to `maxMs`; `why` says what a value outside it would do. */
export function durationBetween(minMs: number, maxMs: number, why = '') {
  const range = rangeText(minMs, maxMs);
  return z
    .string()
    .max(MAX_DURATION_TEXT, `a duration is short text such as "30s", "5m", "1h30m" or "2d" (${range})`)
    .regex(DURATION_PATTERN, 'must be a positive duration such as "30s", "5m", "1h30m" or "2d"')
    .superRefine((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || (ms >= minMs && ms <= maxMs)) return;
      const fix = ms < minMs ? (ms === 0 ? 'zero is not allowed here' : `${text} is too short`) : `${text} is too long`;
      ctx.addIssue({ code: 'custom', message: `${fix}: use ${range}${why ? ` (${why})` : ''}` });
    });
}

/** Ranges by field; README "Durations" lists the same. */
export const DurationRanges = {
  pause: durationBetween(1, 30 * DAY, 'a soak longer than a month is better an approval'),
  approvalTimeout: durationBetween(SECOND, 30 * DAY),
  inconclusiveTimeout: durationBetween(SECOND, 30 * DAY),
  scaleDownDelay: durationBetween(0, 7 * DAY),
  readyTimeout: durationBetween(SECOND, 24 * HOUR),
  progressDeadline: durationBetween(SECOND, 24 * HOUR),
  migrationTimeout: durationBetween(SECOND, 24 * HOUR),
  /** At least 1s, for the CLI and the engine alike: faster checks load the service they measure and fill the history. */
  interval: durationBetween(SECOND, 24 * HOUR, 'measure at most once a second, e.g. interval: 10s'),
  initialDelay: durationBetween(0, 24 * HOUR),
  requestTimeout: durationBetween(1, 5 * 60 * SECOND),
  lookback: durationBetween(SECOND, 15 * DAY, 'CloudWatch keeps 1-minute data 15 days'),
  window: durationBetween(SECOND, 24 * HOUR),
} as const;

/** Any duration a plan may hold: a year at most. */
export const Duration = durationBetween(0, 365 * DAY);
