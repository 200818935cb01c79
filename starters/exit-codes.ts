/** What CI reads from `glidepath deploy --follow` (and every other command). */
export const EXIT = {
  /** Promoted (or, without --follow, started). */
  ok: 0,
  /** Rolled back, aborted, rejected, cancelled, failed, or the action was refused. */
  failed: 1,
  /** The plan, or a command's own input (e.g. the --sign-key file), is invalid; nothing was started or sent. */
  invalidPlan: 2,
  /** Another release is already deploying to the same service and environment. */
  conflict: 3,
  /** A policy rule refuses it (a freeze, a deploy window, a guardrail); the message names the rule. */
  blockedByPolicy: 4,
  /**
   * `--follow`: the rollback is stuck on a step that keeps failing (phase RollbackStuck); the run goes on retrying
   * and the message says what a person must do. Neither promoted nor rolled back yet.
   */
  rollbackStuck: 5,
} as const;
