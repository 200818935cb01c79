/** ECS services: finding the live one, creating the new one beside it, and removing either, idempotently. */
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  type ECSClient,
  ListServicesCommand,
  type Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { ApplicationFailure } from '@temporalio/common';
import { sha256Hex } from '../../plan/sha256-hex';

/** `payments-api` + `v1.4.2` → `payments-api-v1-4-2` (ECS names allow letters, digits, "-" and "_"). */
export function releaseServiceName(service: string, release: string): string {
  return `${service}-${release.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 255);
}

/** The service by name, or undefined when it does not exist or was deleted (INACTIVE). */
export async function describeService(ecs: ECSClient, cluster: string, name: string): Promise<Service | undefined> {
  const out = await ecs.send(new DescribeServicesCommand({ cluster, services: [name] }));
  const service = out.services?.find((s) => s.serviceName === name);
  return service && service.status !== 'INACTIVE' ? service : undefined;
}

/** Every ACTIVE service of the cluster, described (ListServices pages, DescribeServices takes 10 at a time). */
export async function activeServices(ecs: ECSClient, cluster: string): Promise<Service[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListServicesCommand({ cluster, nextToken, maxResults: 100 }));
    arns.push(...(page.serviceArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const services: Service[] = [];
  for (let i = 0; i < arns.length; i += 10) {
    const out = await ecs.send(new DescribeServicesCommand({ cluster, services: arns.slice(i, i + 10) }));
    services.push(...(out.services ?? []).filter((s) => s.status === 'ACTIVE'));
  }
  return services;
}

export const onTargetGroup = (service: Service, tg: string) => (service.loadBalancers ?? []).some((lb) => lb.targetGroupArn === tg);
const isRelease = (service: Service, prefix: string) => service.serviceName === prefix || service.serviceName!.startsWith(`${prefix}-`);

/**
 * The service behind the live target group: the plan's service itself before its first release, later the
 * `<service>-<release>` that the last promotion made stable.
 */
export function liveService(services: Service[], prefix: string, liveTg: string, weight: number): Service {
  const found = services.filter((s) => isRelease(s, prefix) && onTargetGroup(s, liveTg));
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    throw ApplicationFailure.nonRetryable(
      `no active service "${prefix}" (or "${prefix}-<release>") is registered to ` +
        `target group ${liveTg}, which receives ${Math.round(weight)}% of traffic`,
      'NotFound',
    );
  }
  throw ApplicationFailure.nonRetryable(
    `several services are registered to the live target group ${liveTg}: ${found.map((s) => s.serviceName).join(', ')}; leave one`,
    'Conflict',
  );
}

/** A service left on the idle target group (a release that was neither promoted nor rolled back) would get traffic too. */
export function assertIdle(services: Service[], idleTg: string, candidateName: string): void {
  const others = services.filter((s) => onTargetGroup(s, idleTg) && s.serviceName !== candidateName);
  if (others.length) {
    throw ApplicationFailure.nonRetryable(
      `target group ${idleTg} should be idle, but ${others.map((s) => s.serviceName).join(', ')} is registered to it; ` +
        'roll back or delete that release first',
      'Conflict',
    );
  }
}

export interface NewService {
  cluster: string;
  name: string;
  taskDefinitionArn: string;
  desiredCount: number;
  /** The stable service's load balancer entry for `fromTg` is copied with `toTg` instead; other entries are not. */
  fromTg: string;
  toTg: string;
  tags: Record<string, string>;
}

/** Creates the new service with the stable one's settings (network, launch type, deployment configuration). */
export async function createServiceLike(ecs: ECSClient, stable: Service, spec: NewService): Promise<void> {
  const loadBalancers = (stable.loadBalancers ?? [])
    .filter((entry) => entry.targetGroupArn === spec.fromTg)
    .map((entry) => ({ ...entry, targetGroupArn: spec.toTg }));
  await ecs.send(
    new CreateServiceCommand({
      cluster: spec.cluster,
      serviceName: spec.name,
      taskDefinition: spec.taskDefinitionArn,
      desiredCount: spec.desiredCount,
      loadBalancers,
      launchType: stable.capacityProviderStrategy?.length ? undefined : stable.launchType,
      capacityProviderStrategy: stable.capacityProviderStrategy?.length ? stable.capacityProviderStrategy : undefined,
      platformVersion: stable.platformVersion,
      networkConfiguration: stable.networkConfiguration,
      placementConstraints: stable.placementConstraints,
      placementStrategy: stable.placementStrategy,
      healthCheckGracePeriodSeconds: stable.healthCheckGracePeriodSeconds,
      deploymentConfiguration: stable.deploymentConfiguration,
      enableECSManagedTags: stable.enableECSManagedTags,
      propagateTags: stable.propagateTags,
      enableExecuteCommand: stable.enableExecuteCommand,
      tags: Object.entries(spec.tags).map(([key, value]) => ({ key, value })),
      // Same token on a retry: ECS returns the service created by the first attempt instead of failing.
      clientToken: sha256Hex(`${spec.cluster}/${spec.name}/${spec.taskDefinitionArn}`, 36),
    }),
  );
}

/** Deletes the service if it still exists. `drain` scales it to zero first instead of forcing. */
export async function removeService(ecs: ECSClient, cluster: string, name: string, { drain = false } = {}): Promise<void> {
  const service = await describeService(ecs, cluster, name);
  if (service?.status !== 'ACTIVE') return; // gone, or already DRAINING
  try {
    if (drain && service.desiredCount !== 0) await ecs.send(new UpdateServiceCommand({ cluster, service: name, desiredCount: 0 }));
    await ecs.send(new DeleteServiceCommand({ cluster, service: name, force: !drain }));
  } catch (err) {
    if (!/ServiceNotFound|ServiceNotActive/.test((err as Error).name)) throw err;
  }
}

/** The newest event message of a service, which is where ECS explains why tasks do not start. */
export function latestEvent(service: Service): string | undefined {
  return service.events?.[0]?.message;
}
