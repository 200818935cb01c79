/**
 * A worker in a process of its own, for the figures that need one: its memory per open plan, and failover when it
 * is SIGKILLed. Runs Glidepath's worker (createWorker) or the bare baseline's, over the stub platform; prints one
 * JSON line per event on stdout: `{"ready": ms}` once polling can start, then `{"call": StubCall}` per platform
 * call, and `{"rss": bytes}` after each `gc` line read on stdin.
 *
 * Env: BENCH_ADDRESS, BENCH_TASK_QUEUE, BENCH_KIND (glidepath | bare), BENCH_BUNDLE (workflow bundle path),
 * BENCH_SLOW (a service whose setTraffic call hangs).
 */
import { createInterface } from 'node:readline';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createWorker } from '../workers/worker';
import { type StubCall, stubPlatform } from './stub-platform';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const env = (name: string) => process.env[name] ?? '';
  const print = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);
  const platform = stubPlatform(
    (call: StubCall) => print({ call }),
    (service) => service === env('BENCH_SLOW'),
  );
  const connection = await NativeConnection.connect({ address: env('BENCH_ADDRESS') });
  const taskQueue = env('BENCH_TASK_QUEUE');
  const workflowBundle = { codePath: env('BENCH_BUNDLE') };
  const worker =
    env('BENCH_KIND') === 'bare'
      ? await Worker.create({
          connection,
          taskQueue,
          workflowBundle,
          activities: platform,
          maxHeartbeatThrottleInterval: '1s',
          stickyQueueScheduleToStartTimeout: '3s',
        })
      : await createWorker({
          connection,
          namespace: 'default',
          taskQueue,
          workflowBundle,
          dependencies: { platforms: { lambda: platform } },
        });
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() !== 'gc') return;
    global.gc?.();
    setTimeout(() => print({ rss: process.memoryUsage().rss }), 200);
  });
  print({ ready: performance.now() });
  await worker.run();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
