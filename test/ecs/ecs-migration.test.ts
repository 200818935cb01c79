/**
 * Migration tasks on ECS (RunTask to completion), against moto with the simulated scheduler. Simulated here:
 * moto's tasks advance one lifecycle step per DescribeTasks call and always "exit" 0; the harness sets the
 * container exit code and reason of a task-definition family, and moto's state manager (set-transition) keeps
 * a task running for longer.
 */
import { DescribeTasksCommand, DescribeTaskDefinitionCommand, ListTasksCommand, type Task } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { ecsPlatform } from '../../activities/ecs/ecs-platform';
import type { Platform } from '../../activities/types';
import { EcsMigrationSchema } from '../../plan/targets';
import { type EcsFixture, createEcsService, metadataFor, uniqueEcsName } from '../support/ecs-fixture';
import { useEcsSim } from '../support/ecs-sim';
import { activityEnv, caller, failureOf } from '../support/platform-calls';

const sim = useEcsSim();
afterEach(async () => sim.taskRunsFor(1));

async function setup(prefix: string) {
  const f = await createEcsService(sim.endpoint, uniqueEcsName(prefix));
  const platform: Platform = ecsPlatform(f.clients, { pollIntervalMs: 20 });
  const call = caller(platform);
  return { f, platform, call };
}

const migration = (f: EcsFixture, extra: Record<string, unknown> = {}) =>
  EcsMigrationSchema.parse({
    type: 'ecs',
    cluster: f.cluster,
    taskDefinition: f.migrationFamily,
    launchType: 'FARGATE',
    network: { subnets: f.subnets, securityGroups: [f.securityGroup] },
    overrides: { command: ['migrate', 'up', '--to', 'v2'], environment: { TARGET: 'v2' } },
    ...extra,
  });

async function clusterTasks(f: EcsFixture): Promise<Task[]> {
  const arns = new Set<string>();
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    for (const arn of (await f.ecs.send(new ListTasksCommand({ cluster: f.cluster, desiredStatus }))).taskArns ?? []) arns.add(arn);
  }
  if (!arns.size) return [];
  return (await f.ecs.send(new DescribeTasksCommand({ cluster: f.cluster, tasks: [...arns] }))).tasks ?? [];
}

describe('ECS migration task', () => {
  it('runs the task with its overrides to a zero exit code, once per idempotency key', async () => {
    const { f, call } = await setup('mig');
    const task = migration(f);
    const metadata = metadataFor(f, 'v2');
    const result = await call((p) => p.runMigration({ task, idempotencyKey: 'wf-1/run-1/up', metadata }));
    expect(result).toMatchObject({ ran: true, output: expect.stringContaining('exited with code 0') });

    const tasks = await clusterTasks(f);
    expect(tasks).toHaveLength(1);
    expect(tasks[0].startedBy).toMatch(/^glidepath-[0-9a-f]{26}$/);
    expect(tasks[0].overrides?.containerOverrides).toEqual([
      { name: 'migrate', command: ['migrate', 'up', '--to', 'v2'], environment: [{ name: 'TARGET', value: 'v2' }] },
    ]);

    // The same key again (a retry after the result was lost): nothing runs.
    expect(await call((p) => p.runMigration({ task, idempotencyKey: 'wf-1/run-1/up', metadata }))).toEqual({
      ran: false,
      output: 'already applied',
    });
    expect(await clusterTasks(f)).toHaveLength(1);
    // Another release's key runs it again.
    expect(await call((p) => p.runMigration({ task, idempotencyKey: 'wf-2/run-1/up', metadata }))).toMatchObject({ ran: true });
    expect(await clusterTasks(f)).toHaveLength(2);
  });

  it('a worker lost mid-migration: the next attempt waits for the task already started instead of starting another', async () => {
    const { f, platform } = await setup('crash');
    await sim.taskRunsFor(5); // simulated: the task keeps running for a while
    const task = migration(f);
    const metadata = metadataFor(f, 'v2');
    const first = activityEnv();
    const running = first.run(() => platform.runMigration({ task, idempotencyKey: 'wf-3/run-1/up', metadata }));
    while ((await clusterTasks(f)).length === 0) await new Promise((r) => setTimeout(r, 20));
    first.cancel(); // the worker goes away while the task runs
    await expect(running).rejects.toThrow();
    expect((await clusterTasks(f))[0].lastStatus).not.toBe('STOPPED');

    const retry = await activityEnv().run(() => platform.runMigration({ task, idempotencyKey: 'wf-3/run-1/up', metadata }));
    expect(retry).toMatchObject({ ran: true });
    expect(await clusterTasks(f)).toHaveLength(1);
  });

  it('a non-zero exit code fails with MigrationFailed and the reason; a retry reports the same task', async () => {
    const { f, call } = await setup('fail');
    await sim.taskExit(f.migrationFamily, 3, 'relation "orders" already exists'); // simulated exit code
    const task = migration(f);
    const metadata = metadataFor(f, 'v2');
    const err = await failureOf(call((p) => p.runMigration({ task, idempotencyKey: 'wf-4/run-1/up', metadata })));
    expect(err).toMatchObject({ type: 'MigrationFailed', nonRetryable: true });
    expect(err.message).toMatch(/exited with code 3: Essential container in task exited; relation "orders" already exists/);

    const again = await failureOf(call((p) => p.runMigration({ task, idempotencyKey: 'wf-4/run-1/up', metadata })));
    expect(again).toMatchObject({ type: 'MigrationFailed' });
    expect(await clusterTasks(f)).toHaveLength(1);
  });

  it('secret references go into a derived revision in a family of its own; values never appear', async () => {
    const { f, call } = await setup('sec');
    const valueFrom = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-url-AbCdEf';
    const task = migration(f, { overrides: { secrets: [{ name: 'DATABASE_URL', valueFrom }] } });
    await call((p) => p.runMigration({ task, idempotencyKey: 'wf-5/run-1/up', metadata: metadataFor(f, 'v2') }));
    const [run] = await clusterTasks(f);
    const td = (await f.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: run.taskDefinitionArn! }))).taskDefinition!;
    expect(td.family).toBe(`${f.migrationFamily}-glidepath`);
    expect(td.containerDefinitions![0].secrets).toEqual([{ name: 'DATABASE_URL', valueFrom }]);
    const base = (await f.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: f.migrationFamily }))).taskDefinition!;
    expect(base.revision).toBe(1); // the plan's family is left as its owners registered it
  });

  it('a task that outlives its timeout is stopped and fails the migration', async () => {
    const { f, call } = await setup('slow');
    await sim.taskRunsFor(1_000);
    const task = migration(f, { timeout: '1s' });
    const err = await failureOf(call((p) => p.runMigration({ task, idempotencyKey: 'wf-6/run-1/up', metadata: metadataFor(f, 'v2') })));
    expect(err).toMatchObject({ type: 'MigrationFailed' });
    expect(err.message).toContain('did not finish within 1s; stopped it');
    expect((await clusterTasks(f))[0]).toMatchObject({ lastStatus: 'STOPPED', stoppedReason: 'glidepath: migration exceeded 1s' });
  });
});
