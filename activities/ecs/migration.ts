/**
 * A migration as a one-off ECS task, run at most once per idempotency key:
 * - the task is started with `startedBy` and a client token derived from the key, so an attempt after a
 *   worker crash finds the task the first attempt started (running or stopped) and waits for it instead;
 * - success is recorded as a tag on the task definition, so a retry after the task is long gone from
 *   ListTasks (ECS forgets stopped tasks after about an hour) still does not run it again.
 */
import {
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { ApplicationFailure } from '@temporalio/common';
import { durationMs } from '../../plan/duration';
import type { Metadata } from '../../plan/schema';
import type { EcsMigration } from '../../plan/targets';
import { sha256Hex } from '../../plan/sha256-hex';
import { migrationDoneTag } from '../release-marks';
import type { MigrationResult } from '../types';
import { pollUntil } from '../poll';
import { describeTaskDefinition, registerDerived, tagValue } from './task-definitions';

export async function runEcsMigration(
  ecs: ECSClient,
  task: EcsMigration,
  key: string,
  metadata: Metadata,
  intervalMs?: number,
): Promise<MigrationResult> {
  const hash = sha256Hex(key);
  const startedBy = `glidepath-${hash.slice(0, 26)}`; // ECS allows 36 characters
  const doneTag = migrationDoneTag(metadata);
  const { taskDefinition, tags } = await describeTaskDefinition(ecs, task.taskDefinition);
  if (tagValue(tags, doneTag) === hash.slice(0, 32)) return { ran: false, output: 'already applied' };

  const container = task.overrides.containerName ?? taskDefinition.containerDefinitions?.[0]?.name;
  if (!container || !taskDefinition.containerDefinitions?.some((c) => c.name === container)) {
    throw ApplicationFailure.nonRetryable(`task definition ${task.taskDefinition} has no container "${container}"`, 'InvalidPlan');
  }
  const existing = await findStarted(ecs, task.cluster, startedBy);
  const started = existing ?? (await startTask(ecs, task, container, taskDefinition.taskDefinitionArn!, startedBy, hash));
  const stopped = started.lastStatus === 'STOPPED' ? started : await waitStopped(ecs, task, started, intervalMs);

  const result = stopped.containers?.find((c) => c.name === container);
  if (result?.exitCode !== 0) {
    const why = [stopped.stoppedReason, result?.reason].filter(Boolean).join('; ');
    throw ApplicationFailure.nonRetryable(
      `migration task ${taskId(stopped)} ${result?.exitCode === undefined ? 'never ran' : `exited with code ${result.exitCode}`}` +
        (why ? `: ${why}` : ''),
      'MigrationFailed',
    );
  }
  await ecs.send(
    new TagResourceCommand({ resourceArn: taskDefinition.taskDefinitionArn!, tags: [{ key: doneTag, value: hash.slice(0, 32) }] }),
  );
  const applied = existing?.lastStatus === 'STOPPED';
  return { ran: !applied, output: applied ? `already applied by task ${taskId(stopped)}` : `task ${taskId(stopped)} exited with code 0` };
}

/** The task an earlier attempt started with this key, if ECS still knows it (running, or stopped recently). */
async function findStarted(ecs: ECSClient, cluster: string, startedBy: string): Promise<Task | undefined> {
  const arns = new Set<string>();
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    const out = await ecs.send(new ListTasksCommand({ cluster, startedBy, desiredStatus }));
    for (const arn of out.taskArns ?? []) arns.add(arn);
  }
  if (arns.size === 0) return undefined;
  const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [...arns] }));
  // A running one first; otherwise the latest to stop.
  return tasks.find((t) => t.lastStatus !== 'STOPPED') ?? tasks.sort((a, b) => +(b.stoppedAt ?? 0) - +(a.stoppedAt ?? 0))[0];
}

async function startTask(
  ecs: ECSClient,
  task: EcsMigration,
  container: string,
  baseArn: string,
  startedBy: string,
  hash: string,
): Promise<Task> {
  const { command, environment, secrets } = task.overrides;
  // RunTask cannot override secrets: a revision with the references added runs instead, in a family of its own
  // so that the plan's family keeps meaning what its owners registered.
  const taskDefinition = secrets?.length
    ? await registerDerived(ecs, baseArn, { containerName: container, secrets }, {}, `${baseArn.split('/').pop()!.split(':')[0]}-glidepath`)
    : baseArn;
  const env = Object.entries(environment ?? {}).map(([name, value]) => ({ name, value }));
  const out = await ecs.send(
    new RunTaskCommand({
      cluster: task.cluster,
      taskDefinition,
      count: 1,
      startedBy,
      clientToken: hash,
      launchType: task.launchType,
      networkConfiguration: task.network && {
        awsvpcConfiguration: {
          subnets: task.network.subnets,
          securityGroups: task.network.securityGroups,
          assignPublicIp: task.network.assignPublicIp ? 'ENABLED' : 'DISABLED',
        },
      },
      overrides:
        command || env.length
          ? { containerOverrides: [{ name: container, command, environment: env.length ? env : undefined }] }
          : undefined,
    }),
  );
  const started = out.tasks?.[0];
  if (!started) {
    // Placement failures (no capacity, an unknown subnet) are worth another attempt with backoff.
    throw new Error(
      `RunTask started nothing: ${(out.failures ?? []).map((f) => `${f.arn ?? ''} ${f.reason} ${f.detail ?? ''}`.trim()).join('; ')}`,
    );
  }
  return started;
}

async function waitStopped(ecs: ECSClient, task: EcsMigration, started: Task, intervalMs?: number): Promise<Task> {
  const timeoutMs = durationMs(task.timeout);
  try {
    return await pollUntil(
      async () => {
        const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster: task.cluster, tasks: [started.taskArn!] }));
        return tasks[0]?.lastStatus === 'STOPPED' ? tasks[0] : undefined;
      },
      { what: `migration task ${taskId(started)} to finish`, timeoutMs, intervalMs },
    );
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'NotReady') {
      await ecs.send(
        new StopTaskCommand({ cluster: task.cluster, task: started.taskArn!, reason: `glidepath: migration exceeded ${task.timeout}` }),
      );
      throw ApplicationFailure.nonRetryable(
        `migration task ${taskId(started)} did not finish within ${task.timeout}; stopped it`,
        'MigrationFailed',
      );
    }
    throw err;
  }
}

const taskId = (task: Task) => task.taskArn?.split('/').pop() ?? '?';
