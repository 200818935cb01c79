/** Waiting for a platform to reach a state: polls, heartbeats, stops when the workflow cancels. */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

export interface PollOptions {
  /** What is awaited, for heartbeats and the timeout message. */
  what: string;
  intervalMs?: number;
  timeoutMs: number;
}

/** Calls `check` until it returns a value other than undefined; it may throw to fail at once. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, { what, intervalMs = 2_000, timeoutMs }: PollOptions): Promise<T> {
  const ctx = Context.current();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      throw ApplicationFailure.nonRetryable(`${what}: not reached within ${Math.round(timeoutMs / 1000)}s`, 'NotReady');
    }
    ctx.heartbeat({ waitingFor: what });
    await ctx.sleep(intervalMs); // rejects when the activity is cancelled
  }
}

/** Calls `beat` every `everyMs` while `run` runs. */
export async function beatingWhile<T>(beat: () => void, everyMs: number, run: () => Promise<T>): Promise<T> {
  const timer = setInterval(beat, everyMs);
  try {
    return await run();
  } finally {
    clearInterval(timer);
  }
}

/** Heartbeats while one long call (e.g. a synchronous invocation) runs, five times per heartbeat timeout (10s). */
export function withHeartbeat<T>(what: string, run: () => Promise<T>, everyMs = 2_000): Promise<T> {
  const ctx = Context.current();
  return beatingWhile(() => ctx.heartbeat({ running: what }), everyMs, run);
}
