/**
 * Deploy windows in a time zone: whether one is open at an instant, and when it opens next. Uses Intl and the
 * time-zone data of the Node it runs on, so it runs in the `deployWindow` activity and the CLI, never in workflow
 * code: the workflow passes its own (deterministic) time in and records the answer in its history.
 */
import type { DeployWindow, Weekday, WindowState } from './policy-types';

const WEEKDAYS: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY_MS = 86_400_000;

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function localParts(ms: number, timeZone: string): LocalParts {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(ms)
      .map((p) => [p.type, Number(p.value)]),
  );
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute };
}

/** Local time minus UTC at `ms`, in milliseconds (whole minutes). */
function offsetAt(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  const floored = ms - (((ms % 60_000) + 60_000) % 60_000);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - floored;
}

/** The instant a local wall-clock time happens in `timeZone` (the later reading across a DST change). */
export function zonedInstant(year: number, month: number, day: number, clock: string, timeZone: string): number {
  const [hour, minute] = clock.split(':').map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  return second;
}

export function windowState(window: DeployWindow, nowMs: number): WindowState {
  const today = localParts(nowMs, window.timeZone);
  for (let i = 0; i <= 7; i++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + i));
    const weekday = WEEKDAYS[date.getUTCDay()];
    if (!window.days.includes(weekday)) continue;
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    const opens = zonedInstant(y, m, d, window.from, window.timeZone);
    const closes =
      window.to === '24:00' ? zonedInstant(y, m, d, '00:00', window.timeZone) + DAY_MS : zonedInstant(y, m, d, window.to, window.timeZone);
    if (nowMs >= opens && nowMs < closes) return { open: true, closesAt: new Date(closes).toISOString() };
    if (opens > nowMs) return { open: false, opensAt: new Date(opens).toISOString(), opensLabel: openingLabel(opens, window) };
  }
  return { open: false }; // unreachable with at least one day
}

/** "Mon 09:00 CET". */
function openingLabel(ms: number, window: DeployWindow): string {
  const zone =
    new Intl.DateTimeFormat('en-GB', { timeZone: window.timeZone, timeZoneName: 'short' })
      .formatToParts(ms)
      .find((p) => p.type === 'timeZoneName')?.value ?? window.timeZone;
  const weekday = new Intl.DateTimeFormat('en-GB', { timeZone: window.timeZone, weekday: 'short' }).format(ms);
  return `${weekday} ${window.from} ${zone}`;
}

export function describeWindow(window: DeployWindow): string {
  return `${window.days.map((d) => d[0].toUpperCase() + d.slice(1)).join(', ')} ${window.from}–${window.to} ${window.timeZone}`;
}
