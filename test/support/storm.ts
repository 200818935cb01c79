/**
 * An abort storm, on any platform: many plans at once, each met by an action at a moment drawn from a seeded random
 * sequence (an abort through the CLI's path or straight through the Temporal client as the Web UI sends it, a
 * Temporal cancel, a pause then an abort, a `promote --full`, a second plan for the same service, or nothing), then
 * each run's end set beside the platform's real state: a run that says Promoted must be live on its new version, one
 * that says RolledBack wholly back on the previous one.
 *
 * GLIDEPATH_STORM_SEED and GLIDEPATH_STORM_RUNS replay or widen a storm (the seed is in the test's name);
 * GLIDEPATH_STORM_PRINT=1 prints each run's strategy, action, moment and end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { expect } from 'vitest';
import type { Plan } from '../../plan/schema';
import { ActionRefused, getStatus, sendSignal, sendUpdate } from '../../starters/actions';
import { startDeployment } from '../../starters/deploy';
import { abortSignal } from '../../workflows/messages';
import type { DeploymentStatus } from '../../workflows/status';
import { startPlan } from './temporal';

export const STORM_SEED = Number(process.env.GLIDEPATH_STORM_SEED ?? 20261129);
export const STORM_RUNS = Number(process.env.GLIDEPATH_STORM_RUNS ?? 24);

const ACTIONS = ['none', 'abort', 'abortFromUi', 'cancel', 'pauseThenAbort', 'promoteFull', 'secondPlan'] as const;
type Action = (typeof ACTIONS)[number];
export type StormStrategy = 'canary' | 'blueGreen';

/** One service a run deploys to, made for it. */
export interface StormService<State> {
  /** The plan of this run (release v2) or of a second one for the same service (another release). */
  plan(strategy: StormStrategy, release?: string): Plan;
  /** What the platform holds now. */
  state(): Promise<State>;
}

/** A platform the storm runs on. */
export interface StormPlatform<State> {
  strategies: StormStrategy[];
  /** Moments are drawn up to about a run's length on this platform. */
  latestMomentMs: number;
  /** A run's pauses keep it going at least this long: a second plan sent before then must find it running. */
  surelyRunningMs: number;
  createService(): Promise<StormService<State>>;
  /** Whether the platform's state is the promoted one (the status names the new version). */
  isPromoted(state: State, status: DeploymentStatus, strategy: StormStrategy): boolean;
  /** Whether the platform's state is the one before the run, nothing of it left. */
  isRolledBack(state: State, strategy: StormStrategy): boolean;
}

/** Where the storm's plans run: a client, and the task queue of the worker (or workers) that run them. */
export interface StormQueue {
  client: Client;
  taskQueue: string;
}

export interface StormOutcome<State> {
  strategy: StormStrategy;
  action: Action;
  delayMs: number;
  phase: string;
  state: State;
  agrees: boolean;
}

/** mulberry32: a small seeded generator, so a storm that found something can be run again with its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const who = { by: 'oncall', reason: 'storm' };

/** An action that lands after the run ended, or past its point of no return, is refused: that is an answer too. */
async function refusedIsFine(send: () => Promise<unknown>): Promise<void> {
  await send().catch((err) => {
    if (!(err instanceof ActionRefused || err instanceof WorkflowNotFoundError)) throw err;
  });
}

async function act<S>(queue: StormQueue, action: Action, handle: WorkflowHandle, service: StormService<S>): Promise<void> {
  const { client, taskQueue } = queue;
  const id = handle.workflowId;
  switch (action) {
    case 'none':
      return;
    case 'abort':
      return refusedIsFine(() => sendSignal(client, id, 'abort', who));
    case 'abortFromUi':
      return refusedIsFine(() => handle.signal(abortSignal, who));
    case 'cancel':
      return refusedIsFine(() => handle.cancel());
    case 'pauseThenAbort':
      await refusedIsFine(() => sendSignal(client, id, 'pause', who));
      await sleep(300);
      return refusedIsFine(() => sendSignal(client, id, 'abort', who));
    case 'promoteFull':
      return refusedIsFine(() => sendUpdate(client, id, 'promote', { ...who, full: true }));
    case 'secondPlan': {
      // Another release of the same service while this one runs: refused, and this run goes on untouched.
      const second = await startDeployment(client, service.plan('canary', 'v3'), taskQueue);
      if (second.kind === 'started') throw new Error(`a second plan for ${id} started beside the first`);
      return;
    }
  }
}

/** The storm's draws: the first two pin both ends (one left alone promotes, one aborted at once rolls back). */
function draw<S>(platform: StormPlatform<S>, random: () => number, runs: number) {
  return Array.from({ length: runs }, (_, i) => {
    const strategy = platform.strategies[Math.floor(random() * platform.strategies.length)]!;
    const action: Action = i === 0 ? 'none' : i === 1 ? 'abort' : ACTIONS[Math.floor(random() * ACTIONS.length)]!;
    const delayMs = i === 1 ? 0 : Math.floor(random() * platform.latestMomentMs);
    return { strategy, action, delayMs: action === 'secondPlan' ? delayMs % platform.surelyRunningMs : delayMs };
  });
}

/** Starts `runs` plans on `queue`, each met by its drawn action, and follows every one to its end. */
export async function storm<S>(platform: StormPlatform<S>, queue: StormQueue, random: () => number, runs: number) {
  const draws = draw(platform, random, runs);
  const services = await Promise.all(draws.map(() => platform.createService()));
  const outcomes = await Promise.all(
    draws.map(async (drawn, i): Promise<StormOutcome<S>> => {
      const service = services[i]!;
      const handle = await startPlan(queue.client, service.plan(drawn.strategy), queue.taskQueue);
      await sleep(drawn.delayMs);
      await act(queue, drawn.action, handle, service);
      await handle.result().catch(() => undefined); // promoted, rolled back or cancelled: the status says which
      const status = await getStatus(queue.client, handle.workflowId);
      const state = await service.state();
      const agrees =
        status.phase === 'Promoted'
          ? platform.isPromoted(state, status, drawn.strategy)
          : status.phase === 'RolledBack' && platform.isRolledBack(state, drawn.strategy);
      return { ...drawn, phase: status.phase, state, agrees };
    }),
  );
  if (process.env.GLIDEPATH_STORM_PRINT) console.log(outcomes.map((o) => `${o.strategy} ${o.action}@${o.delayMs}:${o.phase}`).join('\n'));
  return outcomes;
}

/** Every run's end agrees with the platform; the one left alone promoted, the one aborted at once rolled back. */
export function expectAgreement<S>(outcomes: StormOutcome<S>[]): void {
  expect(
    outcomes.filter((o) => !o.agrees),
    `seed ${STORM_SEED}: runs whose end disagrees with the platform`,
  ).toEqual([]);
  expect(outcomes.filter((o) => o.action === 'none').every((o) => o.phase === 'Promoted')).toBe(true);
  expect(outcomes[1]!.phase).toBe('RolledBack');
}
