/**
 * Whole deployment plans on ECS: the deployment workflow on the real Temporal dev server drives the ECS
 * platform against moto with the simulated ECS scheduler (test/support/ecs_sim.py). Simulated: services
 * reaching their running count with healthy targets, unhealthy targets (declared per service), and a
 * migration task's exit code (declared per task-definition family).
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../plan/schema';
import { abortSignal, promoteUpdate } from '../../workflows/messages';
import {
  activeServices,
  createEcsService,
  ecsMigrationInput,
  ecsPlan,
  ecsPlatformAt,
  imageOf,
  listenerWeights,
  uniqueEcsName,
} from '../support/ecs-fixture';
import { useEcsSim } from '../support/ecs-sim';
import { canary } from '../support/plans';
import { inPhase, rolledBack, startPlan, useHarness, waitForStatus } from '../support/temporal';

const sim = useEcsSim();
const harness = useHarness(() => ({ platforms: { ecs: ecsPlatformAt(sim.endpoint) } }));

const start = (plan: Plan) => startPlan(harness.client, plan, harness.taskQueue);

describe('ECS deployments end to end', () => {
  it('canary 10% → soak → 50% → 100% promotes, with the listener split verified at each step', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('wfcan'));
    const plan = ecsPlan(f, canary({ setWeight: 10 }, { pause: { duration: '2s' } }, { setWeight: 50 }, { pause: {} }, { setWeight: 100 }));
    await harness.run(async () => {
      const handle = await start(plan);
      const soaking = await waitForStatus(handle, inPhase('Soaking'));
      expect(soaking).toMatchObject({
        weight: 10,
        stableVersion: f.service,
        candidateVersion: `${f.service}-v2`,
        target: `ecs ${f.cluster}/${f.service}`,
      });
      expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 90, [f.greenTg]: 10 });
      expect(await activeServices(f)).toEqual([f.service, `${f.service}-v2`].sort());

      await waitForStatus(handle, inPhase('AwaitingPromotion'));
      expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 50, [f.greenTg]: 50 });
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'alice', reason: 'p99 flat' }] });

      const result = await handle.result();
      expect(result.outcome).toBe('promoted');
      expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 0, [f.greenTg]: 100 });
      expect(await activeServices(f)).toContain(`${f.service}-v2`);
    });
  });

  it('blue-green checks the new service on the test listener, switches, and removes the old service after the delay', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('wfbg'));
    const plan = ecsPlan(f, { type: 'blueGreen', prePromotion: [{ pause: {} }], scaleDownDelay: '1s' });
    await harness.run(async () => {
      const handle = await start(plan);
      await waitForStatus(handle, inPhase('AwaitingPromotion'));
      expect(await listenerWeights(f, f.testListenerArn)).toEqual({ [f.blueTg]: 0, [f.greenTg]: 100 });
      expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 100, [f.greenTg]: 0 });
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'alice', reason: 'preview looks right' }] });

      expect((await handle.result()).outcome).toBe('promoted');
      expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 0, [f.greenTg]: 100 });
      expect(await activeServices(f)).toEqual([`${f.service}-v2`]);
    });
  });

  it('abort mid-canary ends with the listener 100% on the stable target group and the new service removed', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('wfab'));
    await harness.run(async () => {
      const handle = await start(ecsPlan(f, canary({ setWeight: 20 }, { pause: { duration: '1h' } }, { setWeight: 100 })));
      await waitForStatus(handle, inPhase('Soaking'));
      expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 80, [f.greenTg]: 20 });

      await handle.signal(abortSignal, { by: 'bob', reason: '5xx rising' });
      const { message, status } = await rolledBack(handle);
      expect(message).toContain('aborted by bob: 5xx rising');
      expect(status).toMatchObject({ phase: 'RolledBack', weight: 0 });
      expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 100, [f.greenTg]: 0 });
      expect(await activeServices(f)).toEqual([f.service]);
    });
  });

  it('a new service that never turns healthy ends rolled back with the health check reason', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('wfsick'));
    await sim.service(`${f.service}-v2`, { health: 'unhealthy' }); // simulated: moto runs no health checks
    await harness.run(async () => {
      const handle = await start(ecsPlan(f, canary({ setWeight: 10 }, { setWeight: 100 }), { target: { readyTimeout: '2s' } }));
      const { message } = await rolledBack(handle);
      expect(message).toMatch(/ready: not reached within 2s; last seen: 0\/2 targets healthy; .* unhealthy \(Target.ResponseCodeMismatch/);
      expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 100, [f.greenTg]: 0 });
      expect(await activeServices(f)).toEqual([f.service]);
    });
  });

  it('a failing migration task stops the plan before anything is deployed', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('wfmig'));
    await sim.taskExit(f.migrationFamily, 1, 'duplicate column "email"'); // simulated exit code
    await harness.run(async () => {
      const handle = await start(ecsPlan(f, canary({ setWeight: 10 }, { setWeight: 100 }), { migration: { run: ecsMigrationInput(f) } }));
      const { message, status } = await rolledBack(handle);
      expect(message).toMatch(/migration task .* exited with code 1: Essential container in task exited; duplicate column "email"/);
      expect(status.migration).toBe('failed');
      expect(await listenerWeights(f)).toEqual({ [f.blueTg]: 100, [f.greenTg]: 0 });
      expect(await activeServices(f)).toEqual([f.service]);
    });
  });

  it('a rolling update with a bake pause promotes; the service runs the new revision', async () => {
    const f = await createEcsService(sim.endpoint, uniqueEcsName('wfroll'));
    const plan = ecsPlan(f, canary({ pause: { duration: '1s' } }), { target: { deployment: 'rolling', loadBalancer: undefined } });
    await harness.run(async () => {
      const handle = await start(plan);
      const result = await handle.result();
      expect(result.outcome).toBe('promoted');
      expect(result.status).toMatchObject({
        stableVersion: `${f.service}:1`,
        candidateVersion: `${f.service}:2`,
        target: `ecs ${f.cluster}/${f.service} (rolling)`,
      });
    });
    // ECS says the same: one completed deployment of revision 2, all tasks running, revision 2 runs the release's image.
    const service = (await f.ecs.send(new DescribeServicesCommand({ cluster: f.cluster, services: [f.service] }))).services![0];
    expect(service.taskDefinition).toMatch(new RegExp(`:task-definition/${f.service}:2$`));
    expect(service.deployments).toEqual([
      expect.objectContaining({ status: 'PRIMARY', rolloutState: 'COMPLETED', taskDefinition: service.taskDefinition }),
    ]);
    expect(service.runningCount).toBe(service.desiredCount);
    const revision = (await f.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition! }))).taskDefinition!;
    expect(revision.containerDefinitions?.find((c) => c.name === 'app')?.image).toBe(imageOf(f, 'v2'));
  });
});
