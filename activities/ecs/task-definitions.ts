/**
 * Task definition revisions for a release: the base revision (what the stable service runs) with one
 * container's image, environment and secret references changed, registered once. The revision carries tags
 * that say which release it is for and what it was derived from, so a retry finds it instead of registering
 * another, and a rollback knows what to go back to.
 */
import {
  type ContainerDefinition,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  type KeyValuePair,
  RegisterTaskDefinitionCommand,
  type Secret,
  type Tag,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { ApplicationFailure } from '@temporalio/common';
import { sha256Hex } from '../../plan/sha256-hex';

export const TAG_RELEASE = 'glidepath:release';
export const TAG_PREVIOUS = 'glidepath:previous-task-definition';
const TAG_SPEC = 'glidepath:spec';

export interface ContainerChange {
  containerName: string;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  secrets?: { name: string; valueFrom: string }[];
}

export function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.key === key)?.value;
}

export async function describeTaskDefinition(ecs: ECSClient, ref: string): Promise<{ taskDefinition: TaskDefinition; tags: Tag[] }> {
  const out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref, include: ['TAGS'] }));
  return { taskDefinition: out.taskDefinition!, tags: out.tags ?? [] };
}

/**
 * Registers `base` with `change` applied, tagged with `tags`, in `family` (default: the base's); or returns the
 * family's latest revision when it is exactly that (an earlier attempt registered it and then crashed).
 */
export async function registerDerived(
  ecs: ECSClient,
  baseRef: string,
  change: ContainerChange,
  tags: Record<string, string>,
  family?: string,
): Promise<string> {
  const { taskDefinition: base } = await describeTaskDefinition(ecs, baseRef);
  const target = family ?? base.family!;
  const spec = sha256Hex(JSON.stringify({ base: base.taskDefinitionArn, target, change, tags }), 32);
  const latest = await latestRevision(ecs, target);
  if (latest && tagValue(latest.tags, TAG_SPEC) === spec) return latest.taskDefinition.taskDefinitionArn!;

  const names = (base.containerDefinitions ?? []).map((c) => c.name);
  if (!names.includes(change.containerName)) {
    throw ApplicationFailure.nonRetryable(
      `task definition ${base.family}:${base.revision} has no container "${change.containerName}"; its containers: ${names.join(', ')}`,
      'InvalidPlan',
    );
  }
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: target,
      taskRoleArn: base.taskRoleArn,
      executionRoleArn: base.executionRoleArn,
      networkMode: base.networkMode,
      containerDefinitions: base.containerDefinitions!.map((c) => (c.name === change.containerName ? applyChange(c, change) : c)),
      volumes: base.volumes,
      placementConstraints: base.placementConstraints,
      requiresCompatibilities: base.requiresCompatibilities,
      cpu: base.cpu,
      memory: base.memory,
      pidMode: base.pidMode,
      ipcMode: base.ipcMode,
      proxyConfiguration: base.proxyConfiguration,
      inferenceAccelerators: base.inferenceAccelerators,
      ephemeralStorage: base.ephemeralStorage,
      runtimePlatform: base.runtimePlatform,
      enableFaultInjection: base.enableFaultInjection,
      tags: Object.entries({ ...tags, [TAG_SPEC]: spec }).map(([key, value]) => ({ key, value })),
    }),
  );
  return registered.taskDefinition!.taskDefinitionArn!;
}

async function latestRevision(ecs: ECSClient, family: string) {
  try {
    return await describeTaskDefinition(ecs, family);
  } catch (err) {
    if ((err as Error).name === 'ClientException') return undefined; // a family with no revision yet
    throw err;
  }
}

function applyChange(container: ContainerDefinition, change: ContainerChange): ContainerDefinition {
  return {
    ...container,
    image: change.image ?? container.image,
    command: change.command ?? container.command,
    environment: mergeByName<KeyValuePair>(
      container.environment,
      Object.entries(change.environment ?? {}).map(([name, value]) => ({ name, value })),
    ),
    secrets: mergeByName<Secret>(container.secrets, change.secrets),
  };
}

/** Entries of `changes` replace those of `base` with the same name; the rest of `base` is kept, in order. */
function mergeByName<T extends { name?: string }>(base: T[] | undefined, changes: T[] | undefined): T[] | undefined {
  if (!changes?.length) return base;
  const byName = new Map((base ?? []).map((e) => [e.name, e]));
  for (const change of changes) byName.set(change.name, change);
  return [...byName.values()];
}

/** `arn:...:task-definition/payments:7` → `payments:7`, for status lines. */
export function shortTaskDefinition(arn: string): string {
  return arn.split('/').pop() ?? arn;
}
