/**
 * How big a plan may be. Each limit keeps a plan far from one of Temporal's: a payload over 2 MB is refused
 * when the workflow starts, and a history past 51,200 events (or 50 MB) ends the run. The README's
 * "Limits" lists the same numbers.
 */

/** Steps of a canary, or prePromotion + postPromotion of a blue-green plan. A step adds about ten events to the history. */
export const MAX_STEPS = 100;
/** Metrics in one analysis. */
export const MAX_METRICS = 20;
/** Names in one approval's `approvers`. */
export const MAX_APPROVERS = 100;
/** Measurements of one metric (an analysis runs as a child workflow that continues as new, so this bounds time, not history). */
export const MAX_MEASUREMENTS = 10_000;

/** The plan file as read from disk. */
export const MAX_PLAN_FILE_BYTES = 256 * 1024;
/**
 * The plan as the workflow's input (JSON, after defaults and presets). Temporal refuses payloads over 2 MB
 * and warns from 512 KB; the plan is also stored again in the run's details shown in the UI.
 */
export const MAX_WORKFLOW_INPUT_BYTES = 512 * 1024;

/** `requestedBy`, approvers and an action's `by`. */
export const MAX_NAME_LENGTH = 128;
/** An action's `reason`. */
export const MAX_REASON_LENGTH = 1_000;

export function kib(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KiB`;
}
