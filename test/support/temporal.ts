/**
 * Running deployment workflows in tests on the real Temporal server: a client, and an in-process worker on a
 * task queue of its own with the given platforms.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, type DataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { expect, inject } from 'vitest';
import type { ActivityDependencies } from '../../activities';
import { glidepathDataConverter } from '../../encryption/data-converter';
import type { Plan } from '../../plan/schema';
import { startDeployment } from '../../starters/deploy';
import { createWorker } from '../../workers/worker';
import { statusQuery } from '../../workflows/messages';
import type { DeploymentStatus, Phase } from '../../workflows/status';
import { useForFile } from './file-scoped';

// Workers log at WARN in tests, so failures stand out.
Runtime.install({ logger: new DefaultLogger(process.env.GLIDEPATH_TEST_LOG_LEVEL === 'debug' ? 'DEBUG' : 'WARN') });

export interface Harness {
  client: Client;
  taskQueue: string;
  /**
   * Runs a worker (a new one each time: a worker that stopped cannot run again) while `fn` runs; with a
   * data converter of its own, e.g. after a key rotation.
   */
  run<T>(fn: () => Promise<T>, options?: { dataConverter?: DataConverter }): Promise<T>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** The same converter the worker and the CLI build (encryption/data-converter.ts); default: from the environment. */
  dataConverter?: DataConverter;
  /** A workflow bundle built for that converter (with its failure converter); default: the shared one. */
  workflowBundlePath?: string;
}

export async function startHarness(
  dependencies: ActivityDependencies,
  address = inject('temporalAddress'),
  options: HarnessOptions = {},
): Promise<Harness> {
  const dataConverter = options.dataConverter ?? glidepathDataConverter();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default', dataConverter });
  const nativeConnection = await NativeConnection.connect({ address });
  const taskQueue = `test-${randomUUID()}`;
  const workflowBundle = { codePath: options.workflowBundlePath ?? inject('workflowBundlePath') };
  return {
    client,
    taskQueue,
    run: async (fn, runOptions) => {
      const worker = await createWorker({
        connection: nativeConnection,
        namespace: 'default',
        taskQueue,
        dependencies,
        workflowBundle,
        dataConverter: runOptions?.dataConverter ?? dataConverter,
      });
      return worker.runUntil(fn);
    },
    close: async () => {
      await nativeConnection.close();
      await connection.close();
    },
  };
}

/**
 * For a test file's top level: a harness started before the file's tests, its workers given what
 * `dependencies()` returns then (after the hooks registered before it ran), and closed after them.
 */
export function useHarness(dependencies: () => ActivityDependencies): Harness {
  return useForFile(
    () => startHarness(dependencies()),
    (harness) => harness.close(),
  );
}

/** Starts the plan's deployment run on `taskQueue` and returns its handle; a run already in flight for it fails the test. */
export async function startPlan(client: Client, plan: Plan, taskQueue: string) {
  const started = await startDeployment(client, plan, taskQueue);
  if (started.kind === 'conflict') throw new Error('unexpected conflict');
  return started.handle;
}

/** Polls the status query until `predicate` holds (the run is driven by the worker meanwhile). */
export async function waitForStatus(
  handle: WorkflowHandle,
  predicate: (s: DeploymentStatus) => boolean,
  timeoutMs = 30_000,
): Promise<DeploymentStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: DeploymentStatus | undefined;
  for (;;) {
    try {
      last = await handle.query(statusQuery);
      if (predicate(last)) return last;
    } catch {
      /* not started yet */
    }
    if (Date.now() > deadline) throw new Error(`status never matched; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const inPhase = (phase: Phase) => (s: DeploymentStatus) => s.phase === phase;

/** The failure a rolled-back run ends with, or throws if it did not end rolled back. */
export async function rolledBack(handle: WorkflowHandle): Promise<{ message: string; status: DeploymentStatus }> {
  try {
    await handle.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure && err.cause.type === 'RolledBack') {
      return { message: err.cause.message, status: err.cause.details?.[0] as DeploymentStatus };
    }
    throw err;
  }
  throw new Error('the run was promoted, not rolled back');
}

/** A cancelled run (what the Web UI's Cancel sends) closed Canceled: its result rejects with a CancelledFailure cause. */
export async function expectClosedCancelled(handle: WorkflowHandle): Promise<void> {
  const err = await handle.result().then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
}

export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/**
 * With GLIDEPATH_RECORD_HISTORIES=1, saves a finished run's history under test/histories/ for the replay
 * test, which then fails CI if a workflow change would break runs already in flight.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.GLIDEPATH_RECORD_HISTORIES !== '1') return;
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const dir = `${__dirname}/../histories`;
  mkdirSync(dir, { recursive: true });
  // The workflow ID is kept with the history: child workflow IDs derive from it, so replay needs it.
  writeFileSync(`${dir}/${name}.json`, JSON.stringify({ workflowId: handle.workflowId, history: await handle.fetchHistory() }, null, 1));
}

/**
 * The platform activities a run scheduled, in order (the plan and policy checks are left out), the attempt the first one
 * started on, and per activity type the attempt it last started on (2 or more: a retry, e.g. after its worker
 * was killed).
 */
export async function activityLog(
  handle: WorkflowHandle,
): Promise<{ scheduled: string[]; firstStartAttempt?: number; attempts: Record<string, number> }> {
  const { EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, EVENT_TYPE_ACTIVITY_TASK_STARTED } = temporal.api.enums.v1.EventType;
  const events = (await handle.fetchHistory()).events ?? [];
  const typeOf = new Map<string, string>();
  const attempts: Record<string, number> = {};
  const checks = ['checkPlan', 'loadPolicy', 'deployWindow', 'notify'];
  const isPlatformCall = (type: string | undefined) => type !== undefined && !checks.includes(type);
  let firstStartAttempt: number | undefined;
  for (const e of events) {
    if (e.eventType === EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
      typeOf.set(String(e.eventId), e.activityTaskScheduledEventAttributes!.activityType!.name!);
    if (e.eventType === EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const type = typeOf.get(String(e.activityTaskStartedEventAttributes!.scheduledEventId))!;
      const attempt = e.activityTaskStartedEventAttributes!.attempt ?? 1;
      attempts[type] = Math.max(attempts[type] ?? 0, attempt);
      if (firstStartAttempt === undefined && isPlatformCall(type)) firstStartAttempt = attempt;
    }
  }
  return { scheduled: [...typeOf.values()].filter(isPlatformCall), firstStartAttempt, attempts };
}

/**
 * The platform calls of a promoted canary run, each scheduled once, as `activityLog` lists them: the migration
 * first when the plan has one, the candidate deployed and awaited, one traffic change per `setWeight` step, then
 * the promotion and the previous version retired.
 */
export function promotedCanaryCalls(setWeightSteps: number, { migration = false } = {}): string[] {
  return [
    ...(migration ? ['runMigration'] : []),
    'deployCandidate',
    'waitCandidateReady',
    ...Array<string>(setWeightSteps).fill('setTrafficWeight'),
    'promoteCandidate',
    'retirePrevious',
  ];
}
