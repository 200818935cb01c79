/**
 * The ECS platform's service-pair releases (canary and blue-green through ALB weighted target groups),
 * called directly, against moto with the simulated ECS scheduler (test/support/ecs_sim.py). Simulated here:
 * services reaching their running count and registering one healthy target per task (moto does neither).
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { decodePairData } from '../../activities/ecs/candidate';
import { ecsPlatform } from '../../activities/ecs/ecs-platform';
import { servicePair } from '../../activities/ecs/service-pair';
import type { Candidate, Platform } from '../../activities/types';
import type { EcsTarget } from '../../plan/targets';
import {
  type EcsFixture,
  type Weights,
  activeServices,
  createEcsService,
  ecsTarget,
  imageOf,
  listenerWeights,
  metadataFor,
  ruleWeights,
  targetStates,
  uniqueEcsName,
} from '../support/ecs-fixture';
import { useEcsSim } from '../support/ecs-sim';
import { activityEnv, caller, failureOf } from '../support/platform-calls';
import { expectVerifies, routerOf } from '../support/router-checks';

const sim = useEcsSim();

const env = activityEnv;

function setup(f: EcsFixture) {
  const platform: Platform = ecsPlatform(f.clients, { pollIntervalMs: 20 });
  const call = caller(platform);
  return { platform, call };
}

/** The production router of the release, as the service-pair workload builds it. */
const pairRouter = (f: EcsFixture, target: EcsTarget, candidate: Candidate) => routerOf(servicePair(f.clients, 20), target, candidate);

/** The listener's (or rule's) split as the ALB reports it, by the candidate's target groups. */
function sharesOf(weights: Weights, candidate: Candidate) {
  const { stableTargetGroupArn, candidateTargetGroupArn } = decodePairData(candidate.data);
  return { stable: weights[stableTargetGroupArn], candidate: weights[candidateTargetGroupArn] };
}

async function deployReady(f: EcsFixture, target: EcsTarget, release: string, strategy: 'canary' | 'blueGreen' = 'canary') {
  const { call } = setup(f);
  const metadata = metadataFor(f, release);
  const candidate = await call((p) => p.deployCandidate({ target, metadata, strategy }));
  await call((p) => p.waitCandidateReady({ target, metadata, candidate }));
  return { candidate, metadata };
}

describe('ECS service pair: canary', () => {
  it('runs the release as its own service on the idle target group and moves traffic 10 → 50 → 100', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('can'));
    const { call } = setup(f);
    const target = ecsTarget(f, 'v2');
    const { candidate, metadata } = await deployReady(f, target, 'v2');

    expect(candidate).toMatchObject({
      stableVersion: f.service,
      candidateVersion: `${f.service}-v2`,
      data: { stableTargetGroupArn: f.blueTg, candidateTargetGroupArn: f.greenTg },
    });
    expect(await activeServices(f)).toEqual([f.service, `${f.service}-v2`].sort());
    expect(await targetStates(f, f.greenTg)).toEqual(['healthy', 'healthy']);
    // The new revision is the stable one's task definition with the image (and environment) replaced.
    const svc = (await f.ecs.send(new DescribeServicesCommand({ cluster: f.cluster, services: [`${f.service}-v2`] }))).services![0];
    const td = (await f.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: svc.taskDefinition! }))).taskDefinition!;
    expect(td.family).toBe(f.service);
    expect(td.revision).toBe(2);
    expect(td.containerDefinitions![0]).toMatchObject({ name: 'app', image: imageOf(f, 'v2'), portMappings: [{ containerPort: 8080 }] });
    expect(td.containerDefinitions![0].environment).toEqual([
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'RELEASE', value: 'v2' },
    ]);
    expect(svc.loadBalancers).toEqual([{ targetGroupArn: f.greenTg, containerName: 'app', containerPort: 8080 }]);
    expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 100, [f.greenTg]: 0 });
    const router = pairRouter(f, target, candidate);
    await expectVerifies(router, 0, sharesOf(await listenerWeights(f), candidate));

    for (const weight of [10, 50, 100]) {
      await call((p) => p.setTrafficWeight({ target, metadata, candidate, weight }));
      expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 100 - weight, [f.greenTg]: weight });
      await expectVerifies(router, weight, sharesOf(await listenerWeights(f), candidate), [0, 9, 11, 50, 100]);
    }
    await call((p) => p.promoteCandidate({ target, metadata, candidate }));
    expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 0, [f.greenTg]: 100 });
    expect(await activeServices(f)).toEqual([f.service, `${f.service}-v2`].sort()); // the old one is kept until retired

    await call((p) => p.retirePrevious({ target, metadata, candidate }));
    expect(await activeServices(f)).toEqual([`${f.service}-v2`]);
    expect(await targetStates(f, f.blueTg)).toEqual([]);

    // The next release finds v2 live on green and takes blue, the idle group.
    const next = await deployReady(f, ecsTarget(f, 'v3'), 'v3');
    expect(next.candidate).toMatchObject({
      stableVersion: `${f.service}-v2`,
      candidateVersion: `${f.service}-v3`,
      data: { stableTargetGroupArn: f.greenTg, candidateTargetGroupArn: f.blueTg },
    });
    await call((p) => p.setTrafficWeight({ target: ecsTarget(f, 'v3'), metadata: next.metadata, candidate: next.candidate, weight: 25 }));
    expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 25, [f.greenTg]: 75 });
    // The groups swapped roles: the router reads the new release's stable group (green) as its stable side.
    await expectVerifies(pairRouter(f, ecsTarget(f, 'v3'), next.candidate), 25, { stable: 75, candidate: 25 });
  });

  it('moves traffic on the named listener rule and leaves the default action alone', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('rule'));
    const { call } = setup(f);
    const target = ecsTarget(f, 'v2', {
      loadBalancer: { listenerArn: f.listenerArn, ruleArn: f.ruleArn, stableTargetGroupArn: f.blueTg, canaryTargetGroupArn: f.greenTg },
    });
    const { candidate, metadata } = await deployReady(f, target, 'v2');
    await call((p) => p.setTrafficWeight({ target, metadata, candidate, weight: 30 }));
    expect(await ruleWeights(f)).toEqual({ [f.blueTg]: 70, [f.greenTg]: 30 });
    expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 100, [f.greenTg]: 0 });
    // The router reads the rule, not the listener's default action (which would say 0%).
    await expectVerifies(pairRouter(f, target, candidate), 30, sharesOf(await ruleWeights(f), candidate));
    await call((p) => p.rollBack({ target, metadata, candidate }));
    expect(await ruleWeights(f)).toEqual({ [f.blueTg]: 100, [f.greenTg]: 0 });
    await expectVerifies(pairRouter(f, target, candidate), 0, sharesOf(await ruleWeights(f), candidate));
  });

  it('deploying twice (a retry after a crash) creates one service and one task definition revision', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('twice'));
    const { call } = setup(f);
    const target = ecsTarget(f, 'v2');
    const metadata = metadataFor(f, 'v2');
    const first = await call((p) => p.deployCandidate({ target, metadata, strategy: 'canary' }));
    const second = await call((p) => p.deployCandidate({ target, metadata, strategy: 'canary' }));
    expect(second).toEqual(first);
    expect(await activeServices(f)).toEqual([f.service, `${f.service}-v2`].sort());
    const latest = (await f.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: f.service }))).taskDefinition!;
    expect(latest.revision).toBe(2);
  });

  it('rollback puts 100% back on the stable target group and removes the new service; twice is harmless', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('rb'));
    const { call } = setup(f);
    const target = ecsTarget(f, 'v2');
    const { candidate, metadata } = await deployReady(f, target, 'v2');
    await call((p) => p.setTrafficWeight({ target, metadata, candidate, weight: 50 }));

    await call((p) => p.rollBack({ target, metadata, candidate }));
    expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 100, [f.greenTg]: 0 });
    expect(await activeServices(f)).toEqual([f.service]);
    expect(await targetStates(f, f.greenTg)).toEqual([]);

    await call((p) => p.rollBack({ target, metadata, candidate }));
    await call((p) => p.rollBack({ target, metadata })); // and without a candidate
    expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 100, [f.greenTg]: 0 });
    expect(await activeServices(f)).toEqual([f.service]);
  });

  it('rollback without a candidate (deploy never returned) finds the release service by name', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('lost'));
    const { call } = setup(f);
    const target = ecsTarget(f, 'v2');
    const metadata = metadataFor(f, 'v2');
    await call((p) => p.deployCandidate({ target, metadata, strategy: 'canary' }));
    await call((p) => p.rollBack({ target, metadata }));
    expect(await activeServices(f)).toEqual([f.service]);
    expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 100, [f.greenTg]: 0 });
  });

  it('refuses to deploy while another release still sits on the idle target group', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('busy'));
    const { call } = setup(f);
    await deployReady(f, ecsTarget(f, 'v2'), 'v2'); // never promoted nor rolled back (say, a terminated run)
    const err = await failureOf(
      call((p) => p.deployCandidate({ target: ecsTarget(f, 'v3'), metadata: metadataFor(f, 'v3'), strategy: 'canary' })),
    );
    expect(err).toMatchObject({ type: 'Conflict', nonRetryable: true });
    expect(err.message).toContain(`${f.service}-v2 is registered to it`);
  });
});

describe('ECS service pair: blue-green', () => {
  it('previews on the test listener, switches all traffic, keeps the old service until retired', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('bg'));
    const { call } = setup(f);
    const target = ecsTarget(f, 'v2');
    const { candidate, metadata } = await deployReady(f, target, 'v2', 'blueGreen');

    await call((p) => p.previewCandidate({ target, metadata, candidate }));
    expect(await listenerWeights(f, f.testListenerArn)).toEqual({ [f.blueTg]: 0, [f.greenTg]: 100 });
    expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 100, [f.greenTg]: 0 });

    await call((p) => p.promoteCandidate({ target, metadata, candidate }));
    expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 0, [f.greenTg]: 100 });
    expect(await activeServices(f)).toEqual([f.service, `${f.service}-v2`].sort());
    expect(await targetStates(f, f.blueTg)).toEqual(['healthy', 'healthy']); // ready for a switch back

    await call((p) => p.retirePrevious({ target, metadata, candidate }));
    expect(await activeServices(f)).toEqual([`${f.service}-v2`]);
  });

  it('a failed post-promotion check switches back: production and test listener on the old group, new service gone', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('bgrb'));
    const { call } = setup(f);
    const target = ecsTarget(f, 'v2');
    const { candidate, metadata } = await deployReady(f, target, 'v2', 'blueGreen');
    await call((p) => p.previewCandidate({ target, metadata, candidate }));
    await call((p) => p.promoteCandidate({ target, metadata, candidate }));

    await call((p) => p.rollBack({ target, metadata, candidate }));
    expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 100, [f.greenTg]: 0 });
    expect(await listenerWeights(f, f.testListenerArn)).toEqual({ [f.blueTg]: 100, [f.greenTg]: 0 });
    expect(await activeServices(f)).toEqual([f.service]);
  });

  it('never retires a service that takes traffic again', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('keep'));
    const { call } = setup(f);
    const target = ecsTarget(f, 'v2');
    const { candidate, metadata } = await deployReady(f, target, 'v2', 'blueGreen');
    await call((p) => p.setTrafficWeight({ target, metadata, candidate, weight: 90 }));
    const err = await failureOf(call((p) => p.retirePrevious({ target, metadata, candidate })));
    expect(err).toMatchObject({ type: 'Conflict' });
    expect(await activeServices(f)).toEqual([f.service, `${f.service}-v2`].sort());
  });
});

describe('ECS readiness', () => {
  it('a new service whose targets stay unhealthy fails with the health check reason, and rolls back clean', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('sick'));
    const { call } = setup(f);
    // Simulated: moto has no health checks; the harness reports this service's targets unhealthy.
    await sim.service(`${f.service}-v2`, { health: 'unhealthy', reason: 'Health checks failed with these codes: [503]' });
    const target = ecsTarget(f, 'v2', { readyTimeout: '1s' });
    const metadata = metadataFor(f, 'v2');
    const candidate: Candidate = await call((p) => p.deployCandidate({ target, metadata, strategy: 'canary' }));
    const err = await failureOf(call((p) => p.waitCandidateReady({ target, metadata, candidate })));
    expect(err).toMatchObject({ type: 'NotReady', nonRetryable: true });
    expect(err.message).toMatch(
      /0\/2 targets healthy; .*unhealthy \(Target.ResponseCodeMismatch: Health checks failed with these codes: \[503\]\)/,
    );

    await call((p) => p.rollBack({ target, metadata, candidate }));
    expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 100, [f.greenTg]: 0 });
    expect(await activeServices(f)).toEqual([f.service]);
  });

  it('a service whose tasks never start fails with the running count it reached', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('held'));
    const { call } = setup(f);
    await sim.service(`${f.service}-v2`, { hold: true }); // simulated: the scheduler never places its tasks
    const target = ecsTarget(f, 'v2', { readyTimeout: '1s' });
    const metadata = metadataFor(f, 'v2');
    const candidate = await call((p) => p.deployCandidate({ target, metadata, strategy: 'canary' }));
    const err = await failureOf(call((p) => p.waitCandidateReady({ target, metadata, candidate })));
    expect(err.message).toContain('0/2 tasks running');
  });

  it('a deployment the circuit breaker failed stops the wait at once, with ECS reason', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('cb'));
    const { call } = setup(f);
    await sim.failingImage(imageOf(f, 'v2'), 'tasks failed to start.'); // simulated circuit breaker
    const target = ecsTarget(f, 'v2', { readyTimeout: '1m' });
    const metadata = metadataFor(f, 'v2');
    const candidate = await call((p) => p.deployCandidate({ target, metadata, strategy: 'canary' }));
    const err = await failureOf(call((p) => p.waitCandidateReady({ target, metadata, candidate })));
    expect(err).toMatchObject({ type: 'NotReady' }); // the breaker's reason, not the 1m ready timeout
    expect(err.message).toContain('circuit breaker: tasks failed to start.');
  });

  it('stops waiting promptly when the activity is cancelled', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('cxl'));
    await sim.service(`${f.service}-v2`, { hold: true });
    const platform = ecsPlatform(f.clients, { pollIntervalMs: 20 });
    const target = ecsTarget(f, 'v2', { readyTimeout: '1m' });
    const metadata = metadataFor(f, 'v2');
    const candidate = await caller(platform)((p) => p.deployCandidate({ target, metadata, strategy: 'canary' }));
    const activity = env();
    const heartbeats: unknown[] = [];
    activity.on('heartbeat', (d) => heartbeats.push(d));
    const waiting = activity.run(() => platform.waitCandidateReady({ target, metadata, candidate }));
    await new Promise((r) => activity.once('heartbeat', r)); // waiting, and telling the server so
    activity.cancel();
    await expect(waiting).rejects.toThrow();
    expect(heartbeats.length).toBeGreaterThan(0);
  });
});
