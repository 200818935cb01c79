/**
 * Many Lambda canaries at once on the real Temporal dev server and moto, each met by an action at a moment drawn
 * from a seeded random sequence: an abort through the CLI's path or straight through the Temporal client (as the
 * Web UI sends it), a Temporal cancel, a pause then an abort, a `promote --full`, a second plan for the same
 * service, or nothing. Whatever the moment, every run ends promoted or rolled back, and the function's alias
 * says the same as the status. The moments abort-moments.test.ts pins one by one are sampled here in between.
 *
 * GLIDEPATH_STORM_SEED and GLIDEPATH_STORM_RUNS replay or widen a run (the seed is printed when a run disagrees);
 * GLIDEPATH_STORM_PRINT=1 prints each run's action, moment and end.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
import { ActionRefused, getStatus, sendSignal, sendUpdate } from '../../starters/actions';
import { startDeployment } from '../../starters/deploy';
import { abortSignal } from '../../workflows/messages';
import { createLambdaService, lambdaPlatformAt, lambdaState } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { startPlan, uniqueName, useHarness } from '../support/temporal';

const endpoint = inject('motoEndpoint');
const SEED = Number(process.env.GLIDEPATH_STORM_SEED ?? 20261129);
const RUNS = Number(process.env.GLIDEPATH_STORM_RUNS ?? 24);
/** Moments are drawn over about a run's length: deploy, 10%, a 1 s soak, 50%, a 1 s soak, promote. */
const LATEST_MOMENT_MS = 4_000;
/** Its two soaks keep every run going at least this long: a second plan sent before then must find it running. */
const SURELY_RUNNING_MS = 1_000;
const STRATEGY = canary({ setWeight: 10 }, { pause: { duration: '1s' } }, { setWeight: 50 }, { pause: { duration: '1s' } });

const ACTIONS = ['none', 'abort', 'abortFromUi', 'cancel', 'pauseThenAbort', 'promoteFull', 'secondPlan'] as const;
type Action = (typeof ACTIONS)[number];

/** mulberry32: a small seeded generator, so a run that disagrees can be replayed with its seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const h = useHarness(() => ({ platforms: { lambda: lambdaPlatformAt(endpoint) } }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const who = { by: 'oncall', reason: 'storm' };

/** An action that lands after the run ended, or past its point of no return, is refused: that is an answer too. */
async function refusedIsFine(send: () => Promise<unknown>): Promise<void> {
  await send().catch((err) => {
    if (!(err instanceof ActionRefused || err instanceof WorkflowNotFoundError)) throw err;
  });
}

async function act(action: Action, handle: WorkflowHandle, name: string, delayMs: number): Promise<void> {
  await sleep(delayMs);
  const id = handle.workflowId;
  switch (action) {
    case 'none':
      return;
    case 'abort':
      return refusedIsFine(() => sendSignal(h.client, id, 'abort', who));
    case 'abortFromUi':
      return refusedIsFine(() => handle.signal(abortSignal, who));
    case 'cancel':
      return refusedIsFine(() => handle.cancel());
    case 'pauseThenAbort':
      await refusedIsFine(() => sendSignal(h.client, id, 'pause', who));
      await sleep(300);
      return refusedIsFine(() => sendSignal(h.client, id, 'abort', who));
    case 'promoteFull':
      return refusedIsFine(() => sendUpdate(h.client, id, 'promote', { ...who, full: true }));
    case 'secondPlan': {
      // Another release of the same service while this one runs: refused, and this run goes on untouched.
      const second = await startDeployment(h.client, lambdaPlan(name, STRATEGY, {}, 'v3'), h.taskQueue);
      if (second.kind === 'started') throw new Error(`a second plan for ${name} started beside the first`);
      return;
    }
  }
}

interface Outcome {
  action: Action;
  delayMs: number;
  phase: string;
  alias: Awaited<ReturnType<typeof lambdaState>>['alias'];
  versions: Array<string | undefined>;
  candidateVersion?: string;
}

describe(`an abort storm: ${RUNS} canaries, seed ${SEED}`, () => {
  it('every run ends promoted or rolled back, and the alias agrees with the status', { timeout: 240_000 }, async () => {
    const random = seeded(SEED);
    const draws = Array.from({ length: RUNS }, (_, i) => ({
      // The first runs of the sequence pin both ends: one left alone promotes, one aborted at once rolls back.
      action: i === 0 ? 'none' : i === 1 ? 'abort' : ACTIONS[Math.floor(random() * ACTIONS.length)]!,
      delayMs: i === 1 ? 0 : Math.floor(random() * LATEST_MOMENT_MS),
    })).map((d) => (d.action === 'secondPlan' ? { ...d, delayMs: d.delayMs % SURELY_RUNNING_MS } : d));
    const services = await Promise.all(
      draws.map(async () => {
        const name = uniqueName('storm');
        return { name, lambda: await createLambdaService(endpoint, name) };
      }),
    );
    const outcomes = await h.run(() =>
      Promise.all(draws.map((draw, i) => runOne(draw.action, draw.delayMs, services[i]!.name, services[i]!.lambda))),
    );

    if (process.env.GLIDEPATH_STORM_PRINT) console.log(outcomes.map((o) => `${o.action}@${o.delayMs}:${o.phase}`).join('\n'));
    const disagreements = outcomes.filter((o) => !agrees(o));
    expect(disagreements, `seed ${SEED}: runs whose end disagrees with the alias`).toEqual([]);
    expect(outcomes.filter((o) => o.action === 'none').every((o) => o.phase === 'Promoted')).toBe(true);
    expect(outcomes[1]!.phase).toBe('RolledBack');
  });
});

async function runOne(action: Action, delayMs: number, name: string, lambda: LambdaClient): Promise<Outcome> {
  const handle = await startPlan(h.client, lambdaPlan(name, STRATEGY), h.taskQueue);
  await act(action, handle, name, delayMs);
  await handle.result().catch(() => undefined); // promoted, rolled back or cancelled: the status says which
  const status = await getStatus(h.client, handle.workflowId);
  const { alias, versions } = await lambdaState(lambda, name);
  return { action, delayMs, phase: status.phase, alias, versions, candidateVersion: status.candidateVersion };
}

/** Promoted: the alias is wholly on the new version. Rolled back: wholly on version 1, the new one deleted. */
function agrees(o: Outcome): boolean {
  if (o.phase === 'Promoted') return o.alias.version === o.candidateVersion && Object.keys(o.alias.weights).length === 0;
  if (o.phase === 'RolledBack') return o.alias.version === '1' && Object.keys(o.alias.weights).length === 0 && o.versions.join() === '1';
  return false;
}
