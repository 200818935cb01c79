/**
 * Calling a platform's methods directly, each inside an activity context of its own as a worker would run them
 * (heartbeats, cancellation), for the tests of one platform against its real (or simulated) API.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Platform } from '../../activities/types';

/** A logger that drops everything: the warnings a platform logs on the failures a test expects are noise. */
export const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** An activity context for calling a platform directly (heartbeats, cancellation), without the warning logs of expected failures. */
export const activityEnv = () => new MockActivityEnvironment(undefined, { logger: quietLogger });

/** Calls a platform method inside its own activity context, as a worker would. */
export function caller(platform: Platform) {
  return <T>(fn: (p: Platform) => Promise<T>): Promise<T> => activityEnv().run(() => fn(platform)) as Promise<T>;
}

/** `call`, called again like the activity's retry policy does while the platform answers with a retryable failure. */
export function retrying(call: ReturnType<typeof caller>, timeoutMs = 60_000) {
  return async <T>(fn: (p: Platform) => Promise<T>): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await call(fn);
      } catch (err) {
        if (!(err instanceof ApplicationFailure) || err.nonRetryable || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
}

/** The failure `p` rejects with (and a test failure if it resolves). */
export async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    return err as ApplicationFailure;
  }
  throw new Error('expected a failure, but it succeeded');
}
