/**
 * `--follow`: live progress in a form that reads well in CI logs (one line per change, no cursor tricks),
 * then the outcome as an exit code.
 */
import { type WorkflowHandle, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure } from '@temporalio/common';
import { UndecryptablePayloadError } from '../encryption/codec';
import { statusQuery } from '../workflows/messages';
import type { DeploymentStatus } from '../workflows/status';
import { statusFacts } from '../workflows/status-facts';
import { EXIT } from './exit-codes';

/** One log line for a status: each fact in a few words (phase, step, traffic, the gate with its command, ...). */
export function progressLine(s: DeploymentStatus, ref: string): string {
  return statusFacts(s, ref)
    .flatMap((fact) => (fact.brief ? [fact.brief] : []))
    .join('  ');
}

/** How long a query may wait for a worker's answer, and how many go unanswered before `NO_WORKER` is printed. */
export const QUERY_PATIENCE_MS = 3_000;
export const UNANSWERED_BEFORE_WARNING = 3;
export const NO_WORKER = 'no worker is answering yet: is `glidepath worker` running on this task queue?';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export interface FollowOptions {
  intervalMs?: number;
  print?: (line: string) => void;
}

/** Prints progress until the run closes; returns the exit code. */
export async function follow(handle: WorkflowHandle, ref: string, options: FollowOptions = {}): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(`${new Date().toISOString().slice(11, 19)}  ${line}`));
  const intervalMs = options.intervalMs ?? 1_000;
  let last = '';
  let closed = false;
  let unanswered = 0;
  let stuck: DeploymentStatus['stuck'];
  // Aborted when following must stop early, so the waiting for the result does not hold the process open.
  const stop = new AbortController();
  const result = handle.client.withAbortSignal(stop.signal, () => handle.result()).finally(() => (closed = true));
  result.catch(() => undefined); // observed below

  const show = async () => {
    try {
      // A query waits for a worker to answer it; with none running it would wait silently for a long time.
      const status = await Promise.race([handle.query(statusQuery), sleep(QUERY_PATIENCE_MS).then(() => undefined)]);
      if (!status) throw new Error('no answer');
      unanswered = 0;
      stuck = status.phase === 'RollbackStuck' ? status.stuck : undefined;
      const line = progressLine(status, ref);
      if (line !== last) print((last = line));
    } catch (err) {
      // An answer this CLI cannot decrypt: waiting would not help, and "no worker" would send people looking in
      // the wrong place. It ends the command as `status` ends, with the message naming the key.
      const keyProblem = undecryptable(err);
      if (keyProblem) {
        stop.abort();
        throw keyProblem;
      }
      // No worker answering right now, or the run just closed (then the result says the rest).
      if (++unanswered === UNANSWERED_BEFORE_WARNING && !closed) print(NO_WORKER);
    }
  };
  while (!closed) {
    await show();
    // Stuck: only a person can move it on; CI hears it now rather than at its own timeout.
    if (stuck && !closed) {
      print(`ROLLBACK STUCK at "${stuck.step}": ${stuck.reason}. ${stuck.remedy} (the run keeps retrying: glidepath status ${ref})`);
      stop.abort(); // or the wait for the result would keep the CLI from exiting
      return EXIT.rollbackStuck;
    }
    await Promise.race([result.catch(() => undefined), sleep(intervalMs)]);
  }
  await show();
  return outcome(result, print);
}

/** The missing-key error in `err` or its causes (the client may wrap what the codec threw). */
export function undecryptable(err: unknown): UndecryptablePayloadError | undefined {
  for (let e = err; e instanceof Error; e = e.cause) if (e instanceof UndecryptablePayloadError) return e;
  return undefined;
}

async function outcome(result: Promise<unknown>, print: (line: string) => void): Promise<number> {
  try {
    const { status } = (await result) as { status?: DeploymentStatus };
    print('PROMOTED');
    // Promoted all the same, with something left to finish by hand (e.g. the previous version's removal).
    for (const warning of status?.warnings ?? []) print(`WARNING: ${warning}`);
    return EXIT.ok;
  } catch (err) {
    print(describeEnd(err));
    const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
    return cause instanceof ApplicationFailure && cause.type === 'BlockedByPolicy' ? EXIT.blockedByPolicy : EXIT.failed;
  }
}

export function describeEnd(err: unknown): string {
  if (!(err instanceof WorkflowFailedError)) return `FAILED: ${(err as Error).message}`;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && cause.type === 'RolledBack')
    return `ROLLED BACK: ${cause.message.replace(/^rolled back: /, '')}`;
  if (cause instanceof CancelledFailure) return 'CANCELLED: rolled back to the stable version';
  if (cause instanceof TerminatedFailure) {
    return 'TERMINATED: no rollback ran; check the target and re-run the plan or roll back by hand';
  }
  return `FAILED: ${cause?.message ?? err.message}`;
}
