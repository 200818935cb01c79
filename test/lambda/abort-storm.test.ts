/**
 * Many Lambda canaries and blue-greens at once on the real Temporal dev server and moto, each met by an action at a
 * moment drawn from a seeded random sequence: an abort through the CLI's path or straight through the Temporal client
 * (as the Web UI sends it), a Temporal cancel, a pause then an abort, a `promote --full`, a second plan for the same
 * service, or nothing; then again on worker processes, two of them SIGKILLed at drawn moments. Whatever the moment,
 * every run ends promoted or rolled back, and the function's aliases say the same as the status. The moments
 * abort-moments.test.ts pins one by one are sampled here in between.
 *
 * GLIDEPATH_STORM_SEED and GLIDEPATH_STORM_RUNS replay or widen a run (the seed is printed when a run disagrees);
 * GLIDEPATH_STORM_PRINT=1 prints each run's strategy, action, moment and end.
 */
import { GetAliasCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { type Client, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
import { ActionRefused, getStatus, sendSignal, sendUpdate } from '../../starters/actions';
import { startDeployment } from '../../starters/deploy';
import { abortSignal } from '../../workflows/messages';
import { createLambdaService, lambdaPlatformAt, lambdaState } from '../support/lambda-fixture';
import { canary, lambdaPlan } from '../support/plans';
import { startPlan, uniqueName, useHarness } from '../support/temporal';
import { useWorkerProcesses, workerEnv } from '../support/worker-process';

const endpoint = inject('motoEndpoint');
const SEED = Number(process.env.GLIDEPATH_STORM_SEED ?? 20261129);
const RUNS = Number(process.env.GLIDEPATH_STORM_RUNS ?? 24);
/** Moments are drawn over about a run's length: deploy, 10%, a 1 s soak, 50%, a 1 s soak, promote. */
const LATEST_MOMENT_MS = 4_000;
/** Each strategy's pauses keep a run going at least this long: a second plan sent before then must find it running. */
const SURELY_RUNNING_MS = 1_000;
const CANARY = canary({ setWeight: 10 }, { pause: { duration: '1s' } }, { setWeight: 50 }, { pause: { duration: '1s' } });
/** Blue-green whose point of no return, the end of the scale-down delay, falls inside the drawn moments. */
const BLUE_GREEN = { type: 'blueGreen', prePromotion: [{ pause: { duration: '1s' } }], scaleDownDelay: '1s' };

const ACTIONS = ['none', 'abort', 'abortFromUi', 'cancel', 'pauseThenAbort', 'promoteFull', 'secondPlan'] as const;
type Action = (typeof ACTIONS)[number];
type Strategy = 'canary' | 'blueGreen';

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
const workers = useWorkerProcesses('SIGKILL');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const who = { by: 'oncall', reason: 'storm' };

/** Where the storm's plans run: a client, and the task queue of the worker (or workers) that run them. */
interface Queue {
  client: Client;
  taskQueue: string;
}

/** An action that lands after the run ended, or past its point of no return, is refused: that is an answer too. */
async function refusedIsFine(send: () => Promise<unknown>): Promise<void> {
  await send().catch((err) => {
    if (!(err instanceof ActionRefused || err instanceof WorkflowNotFoundError)) throw err;
  });
}

async function act({ client, taskQueue }: Queue, action: Action, handle: WorkflowHandle, name: string, delayMs: number): Promise<void> {
  await sleep(delayMs);
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
      const second = await startDeployment(client, lambdaPlan(name, CANARY, {}, 'v3'), taskQueue);
      if (second.kind === 'started') throw new Error(`a second plan for ${name} started beside the first`);
      return;
    }
  }
}

interface Outcome {
  strategy: Strategy;
  action: Action;
  delayMs: number;
  phase: string;
  alias: Awaited<ReturnType<typeof lambdaState>>['alias'];
  versions: Array<string | undefined>;
  /** Blue-green's preview alias, which every end removes. */
  preview: boolean;
  candidateVersion?: string;
}

/** The storm's draws: the first two pin both ends (one left alone promotes, one aborted at once rolls back). */
function draw(random: () => number, runs: number): Array<{ strategy: Strategy; action: Action; delayMs: number }> {
  return Array.from({ length: runs }, (_, i) => {
    const strategy = random() < 1 / 3 ? 'blueGreen' : 'canary';
    const action = i === 0 ? 'none' : i === 1 ? 'abort' : ACTIONS[Math.floor(random() * ACTIONS.length)]!;
    const delayMs = i === 1 ? 0 : Math.floor(random() * LATEST_MOMENT_MS);
    return { strategy, action, delayMs: action === 'secondPlan' ? delayMs % SURELY_RUNNING_MS : delayMs };
  });
}

/** Starts `runs` plans on `queue`, each met by its drawn action, and follows every one to its end. */
async function storm(queue: Queue, random: () => number, runs: number): Promise<Outcome[]> {
  const draws = draw(random, runs);
  const services = await Promise.all(
    draws.map(async () => {
      const name = uniqueName('storm');
      return { name, lambda: await createLambdaService(endpoint, name) };
    }),
  );
  const outcomes = await Promise.all(draws.map((d, i) => runOne(queue, d, services[i]!.name, services[i]!.lambda)));
  if (process.env.GLIDEPATH_STORM_PRINT) console.log(outcomes.map((o) => `${o.strategy} ${o.action}@${o.delayMs}:${o.phase}`).join('\n'));
  return outcomes;
}

function expectAgreement(outcomes: Outcome[]): void {
  expect(
    outcomes.filter((o) => !agrees(o)),
    `seed ${SEED}: runs whose end disagrees with the alias`,
  ).toEqual([]);
  expect(outcomes.filter((o) => o.action === 'none').every((o) => o.phase === 'Promoted')).toBe(true);
  expect(outcomes[1]!.phase).toBe('RolledBack');
}

describe(`an abort storm, seed ${SEED}`, () => {
  it(`${RUNS} rollouts: every run ends promoted or rolled back, and the alias agrees with the status`, { timeout: 240_000 }, async () => {
    expectAgreement(await h.run(() => storm(h, seeded(SEED), RUNS)));
  });

  it('half as many, with the worker process SIGKILLed twice at drawn moments and another started', { timeout: 300_000 }, async () => {
    const random = seeded(SEED + 1);
    const taskQueue = uniqueName('storm-tq');
    const env = workerEnv(taskQueue, endpoint);
    let worker = await workers.spawn(env);
    const kills = [Math.floor(random() * LATEST_MOMENT_MS), Math.floor(random() * LATEST_MOMENT_MS)].sort((a, b) => a - b);
    const killing = (async () => {
      let at = 0;
      for (const moment of kills) {
        await sleep(moment - at);
        at = moment;
        await worker.kill('SIGKILL');
        worker = await workers.spawn(env);
      }
    })();
    const outcomes = await storm({ client: workers.client(), taskQueue }, random, Math.ceil(RUNS / 2));
    await killing;
    expectAgreement(outcomes);
  });
});

async function runOne(queue: Queue, drawn: ReturnType<typeof draw>[number], name: string, lambda: LambdaClient): Promise<Outcome> {
  const handle = await startPlan(queue.client, lambdaPlan(name, drawn.strategy === 'canary' ? CANARY : BLUE_GREEN), queue.taskQueue);
  await act(queue, drawn.action, handle, name, drawn.delayMs);
  await handle.result().catch(() => undefined); // promoted, rolled back or cancelled: the status says which
  const status = await getStatus(queue.client, handle.workflowId);
  const { alias, versions } = await lambdaState(lambda, name);
  const preview = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live-preview' })).then(
    () => true,
    () => false,
  );
  return { ...drawn, phase: status.phase, alias, versions, preview, candidateVersion: status.candidateVersion };
}

/** Promoted: the alias is wholly on the new version. Rolled back: wholly on version 1, the new one deleted. */
function agrees(o: Outcome): boolean {
  if (o.preview) return false;
  if (o.phase === 'Promoted') return o.alias.version === o.candidateVersion && Object.keys(o.alias.weights).length === 0;
  if (o.phase === 'RolledBack') return o.alias.version === '1' && Object.keys(o.alias.weights).length === 0 && o.versions.join() === '1';
  return false;
}
