/**
 * Figures measured against moto's Lambda, each beside the bare workflow making the same calls in the same run:
 * step overhead and history events per step, abort latency, starts per second.
 */
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import type { WorkflowHandle } from '@temporalio/client';
import { startDeployment } from '../starters/deploy';
import { canary, lambdaPlan } from '../test/support/plans';
import { abortSignal, statusQuery } from '../workflows/messages';
import type { BareInput } from './bare-workflow';
import { type Bench, QUEUES, inParallel, lambdaServices, sleep } from './setup';
import { type Figure, summarize } from './stats';

const WEIGHTS = [5, 10, 20, 30, 40, 50, 60, 70, 80, 90];
/** Steps of the canary: each weight, plus deploy, ready and promote. */
const STEPS = WEIGHTS.length + 3;

type Plan = ReturnType<typeof lambdaPlan>;

async function startPlan(bench: Bench, plan: Plan, taskQueue: string = QUEUES.glidepath): Promise<WorkflowHandle> {
  const started = await startDeployment(bench.client, plan, taskQueue);
  if (started.kind === 'conflict') throw new Error(`bench: ${plan.metadata.service} is already deploying`);
  return started.handle;
}

function startBare(bench: Bench, id: string, plan: Plan, input: Omit<BareInput, 'target' | 'metadata'>, taskQueue: string = QUEUES.bare) {
  return bench.client.workflow.start('bareCanary', {
    taskQueue,
    workflowId: id,
    args: [{ target: plan.target, metadata: plan.metadata, ...input } satisfies BareInput],
  });
}

const eventsOf = async (handle: WorkflowHandle) => (await handle.fetchHistory()).events?.length ?? 0;

export async function stepOverhead(bench: Bench): Promise<Figure[]> {
  const runs = bench.quick ? 3 : 9;
  const names = Array.from({ length: runs }, (_, i) => [`bench-step-g${i}`, `bench-step-b${i}`]);
  await lambdaServices(bench, names.flat());
  const glidepath: number[] = [];
  const bare: number[] = [];
  const events: number[] = [];
  const bareEvents: number[] = [];
  for (const [g, b] of names) {
    // Interleaved, so both see the same load on this machine.
    let t0 = Date.now();
    const handle = await startPlan(bench, lambdaPlan(g, canary(...WEIGHTS.map((w) => ({ setWeight: w })))));
    await handle.result();
    glidepath.push((Date.now() - t0) / STEPS);
    events.push((await eventsOf(handle)) / STEPS);
    t0 = Date.now();
    const bareHandle = await startBare(bench, `bare:${b}`, lambdaPlan(b, canary({ setWeight: 5 })), { weights: WEIGHTS });
    await bareHandle.result();
    bare.push((Date.now() - t0) / STEPS);
    bareEvents.push((await eventsOf(bareHandle)) / STEPS);
  }
  const [s, bs] = [summarize(glidepath), summarize(bare)];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [
    {
      name: 'step_overhead_ratio',
      label: 'canary step end to end, Glidepath ÷ bare workflow',
      unit: '×',
      value: s.p50 / bs.p50,
      sample: s,
      baselineSample: bs,
      goal: '≤ 1.1×',
      met: s.p50 / bs.p50 <= 1.1,
      note: `ms per step (${STEPS} steps: ${WEIGHTS.length} weights + deploy, ready, promote)`,
    },
    {
      name: 'history_events_per_step',
      label: 'history events per canary step',
      unit: 'events',
      value: mean(events),
      baseline: mean(bareEvents),
      ratio: mean(events) / mean(bareEvents),
      goal: '≤ 8',
      met: mean(events) <= 8,
      note: `whole history ÷ ${STEPS} steps, start and end included`,
    },
  ];
}

/** The Lambda functions of the abort figure, created while other figures run. */
export async function abortServices(bench: Bench): Promise<string[]> {
  const services = Array.from({ length: bench.quick ? 20 : 100 }, (_, i) => `bench-abort-${i}`);
  await lambdaServices(bench, services);
  return services;
}

export interface HeldPlans {
  /** Services held at a pause with 50% of traffic, for the CLI's status figure. */
  services: string[];
  abort: () => Promise<Figure[]>;
}

/** Starts the abort figure's plans and holds them at the gate; `abort` then aborts them one at a time. */
export async function holdForAbort(bench: Bench, created: Promise<string[]>): Promise<HeldPlans> {
  const services = await created;
  const handles = await inParallel(services, 16, (s) => startPlan(bench, lambdaPlan(s, canary({ setWeight: 50 }, { pause: {} }))));
  await inParallel(handles, 8, async (h) => {
    while ((await h.query(statusQuery)).phase !== 'AwaitingPromotion') await sleep(50);
  });
  return { services, abort: () => abortAll(bench, services, handles) };
}

async function aliasBackOnStable(bench: Bench, service: string): Promise<void> {
  for (;;) {
    const alias = await bench.lambda.send(new GetAliasCommand({ FunctionName: service, Name: 'live' }));
    if (Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).length === 0) return;
    await sleep(2);
  }
}

async function abortAll(bench: Bench, services: string[], handles: WorkflowHandle[]): Promise<Figure[]> {
  const toStable: number[] = [];
  const toRollback: number[] = [];
  for (const [i, handle] of handles.entries()) {
    const t0 = Date.now();
    await handle.signal(abortSignal, { by: 'bench', reason: 'abort latency' });
    await aliasBackOnStable(bench, services[i]);
    toStable.push(Date.now() - t0);
    const rollback = bench.calls.find((c) => c.method === 'rollBack' && c.service === services[i] && c.startedAt >= t0);
    if (rollback) toRollback.push(rollback.startedAt - t0);
    await handle.result().catch(() => undefined);
  }
  // The baseline: a bare workflow on the same functions, signalled at the same gate, calling the same rollback.
  const bareStable: number[] = [];
  const bareRollback: number[] = [];
  const bareCount = Math.min(services.length, bench.quick ? 20 : 50);
  const bare = await inParallel(services.slice(0, bareCount), 16, async (s) => {
    const since = Date.now();
    const handle = await startBare(bench, `bare:${s}`, lambdaPlan(s, canary({ setWeight: 5 }), {}, 'v3'), {
      weights: [50],
      gate: { approvedWeight: 100 },
    });
    while (!bench.calls.some((c) => c.method === 'setTrafficWeight' && c.service === s && c.startedAt >= since && c.endedAt))
      await sleep(50);
    return handle;
  });
  await sleep(500); // each bare workflow reaches its condition
  for (const [i, handle] of bare.entries()) {
    const t0 = Date.now();
    await handle.signal('abort');
    await aliasBackOnStable(bench, services[i]);
    bareStable.push(Date.now() - t0);
    const rollback = bench.calls.find((c) => c.method === 'rollBack' && c.service === services[i] && c.startedAt >= t0);
    if (rollback) bareRollback.push(rollback.startedAt - t0);
    await handle.result();
  }
  const [s, bs, r, br] = [summarize(toStable), summarize(bareStable), summarize(toRollback), summarize(bareRollback)];
  return [
    {
      name: 'abort_p99_ms',
      label: 'abort → alias back on stable (p99)',
      unit: 'ms',
      value: s.p99,
      baseline: bs.p99,
      ratio: s.p99 / bs.p99,
      sample: s,
      baselineSample: bs,
      goal: 'p99 < 100 ms over ≥ 100 aborts',
      met: s.p99 < 100 && s.n >= 100,
    },
    {
      name: 'abort_to_first_rollback_call_p99_ms',
      label: 'abort → rollBack call started (p99)',
      unit: 'ms',
      value: r.p99,
      baseline: br.p99,
      ratio: r.p99 / br.p99,
      sample: r,
      baselineSample: br,
      goal: 'p99 < 50 ms',
      met: r.p99 < 50,
    },
  ];
}

/** Starts through `deploy`'s code path (startDeployment: its search attributes and lock), 16 in flight. */
export async function startsPerSecond(bench: Bench): Promise<Figure[]> {
  const count = bench.quick ? 96 : 240;
  const rounds = 2;
  const plans = Array.from({ length: count * rounds }, (_, i) => lambdaPlan(`bench-start-${i}`, canary({ setWeight: 10 })));
  const glidepath: number[] = [];
  const bare: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const batch = plans.slice(r * count, (r + 1) * count);
    let t0 = Date.now();
    await inParallel(batch, 16, (p) => startPlan(bench, p, QUEUES.idle));
    glidepath.push((count / (Date.now() - t0)) * 1000);
    t0 = Date.now();
    await inParallel(batch, 16, (p) => startBare(bench, `bare:${p.metadata.service}`, p, { weights: [10] }, QUEUES.idle));
    bare.push((count / (Date.now() - t0)) * 1000);
  }
  const g = glidepath.reduce((a, b) => a + b) / rounds;
  const b = bare.reduce((a, b) => a + b) / rounds;
  return [
    {
      name: 'starts_per_s',
      label: "starts/s through deploy's code path, 16 in flight",
      unit: '/s',
      value: g,
      baseline: b,
      ratio: g / b,
      goal: '≥ 100/s',
      met: g >= 100,
      note: `${count * rounds} starts each`,
    },
  ];
}
