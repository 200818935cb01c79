/**
 * Whole deployment plans on Kubernetes: the deployment workflow on the real Temporal dev server drives the
 * Kubernetes platform against the real control plane of test/support/kube.ts, and every step's cluster state
 * (Deployments, HTTPRoute weights, the Pods behind each Service per its EndpointSlices, Jobs) is read back.
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../plan/schema';
import { abortSignal, promoteUpdate } from '../../workflows/messages';
import {
  createApp,
  deployment,
  deploymentNames,
  imageOf,
  jobs,
  kubePlatformOn,
  routeBackends,
  useKubeCluster,
  waitForBackends,
} from '../support/kube';
import { gatewayTraffic as gateway, kubeMigrationInput, kubePlan } from '../support/kube-plans';
import { canary } from '../support/plans';
import { inPhase, rolledBack, startPlan, useHarness, waitForStatus } from '../support/temporal';
import { joinedPattern } from '../support/joined-pattern';

const cluster = useKubeCluster();
const harness = useHarness(() => ({ platforms: { kubernetes: kubePlatformOn(cluster) } }));

/** A plan for the app in `ns`, with a progress deadline a failing test does not wait long for. */
const plan = (ns: string, strategy: unknown, options: { release?: string; target?: Record<string, unknown>; migration?: unknown } = {}) =>
  kubePlan(ns, strategy, { ...options, target: { progressDeadline: '30s', ...options.target } });
const migrationTask = (ns: string, image: string) =>
  kubeMigrationInput(ns, image, { secretEnv: [{ name: 'DATABASE_URL', secretName: 'db', key: 'url' }] });
const start = (p: Plan) => startPlan(harness.client, p, harness.taskQueue);
const servedBy = (ns: string, service: string, want: Record<string, number>) => waitForBackends(cluster.k, ns, service, want);

describe('Kubernetes deployments end to end', () => {
  it('canary by Gateway API weights: 20% → promote gate → 60% → soak → promoted, route and endpoints checked', async () => {
    const ns = await cluster.namespace('wf-gw');
    await createApp(cluster.k, ns, { replicas: 3, services: ['web-stable', 'web-canary'], route: true });
    await harness.run(async () => {
      const handle = await start(
        plan(ns, canary({ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: { duration: '1s' } }), { target: gateway }),
      );
      const waiting = await waitForStatus(handle, inPhase('AwaitingPromotion'));
      expect(waiting).toMatchObject({
        weight: 20,
        stableVersion: imageOf('v1'),
        candidateVersion: imageOf('v2'),
        target: `kubernetes ${ns}/web (HTTPRoute ${ns}/web weights)`,
      });
      expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 80, 'web-canary': 20 });
      await servedBy(ns, 'web-stable', { [imageOf('v1')]: 3 });
      await servedBy(ns, 'web-canary', { [imageOf('v2')]: 3 });
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'alice', reason: 'error rate flat' }] });

      await waitForStatus(handle, (s) => s.phase === 'Soaking' && s.weight === 60);
      expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 40, 'web-canary': 60 });

      expect((await handle.result()).outcome).toBe('promoted');
      expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
      expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
      expect(await deployment(cluster.k, ns, 'web')).toMatchObject({ replicas: 3, image: imageOf('v2'), release: 'v2' });
      await servedBy(ns, 'web-stable', { [imageOf('v2')]: 3 });
    });
  });

  it("canary by replica ratio: 25% → promote gate → 75% → promoted, the shared Service's endpoints follow the replicas", async () => {
    const ns = await cluster.namespace('wf-ratio');
    await createApp(cluster.k, ns, { replicas: 4, services: ['web'] });
    await harness.run(async () => {
      const handle = await start(plan(ns, canary({ setWeight: 25 }, { pause: {} }, { setWeight: 75 }, { pause: {} })));
      await waitForStatus(handle, (s) => s.phase === 'AwaitingPromotion' && s.weight === 25);
      expect((await waitForStatus(handle, () => true)).target).toBe(`kubernetes ${ns}/web (replica ratio)`);
      await servedBy(ns, 'web', { [imageOf('v1')]: 3, [imageOf('v2')]: 1 });
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'alice' }] });

      await waitForStatus(handle, (s) => s.phase === 'AwaitingPromotion' && s.weight === 75);
      await servedBy(ns, 'web', { [imageOf('v1')]: 1, [imageOf('v2')]: 3 });
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'alice' }] });

      expect((await handle.result()).outcome).toBe('promoted');
      expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
      await servedBy(ns, 'web', { [imageOf('v2')]: 4 });
    });
  });

  it('blue-green: preview Service on the new Deployment, switch of the active Service, old Deployment gone after the delay', async () => {
    const ns = await cluster.namespace('wf-bg');
    await createApp(cluster.k, ns, { replicas: 2, services: ['web-active', 'web-preview'] });
    const p = plan(
      ns,
      { type: 'blueGreen', prePromotion: [{ pause: {} }], scaleDownDelay: '2s' },
      { target: { blueGreen: { activeService: 'web-active', previewService: 'web-preview' } } },
    );
    await harness.run(async () => {
      const handle = await start(p);
      const waiting = await waitForStatus(handle, inPhase('AwaitingPromotion'));
      expect(waiting).toMatchObject({
        stableVersion: 'web',
        candidateVersion: 'web-v2',
        target: `kubernetes ${ns}/web (Service web-active selector)`,
      });
      await servedBy(ns, 'web-preview', { [imageOf('v2')]: 2 });
      await servedBy(ns, 'web-active', { [imageOf('v1')]: 2 });
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'alice', reason: 'preview looks right' }] });

      await waitForStatus(handle, inPhase('KeepingPrevious'));
      await servedBy(ns, 'web-active', { [imageOf('v2')]: 2 });
      expect(await deploymentNames(cluster.k, ns)).toEqual(['web', 'web-v2']); // kept for a switch back

      expect((await handle.result()).outcome).toBe('promoted');
      expect(await deploymentNames(cluster.k, ns)).toEqual(['web-v2']);
      await servedBy(ns, 'web-active', { [imageOf('v2')]: 2 });
    });
  });

  it('migration then deploy: the Job completes, then the canary promotes', async () => {
    const ns = await cluster.namespace('wf-mig');
    await createApp(cluster.k, ns, { replicas: 2, services: ['web-stable', 'web-canary'], route: true });
    await harness.run(async () => {
      const handle = await start(
        plan(ns, canary({ setWeight: 50 }), { target: gateway, migration: { run: migrationTask(ns, 'registry.test/migrate:v2') } }),
      );
      const result = await handle.result();
      expect(result.outcome).toBe('promoted');
      expect(result.status.migration).toBe('applied');
      const all = await jobs(cluster.k, ns);
      expect(all).toHaveLength(1); // the migration ran once
      const [job] = all;
      expect(job.status?.conditions?.find((c) => c.type === 'Complete')?.status).toBe('True');
      expect(job.status?.succeeded).toBe(1);
      expect(job.spec?.template.spec?.containers[0]).toMatchObject({ image: 'registry.test/migrate:v2', command: ['bin/migrate', 'up'] });
      expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
      expect(await deployment(cluster.k, ns, 'web')).toMatchObject({ image: imageOf('v2') });
    });
  });

  it('abort mid-canary: all traffic back on the stable Service and the canary removed', async () => {
    const ns = await cluster.namespace('wf-abort');
    await createApp(cluster.k, ns, { replicas: 2, services: ['web-stable', 'web-canary'], route: true });
    await harness.run(async () => {
      const handle = await start(
        plan(ns, canary({ setWeight: 30 }, { pause: { duration: '1h' } }, { setWeight: 100 }), { target: gateway }),
      );
      await waitForStatus(handle, inPhase('Soaking'));
      expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 70, 'web-canary': 30 });

      await handle.signal(abortSignal, { by: 'bob', reason: 'p99 up' });
      const { message, status } = await rolledBack(handle);
      expect(message).toContain('aborted by bob: p99 up');
      expect(status).toMatchObject({ phase: 'RolledBack', weight: 0 });
      expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
      expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
      await servedBy(ns, 'web-stable', { [imageOf('v1')]: 2 });
      expect(await deployment(cluster.k, ns, 'web')).toMatchObject({ replicas: 2, image: imageOf('v1') });
    });
  });

  it('a release whose Pods never turn Ready ends rolled back with the progress deadline reason', async () => {
    const ns = await cluster.namespace('wf-sick');
    await createApp(cluster.k, ns, { replicas: 2, services: ['web-stable', 'web-canary'], route: true });
    // The "-never-ready" image: KWOK's stage runs its Pods without ever turning them Ready.
    const p = plan(ns, canary({ setWeight: 50 }, { setWeight: 100 }), {
      release: 'v2-never-ready',
      target: { ...gateway, progressDeadline: '4s' },
    });
    await harness.run(async () => {
      const handle = await start(p);
      const { message, status } = await rolledBack(handle);
      expect(message).toMatch(
        joinedPattern(
          /canary web-canary ready: ProgressDeadlineExceeded: ReplicaSet "web-canary-[a-z0-9]+" has timed out progressing.*; /,
          /Pod web-canary-[a-z0-9-]+: containers with unready status: readiness probe failed/,
        ),
      );
      expect(status).toMatchObject({ weight: 0, phase: 'RolledBack' });
      expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
      expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
      expect(await deployment(cluster.k, ns, 'web')).toMatchObject({ replicas: 2, image: imageOf('v1') });
      await servedBy(ns, 'web-stable', { [imageOf('v1')]: 2 });
    });
  });

  it("a failing migration Job stops the plan before anything is deployed, with the Job's failure in the message", async () => {
    const ns = await cluster.namespace('wf-migfail');
    await createApp(cluster.k, ns, { replicas: 2, services: ['web-stable', 'web-canary'], route: true });
    const p = plan(ns, canary({ setWeight: 10 }, { setWeight: 100 }), {
      target: gateway,
      migration: { run: migrationTask(ns, 'registry.test/migrate:v2-exit-1') },
    });
    await harness.run(async () => {
      const handle = await start(p);
      const { message, status } = await rolledBack(handle);
      expect(message).toMatch(
        joinedPattern(
          /migration Job .* failed \(BackoffLimitExceeded: .*\); /,
          /Pod .*: exit code 1 \(Error: simulated by KWOK stage glidepath-image-job-exit-1\); log unavailable/,
        ),
      );
      expect(status.migration).toBe('failed');
      expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
      expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 1 });
      await servedBy(ns, 'web-stable', { [imageOf('v1')]: 2 });
    });
  });
});
