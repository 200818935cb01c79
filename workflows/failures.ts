/** Turning a failure into the sentence a person reads in the status. Workflow-safe and pure. */
import { isCancellation } from '@temporalio/workflow';

export function describeFailure(err: unknown): string {
  if (isCancellation(err)) return 'cancelled';
  let e = err as { message?: string; cause?: unknown } | undefined;
  // Activity failures wrap the platform's error: report the innermost message, which says what went wrong.
  while (e && typeof e === 'object' && e.cause && (e.cause as { message?: string }).message) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
