/**
 * `npm run bench`: figures, measured on this machine against the real servers (Temporal dev server, moto).
 *   1. plan validation: µs per YAML plan parsed and validated
 *   2. replay: ms per recorded history replayed (the workflow's CPU cost on a worker)
 *   3. step overhead: ms per canary step end to end (workflow task + activity + Lambda alias update)
 *   4. abort latency: ms from the abort signal to the alias back on the stable version
 *   5. worker memory: MB of worker RSS per plan held open at an approval gate
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { lambdaPlatform } from '../activities/lambda/lambda-platform';
import { parsePlan } from '../plan/load';
import { startDeployment } from '../starters/deploy';
import { WORKFLOWS_PATH, createWorker } from '../workers/worker';
import { abortSignal, statusQuery } from '../workflows/messages';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { createLambdaService } from '../test/support/lambda-fixture';
import { awsConfig, startMoto } from '../test/support/moto';
import { canary, lambdaPlan } from '../test/support/plans';
import { tool } from '../test/support/tools';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const root = path.join(__dirname, '..');
const results: Array<[string, string]> = [];
const report = (name: string, value: string) => {
  results.push([name, value]);
  console.log(`${name.padEnd(48)} ${value}`);
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function validation() {
  const text = readFileSync(path.join(root, 'examples', 'lambda-canary.yaml'), 'utf8');
  for (let i = 0; i < 200; i++) parsePlan(text); // warm up
  const n = 5_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) parsePlan(text);
  report('plan validation (YAML → zod), per plan', `${(Number(process.hrtime.bigint() - start) / 1e3 / n).toFixed(1)} µs`);
}

async function replay(codePath: string) {
  const dir = path.join(root, 'test', 'histories');
  const recorded = readdirSync(dir).map(
    (f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { workflowId: string; history: object },
  );
  const histories = recorded.map((r) => temporal.api.history.v1.History.fromObject(r.history));
  const events = histories.reduce((sum, h) => sum + (h.events?.length ?? 0), 0);
  const rounds = 5;
  const start = Date.now();
  for (let r = 0; r < rounds; r++) {
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath } },
      histories.map((history, i) => ({ workflowId: recorded[i].workflowId, history })),
    )) {
      if (result.error) throw result.error;
    }
  }
  const ms = (Date.now() - start) / (rounds * histories.length);
  report('replay, per recorded history', `${ms.toFixed(1)} ms (${Math.round(events / histories.length)} events avg)`);
}

async function live(codePath: string) {
  const [env, moto] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: tool('temporal') },
        ip: '127.0.0.1',
        searchAttributes: SEARCH_ATTRIBUTES,
        log: { format: 'pretty', level: 'error' },
      },
    }),
    startMoto(),
  ]);
  const lambda = new LambdaClient(awsConfig(moto.endpoint));
  const connection = await NativeConnection.connect({ address: env.address });
  const client: Client = env.client;
  const taskQueue = 'bench';
  const worker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue,
    workflowBundle: { codePath },
    dependencies: { platforms: { lambda: lambdaPlatform(() => lambda) } },
  });
  const start = async (name: string, plan: ReturnType<typeof lambdaPlan>) => {
    const s = await startDeployment(client, plan, taskQueue);
    if (s.kind === 'conflict') throw new Error(name);
    return s.handle;
  };
  try {
    await worker.runUntil(async () => {
      // 3. step overhead: a canary of 10 weight steps with no soak.
      const steps = [5, 10, 20, 30, 40, 50, 60, 70, 80, 90].map((w) => ({ setWeight: w }));
      const perStep: number[] = [];
      for (let i = 0; i < 5; i++) {
        const name = `bench-steps-${i}`;
        await createLambdaService(moto.endpoint, name);
        const t0 = Date.now();
        await (await start(name, lambdaPlan(name, canary(...steps)))).result();
        perStep.push((Date.now() - t0) / (steps.length + 3)); // + deploy, ready, promote
      }
      report('canary step end to end (median of 5 runs)', `${median(perStep).toFixed(1)} ms per step`);

      // 4. abort latency.
      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        const name = `bench-abort-${i}`;
        await createLambdaService(moto.endpoint, name);
        const handle = await start(name, lambdaPlan(name, canary({ setWeight: 50 }, { pause: {} })));
        while ((await handle.query(statusQuery)).phase !== 'AwaitingPromotion') await new Promise((r) => setTimeout(r, 20));
        const t0 = Date.now();
        await handle.signal(abortSignal, { by: 'bench', reason: 'latency' });
        for (;;) {
          const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
          if (Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).length === 0) break;
          await new Promise((r) => setTimeout(r, 5));
        }
        latencies.push(Date.now() - t0);
        await handle.result().catch(() => undefined);
      }
      report('abort → alias back on stable (median of 5)', `${median(latencies)} ms`);

      // 5. worker memory per open plan.
      global.gc?.();
      const before = process.memoryUsage().rss;
      const n = 100;
      const handles = [];
      for (let i = 0; i < n; i++) {
        const name = `bench-mem-${i}`;
        await createLambdaService(moto.endpoint, name);
        handles.push(await start(name, lambdaPlan(name, canary({ setWeight: 10 }, { approval: {} }))));
      }
      for (const h of handles)
        while ((await h.query(statusQuery)).phase !== 'AwaitingApproval') await new Promise((r) => setTimeout(r, 20));
      global.gc?.();
      const after = process.memoryUsage().rss;
      report(`worker RSS per plan open at a gate (${n} plans)`, `${((after - before) / n / 1024 / 1024).toFixed(2)} MB`);
      await Promise.all(handles.map((h) => h.signal(abortSignal, { by: 'bench', reason: 'done' })));
      await Promise.all(handles.map((h) => h.result().catch(() => undefined)));
    });
  } finally {
    await connection.close();
    await Promise.allSettled([env.teardown(), moto.stop()]);
  }
}

async function main() {
  console.log(`Glidepath benchmarks — node ${process.version}, ${new Date().toISOString()}`);
  await validation();
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('ERROR') });
  const codePath = path.join(require('node:os').tmpdir(), `glidepath-bench-${process.pid}.js`);
  require('node:fs').writeFileSync(codePath, bundle.code);
  report('workflow bundle size', `${(bundle.code.length / 1024 / 1024).toFixed(2)} MiB`);
  await replay(codePath);
  await live(codePath);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
