/**
 * When ECS work is done: a new service is ready when all its tasks run and its target group reports as many
 * healthy targets; a rolling update is done when its deployment completes. Each check returns why not yet,
 * so a wait that runs out of time says what it last saw.
 */
import type { ECSClient, Service } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ApplicationFailure } from '@temporalio/common';
import { pollUntil } from '../poll';
import { describeService, latestEvent } from './services';
import { shortTaskDefinition } from './task-definitions';

export type Check = { ready: true } | { ready: false; reason: string };

/** Polls `check` until ready; past the deadline fails with type NotReady and the last reason seen. */
export async function waitFor(what: string, check: () => Promise<Check>, timeoutMs: number, intervalMs?: number): Promise<void> {
  let last = '';
  let failed: unknown; // thrown by the check itself: passed on as it is
  try {
    await pollUntil(
      async () => {
        const result = await check().catch((err) => {
          throw (failed = err);
        });
        if (result.ready) return true;
        last = result.reason;
        return undefined;
      },
      { what, timeoutMs, intervalMs },
    );
  } catch (err) {
    if (err !== failed && err instanceof ApplicationFailure && err.type === 'NotReady' && last) {
      throw ApplicationFailure.nonRetryable(`${err.message}; last seen: ${last}`, 'NotReady');
    }
    throw err;
  }
}

export async function serviceReady(
  ecs: ECSClient,
  elbv2: ElasticLoadBalancingV2Client,
  cluster: string,
  name: string,
  targetGroupArn: string,
): Promise<Check> {
  const service = await describeService(ecs, cluster, name);
  if (!service) throw ApplicationFailure.nonRetryable(`service ${name} no longer exists in cluster ${cluster}`, 'NotFound');
  const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
  if (primary?.rolloutState === 'FAILED') {
    throw ApplicationFailure.nonRetryable(
      `${name} failed to start: ${primary.rolloutStateReason ?? latestEvent(service) ?? 'deployment failed'}`,
      'NotReady',
    );
  }
  const desired = service.desiredCount ?? 0;
  const running = service.runningCount ?? 0;
  if (running < desired) return { ready: false, reason: withEvent(`${running}/${desired} tasks running`, service) };

  const health = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
  const targets = health.TargetHealthDescriptions ?? [];
  const healthy = targets.filter((t) => t.TargetHealth?.State === 'healthy').length;
  if (healthy >= desired) return { ready: true };
  const unhealthy = targets
    .filter((t) => t.TargetHealth?.State !== 'healthy')
    .slice(0, 3)
    .map(
      (t) =>
        `${t.Target?.Id} ${t.TargetHealth?.State} (${[t.TargetHealth?.Reason, t.TargetHealth?.Description].filter(Boolean).join(': ')})`,
    );
  return { ready: false, reason: `${healthy}/${desired} targets healthy${unhealthy.length ? `; ${unhealthy.join(', ')}` : ''}` };
}

/**
 * A rolling update of `service` to `taskDefinitionArn`: done when that deployment completed; a failed one
 * (the circuit breaker), or ECS having rolled the service back already, fails at once with ECS's reason.
 */
export function rollingDone(service: Service, taskDefinitionArn: string): Check {
  const deployment = service.deployments?.find((d) => d.taskDefinition === taskDefinitionArn);
  if (deployment?.rolloutState === 'FAILED') {
    throw ApplicationFailure.nonRetryable(
      `deployment of ${shortTaskDefinition(taskDefinitionArn)} ` +
        `failed: ${deployment.rolloutStateReason ?? latestEvent(service) ?? 'no reason given'}`,
      'NotReady',
    );
  }
  if (!deployment || service.taskDefinition !== taskDefinitionArn) {
    throw ApplicationFailure.nonRetryable(
      `${service.serviceName} no longer runs ${shortTaskDefinition(taskDefinitionArn)} ` +
        `(now ${shortTaskDefinition(service.taskDefinition ?? '?')})` +
        `${latestEvent(service) ? `: ${latestEvent(service)}` : ''}`,
      'NotReady',
    );
  }
  if (deployment.status === 'PRIMARY' && deployment.rolloutState === 'COMPLETED') return { ready: true };
  // Without a rollout state (very old ECS agents), the update is done when only the new deployment is left.
  if (!deployment.rolloutState && service.deployments!.length === 1 && service.runningCount === service.desiredCount)
    return { ready: true };
  return {
    ready: false,
    reason: withEvent(
      `${deployment.runningCount ?? 0}/${deployment.desiredCount ?? 0} new tasks running, ${deployment.rolloutState ?? 'in progress'}`,
      service,
    ),
  };
}

function withEvent(reason: string, service: Service): string {
  const event = latestEvent(service);
  return event ? `${reason}; ${event}` : reason;
}
