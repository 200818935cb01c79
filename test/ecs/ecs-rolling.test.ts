/**
 * `deployment: rolling`: ECS's own rolling update of one service, against moto with the simulated scheduler.
 * Simulated here (moto's UpdateService only overwrites the task definition): a new PRIMARY deployment that
 * completes after a few DescribeServices calls, or fails like the circuit breaker for an image declared
 * failing, rolling the service back by itself when its deploymentConfiguration asks for it.
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { ecsPlatform } from '../../activities/ecs/ecs-platform';
import type { Platform } from '../../activities/types';
import { type EcsFixture, createEcsService, ecsTarget, imageOf, metadataFor, uniqueEcsName } from '../support/ecs-fixture';
import { useEcsSim } from '../support/ecs-sim';
import { caller, failureOf } from '../support/platform-calls';

const sim = useEcsSim();

async function rollingService(prefix: string, circuitBreakerRollback: boolean) {
  const f = await createEcsService(sim.endpoint, uniqueEcsName(prefix));
  await f.ecs.send(
    new UpdateServiceCommand({
      cluster: f.cluster,
      service: f.service,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: circuitBreakerRollback } },
    }),
  );
  const platform: Platform = ecsPlatform(f.clients, { pollIntervalMs: 20 });
  const call = caller(platform);
  return { f, call };
}

const rolling = (f: EcsFixture, release: string, extra: Record<string, unknown> = {}) =>
  ecsTarget(f, release, { deployment: 'rolling', loadBalancer: undefined, ...extra });

async function serviceOf(f: EcsFixture) {
  return (await f.ecs.send(new DescribeServicesCommand({ cluster: f.cluster, services: [f.service] }))).services![0];
}

async function imageRunning(f: EcsFixture) {
  const td = (await f.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: (await serviceOf(f)).taskDefinition! })))
    .taskDefinition!;
  return td.containerDefinitions![0].image;
}

describe('ECS rolling update', () => {
  it('updates the service to a new revision and waits for the deployment to complete', async () => {
    const { f, call } = await rollingService('roll', true);
    const target = rolling(f, 'v2');
    const metadata = metadataFor(f, 'v2');
    const candidate = await call((p) => p.deployCandidate({ target, metadata, strategy: 'canary' }));
    expect(candidate).toMatchObject({ stableVersion: `${f.service}:1`, candidateVersion: `${f.service}:2`, data: { mode: 'rolling' } });
    expect((await serviceOf(f)).deployments?.[0]).toMatchObject({ status: 'PRIMARY', rolloutState: 'IN_PROGRESS' });

    await call((p) => p.waitCandidateReady({ target, metadata, candidate }));
    const service = await serviceOf(f);
    expect(service.deployments).toHaveLength(1);
    expect(service.deployments![0]).toMatchObject({ rolloutState: 'COMPLETED', taskDefinition: candidate.data.taskDefinitionArn });
    expect(await imageRunning(f)).toBe(imageOf(f, 'v2'));

    // A retried deploy finds the update already started: no third revision, no second deployment.
    expect(await call((p) => p.deployCandidate({ target, metadata, strategy: 'canary' }))).toEqual(candidate);
    expect((await serviceOf(f)).deployments).toHaveLength(1);

    // Setting all traffic and promoting are no-ops; a split is refused.
    await call((p) => p.setTrafficWeight({ target, metadata, candidate, weight: 100 }));
    await call((p) => p.promoteCandidate({ target, metadata, candidate }));
    const err = await failureOf(call((p) => p.setTrafficWeight({ target, metadata, candidate, weight: 10 })));
    expect(err).toMatchObject({ type: 'InvalidPlan' });

    // A later failure (an analysis, say) rolls back to the previous revision; twice is harmless.
    await call((p) => p.rollBack({ target, metadata, candidate }));
    await call((p) => p.rollBack({ target, metadata, candidate }));
    expect(await imageRunning(f)).toBe(imageOf(f, 'v1'));
    expect((await serviceOf(f)).taskDefinition).toBe(candidate.data.previousTaskDefinitionArn);
  });

  it('a deployment the circuit breaker fails (ECS rolls it back) fails readiness with the reason; nothing left to undo', async () => {
    const { f, call } = await rollingService('cbroll', true);
    await sim.failingImage(imageOf(f, 'v2'), 'tasks failed to start.');
    const target = rolling(f, 'v2');
    const metadata = metadataFor(f, 'v2');
    const candidate = await call((p) => p.deployCandidate({ target, metadata, strategy: 'canary' }));
    const err = await failureOf(call((p) => p.waitCandidateReady({ target, metadata, candidate })));
    expect(err).toMatchObject({ type: 'NotReady', nonRetryable: true });
    expect(err.message).toContain(`deployment of ${f.service}:2 failed: ECS deployment circuit breaker: tasks failed to start.`);
    expect(await imageRunning(f)).toBe(imageOf(f, 'v1'));

    const deployments = (await serviceOf(f)).deployments!.length;
    await call((p) => p.rollBack({ target, metadata, candidate }));
    expect((await serviceOf(f)).deployments).toHaveLength(deployments); // no new deployment started
    expect(await imageRunning(f)).toBe(imageOf(f, 'v1'));
  });

  it('a failed deployment without ECS rollback is rolled back to the previous task definition', async () => {
    const { f, call } = await rollingService('cbkeep', false);
    await sim.failingImage(imageOf(f, 'v2'));
    const target = rolling(f, 'v2');
    const metadata = metadataFor(f, 'v2');
    const candidate = await call((p) => p.deployCandidate({ target, metadata, strategy: 'canary' }));
    await expect(call((p) => p.waitCandidateReady({ target, metadata, candidate }))).rejects.toMatchObject({ type: 'NotReady' });
    expect(await imageRunning(f)).toBe(imageOf(f, 'v2')); // ECS left it failed

    await call((p) => p.rollBack({ target, metadata }));
    expect(await imageRunning(f)).toBe(imageOf(f, 'v1')); // found through the revision's tags, without a candidate
  });

  it('refuses blue-green: there is no second service to switch to', async () => {
    const { f, call } = await rollingService('rollbg', true);
    const err = await failureOf(
      call((p) => p.deployCandidate({ target: rolling(f, 'v2'), metadata: metadataFor(f, 'v2'), strategy: 'blueGreen' })),
    );
    expect(err).toMatchObject({ type: 'InvalidPlan' });
    expect(await imageRunning(f)).toBe(imageOf(f, 'v1'));
  });
});
