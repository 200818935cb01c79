/**
 * The Kubernetes platform called directly, step by step, against the real control plane of test/support/kube.ts:
 * after each call the Deployments, Service selectors, EndpointSlices (where a Service really sends traffic) and
 * HTTPRoute weights are read back from the API server.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { blueGreenDeployments } from '../../activities/kubernetes/blue-green';
import { canaryDeployment } from '../../activities/kubernetes/canary';
import { defaultKubernetesClients } from '../../activities/kubernetes/clients';
import { kubernetesPlatform } from '../../activities/kubernetes/kubernetes-platform';
import type { Candidate } from '../../activities/types';
import { KubernetesTargetSchema, type KubernetesTarget } from '../../plan/targets';
import {
  createApp,
  deployment,
  deploymentNames,
  imageOf,
  kubeContextOn,
  kubePlatformOn,
  metadataFor,
  routeBackends,
  selectorOf,
  useKubeCluster,
  waitForBackends,
} from '../support/kube';
import { blueGreenServices as blueGreen, gatewayTraffic as gateway, kubeTargetInput } from '../support/kube-plans';
import { joinedPattern } from '../support/joined-pattern';
import { caller, failureOf, retrying } from '../support/platform-calls';
import { expectVerifies, routerOf } from '../support/router-checks';

let call: ReturnType<typeof caller>;
const cluster = useKubeCluster();

beforeAll(() => {
  call = caller(kubePlatformOn(cluster));
});

const target = (ns: string, release: string, extra: Record<string, unknown> = {}): KubernetesTarget =>
  KubernetesTargetSchema.parse(kubeTargetInput(ns, release, { progressDeadline: '20s', ...extra }));

/** Where the Service sends traffic, once the EndpointSlice controller has caught up. */
const servedBy = (ns: string, service: string, want: Record<string, number>) => waitForBackends(cluster.k, ns, service, want);

/** The release's router, as its workload (canary or blue-green) builds it. */
const canaryRouter = (t: KubernetesTarget, c: Candidate) => routerOf(canaryDeployment(kubeContextOn(cluster)), t, c);
const switchRouter = (t: KubernetesTarget, c: Candidate) => routerOf(blueGreenDeployments(kubeContextOn(cluster)), t, c);

/** Percent of `served` (ready endpoints by image, or route weights by Service) on each side. */
function sharesOf(served: Record<string, number>, stable: string, candidate: string) {
  const total = Object.values(served).reduce((sum, n) => sum + n, 0);
  return { stable: ((served[stable] ?? 0) * 100) / total, candidate: ((served[candidate] ?? 0) * 100) / total };
}

async function deployReady(t: KubernetesTarget, release: string, strategy: 'canary' | 'blueGreen' = 'canary'): Promise<Candidate> {
  const metadata = metadataFor(release);
  const candidate = await call((p) => p.deployCandidate({ target: t, metadata, strategy }));
  await call((p) => p.waitCandidateReady({ target: t, metadata, candidate }));
  return candidate;
}

describe('Kubernetes canary', () => {
  it('by replica ratio: the canary grows and the stable shrinks behind the shared Service, then stable rolls to the release', async () => {
    const ns = await cluster.namespace('ratio');
    await createApp(cluster.k, ns, { replicas: 4, services: ['web'] });
    const t = target(ns, 'v2', { traffic: { replicaRatio: { service: 'web' } } });
    const metadata = metadataFor('v2');
    const candidate = await deployReady(t, 'v2');
    expect(candidate).toMatchObject({
      stableVersion: imageOf('v1'),
      candidateVersion: imageOf('v2'),
      data: { mode: 'canary', traffic: 'replicaRatio', canaryDeployment: 'web-canary', replicas: '4' },
    });
    expect(await deployment(cluster.k, ns, 'web-canary')).toMatchObject({
      replicas: 0,
      image: imageOf('v2'),
      release: 'v2',
      track: 'canary',
    });
    const router = canaryRouter(t, candidate);
    const served = (want: Record<string, number>) => servedBy(ns, 'web', want).then((b) => sharesOf(b, imageOf('v1'), imageOf('v2')));
    await expectVerifies(router, 0, await served({ [imageOf('v1')]: 4 }));

    await call((p) => p.setTrafficWeight({ target: t, metadata, candidate, weight: 25 }));
    expect(await deployment(cluster.k, ns, 'web-canary')).toMatchObject({ replicas: 1, ready: 1 });
    expect(await deployment(cluster.k, ns, 'web')).toMatchObject({ replicas: 3, image: imageOf('v1') });
    await expectVerifies(router, 25, await served({ [imageOf('v1')]: 3, [imageOf('v2')]: 1 }), [0, 50, 100]);

    await call((p) => p.setTrafficWeight({ target: t, metadata, candidate, weight: 60 }));
    // ceil(60% of 4) = 3: the nearest split 4 Pods make is what verify(60) holds to, and 75% is what is sent.
    await expectVerifies(router, 60, await served({ [imageOf('v1')]: 1, [imageOf('v2')]: 3 }), [0, 25, 50, 100]);

    await call((p) => p.promoteCandidate({ target: t, metadata, candidate }));
    expect(await deployment(cluster.k, ns, 'web')).toMatchObject({
      replicas: 4,
      ready: 4,
      image: imageOf('v2'),
      release: 'v2',
      track: 'stable',
    });
    expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
    await servedBy(ns, 'web', { [imageOf('v2')]: 4 });
    // The other container of the pod template is the user's and unchanged.
    expect(await cluster.kubectl('-n', ns, 'get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[1].image}')).toBe(
      'registry.test/proxy:1',
    );

    // The same release again: it is the stable one already.
    const again = await call((p) => p.deployCandidate({ target: t, metadata, strategy: 'canary' }));
    expect(again.data).toMatchObject({ unchanged: 'true' });
    await call((p) => p.setTrafficWeight({ target: t, metadata, candidate: again, weight: 50 }));
    expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
  });

  it('by Gateway API: HTTPRoute weights between a stable Service pinned to the stable ReplicaSet and a canary Service', async () => {
    const ns = await cluster.namespace('gw');
    await createApp(cluster.k, ns, { replicas: 3, services: ['web-stable', 'web-canary'], route: true });
    const t = target(ns, 'v2', gateway);
    const metadata = metadataFor('v2');
    const candidate = await deployReady(t, 'v2');
    expect(candidate.data).toMatchObject({ traffic: 'gatewayRoute', canaryDeployment: 'web-canary' });
    expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
    expect(await selectorOf(cluster.k, ns, 'web-stable')).toMatchObject({ app: 'web', 'pod-template-hash': expect.any(String) });
    expect(await selectorOf(cluster.k, ns, 'web-canary')).toEqual({ app: 'web', 'glidepath/release': 'v2', 'glidepath/track': 'canary' });
    await servedBy(ns, 'web-stable', { [imageOf('v1')]: 3 });
    await servedBy(ns, 'web-canary', { [imageOf('v2')]: 3 });
    const router = canaryRouter(t, candidate);
    const routed = async () => sharesOf(await routeBackends(cluster.k, ns), 'web-stable', 'web-canary');
    await expectVerifies(router, 0, await routed());

    await call((p) => p.setTrafficWeight({ target: t, metadata, candidate, weight: 10 }));
    expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 90, 'web-canary': 10 });
    await expectVerifies(router, 10, await routed(), [0, 9, 11, 50, 100]);
    await call((p) => p.setTrafficWeight({ target: t, metadata, candidate, weight: 10 })); // a retried call changes nothing
    await call((p) => p.setTrafficWeight({ target: t, metadata, candidate, weight: 50 }));
    expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 50, 'web-canary': 50 });
    await expectVerifies(router, 50, await routed());
    const rules = JSON.parse(await cluster.kubectl('-n', ns, 'get', 'httproute', 'web', '-o', 'jsonpath={.spec.rules}'));
    expect(rules[1].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'admin', port: 80, weight: 1 }]); // other rules untouched

    await call((p) => p.promoteCandidate({ target: t, metadata, candidate }));
    expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
    expect(await deployment(cluster.k, ns, 'web')).toMatchObject({ replicas: 3, ready: 3, image: imageOf('v2'), release: 'v2' });
    expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
    await servedBy(ns, 'web-stable', { [imageOf('v2')]: 3 });

    // The next release starts from the promoted one.
    const t3 = target(ns, 'v3', gateway);
    const next = await deployReady(t3, 'v3');
    expect(next).toMatchObject({ stableVersion: imageOf('v2'), candidateVersion: imageOf('v3'), data: { stableRelease: 'v2' } });
    await servedBy(ns, 'web-canary', { [imageOf('v3')]: 3 });
    await call((p) => p.rollBack({ target: t3, metadata: metadataFor('v3'), candidate: next }));
    await servedBy(ns, 'web-stable', { [imageOf('v2')]: 3 });
  });

  it('rolls back at any point, twice, and without a candidate: all traffic on the stable version, the canary removed', async () => {
    const ns = await cluster.namespace('undo');
    await createApp(cluster.k, ns, { replicas: 4, services: ['web'] });
    const t = target(ns, 'v2');
    const metadata = metadataFor('v2');
    const candidate = await deployReady(t, 'v2');
    await call((p) => p.setTrafficWeight({ target: t, metadata, candidate, weight: 50 }));
    await servedBy(ns, 'web', { [imageOf('v1')]: 2, [imageOf('v2')]: 2 });

    await call((p) => p.rollBack({ target: t, metadata, candidate }));
    expect(await deployment(cluster.k, ns, 'web')).toMatchObject({ replicas: 4, image: imageOf('v1') });
    expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
    await servedBy(ns, 'web', { [imageOf('v1')]: 4 });
    await call((p) => p.rollBack({ target: t, metadata, candidate }));

    // The deploy call "never returned": the rollback finds the canary by name and release label.
    // (The stable Deployment may still be settling from the rollback: deploy then asks to be retried.)
    await retrying(call)((p) => p.deployCandidate({ target: t, metadata, strategy: 'canary' }));
    expect(await deploymentNames(cluster.k, ns)).toEqual(['web', 'web-canary']);
    await call((p) => p.rollBack({ target: t, metadata }));
    expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
    await call((p) => p.rollBack({ target: t, metadata }));
  });

  it('a canary whose Pods never turn Ready fails with the progress deadline reason', async () => {
    const ns = await cluster.namespace('sick');
    await createApp(cluster.k, ns, { replicas: 2, services: ['web-stable', 'web-canary'], route: true });
    const t = target(ns, 'v2-never-ready', { ...gateway, progressDeadline: '3s' });
    const metadata = metadataFor('v2');
    const candidate = await call((p) => p.deployCandidate({ target: t, metadata, strategy: 'canary' }));
    const failure = await failureOf(call((p) => p.waitCandidateReady({ target: t, metadata, candidate })));
    expect(failure.type).toBe('NotReady');
    expect(failure.message).toMatch(
      /canary web-canary ready: ProgressDeadlineExceeded: ReplicaSet "web-canary-[a-z0-9]+" has timed out progressing/,
    );
    await call((p) => p.rollBack({ target: t, metadata, candidate }));
    expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
    expect(await routeBackends(cluster.k, ns)).toEqual({ 'web-stable': 100, 'web-canary': 0 });
  });

  it('by replica ratio, a canary scaled up whose Pods never turn Ready fail at the progress deadline', async () => {
    const ns = await cluster.namespace('sickratio');
    await createApp(cluster.k, ns, { replicas: 2 });
    const t = target(ns, 'v2-never-ready', { progressDeadline: '3s' });
    const metadata = metadataFor('v2');
    const candidate = await deployReady(t, 'v2'); // no Pod yet, so nothing to wait for
    const failure = await failureOf(call((p) => p.setTrafficWeight({ target: t, metadata, candidate, weight: 50 })));
    expect(failure).toMatchObject({ type: 'NotReady', nonRetryable: true });
    expect(failure.message).toMatch(
      joinedPattern(
        /web-canary at 1 Pods: not available 3s after scaling to 1 Pods \(Deployment does not have minimum availability.\).*; /,
        /Pod web-canary-[a-z0-9-]+: containers with unready status: readiness probe failed/,
      ),
    );
    expect(await deployment(cluster.k, ns, 'web')).toMatchObject({ replicas: 2 }); // the stable side was not shrunk
    await call((p) => p.rollBack({ target: t, metadata, candidate }));
    expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
  });

  it("refuses a canary beside another release's canary", async () => {
    const ns = await cluster.namespace('busy');
    await createApp(cluster.k, ns, { replicas: 1 });
    await call((p) => p.deployCandidate({ target: target(ns, 'v2'), metadata: metadataFor('v2'), strategy: 'canary' }));
    const failure = await failureOf(
      call((p) => p.deployCandidate({ target: target(ns, 'v3'), metadata: metadataFor('v3'), strategy: 'canary' })),
    );
    expect(failure).toMatchObject({ type: 'Conflict', nonRetryable: true });
    expect(failure.message).toContain('canary Deployment');
  });
});

describe('Kubernetes blue-green', () => {
  it('previews the new Deployment, switches the active Service, switches back, and retires the old one', async () => {
    const ns = await cluster.namespace('bg');
    await createApp(cluster.k, ns, { replicas: 2, services: ['web-active', 'web-preview'] });
    const t = target(ns, 'v2', blueGreen);
    const metadata = metadataFor('v2');
    const candidate = await deployReady(t, 'v2', 'blueGreen');
    expect(candidate).toMatchObject({ stableVersion: 'web', candidateVersion: 'web-v2', data: { mode: 'blueGreen' } });
    expect(await deployment(cluster.k, ns, 'web-v2')).toMatchObject({ replicas: 2, ready: 2, image: imageOf('v2'), release: 'v2' });
    const router = switchRouter(t, candidate);
    const active = (want: Record<string, number>) =>
      servedBy(ns, 'web-active', want).then((b) => sharesOf(b, imageOf('v1'), imageOf('v2')));
    await expectVerifies(router, 0, await active({ [imageOf('v1')]: 2 })); // pinned before the new Pods came

    await call((p) => p.previewCandidate({ target: t, metadata, candidate }));
    await servedBy(ns, 'web-preview', { [imageOf('v2')]: 2 });
    await expectVerifies(router, 0, await active({ [imageOf('v1')]: 2 }));

    await call((p) => p.promoteCandidate({ target: t, metadata, candidate }));
    await expectVerifies(router, 100, await active({ [imageOf('v2')]: 2 }));
    // A check after the switch failed: straight back, while the old Deployment is still there.
    await call((p) => p.rollBack({ target: t, metadata, candidate }));
    await expectVerifies(router, 0, await active({ [imageOf('v1')]: 2 }));
    await servedBy(ns, 'web-preview', { [imageOf('v1')]: 2 });
    expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);
    await call((p) => p.rollBack({ target: t, metadata, candidate }));

    // Again, to the end this time.
    const second = await deployReady(t, 'v2', 'blueGreen');
    await call((p) => p.previewCandidate({ target: t, metadata, candidate: second }));
    await call((p) => p.promoteCandidate({ target: t, metadata, candidate: second }));
    await call((p) => p.retirePrevious({ target: t, metadata, candidate: second }));
    expect(await deploymentNames(cluster.k, ns)).toEqual(['web-v2']);
    await servedBy(ns, 'web-active', { [imageOf('v2')]: 2 });

    // The next release starts from web-v2, which the active Service's annotation names.
    const t3 = target(ns, 'v3', blueGreen);
    const third = await deployReady(t3, 'v3', 'blueGreen');
    expect(third).toMatchObject({ stableVersion: 'web-v2', candidateVersion: 'web-v3' });
    const refused = await failureOf(call((p) => p.retirePrevious({ target: t3, metadata: metadataFor('v3'), candidate: third })));
    expect(refused.message).toContain('refusing to remove web-v2');
    await call((p) => p.rollBack({ target: t3, metadata: metadataFor('v3') })); // without the candidate
    expect(await deploymentNames(cluster.k, ns)).toEqual(['web-v2']);
    await servedBy(ns, 'web-active', { [imageOf('v2')]: 2 });
  });
});

describe('Kubernetes migration Jobs', () => {
  const task = (ns: string, image: string, extra: Record<string, unknown> = {}) => ({
    type: 'kubernetes' as const,
    namespace: ns,
    image,
    command: ['migrate', 'up'],
    env: { LOG_LEVEL: 'debug' },
    secretEnv: [{ name: 'DATABASE_URL', secretName: 'db', key: 'url' }],
    timeout: '2m',
    backoffLimit: 0,
    ...extra,
  });

  it('runs a Job once per idempotency key, with env from the plan and Secrets by reference', async () => {
    const ns = await cluster.namespace('mig');
    const metadata = metadataFor('v2');
    const first = await call((p) =>
      p.runMigration({ task: task(ns, 'registry.test/migrate:1'), idempotencyKey: 'wf-1/run-1/up', metadata }),
    );
    expect(first).toMatchObject({ ran: true, output: expect.stringMatching(/^Job .*\/web-migrate-[0-9a-f]{12} completed$/) });
    const again = await call((p) =>
      p.runMigration({ task: task(ns, 'registry.test/migrate:1'), idempotencyKey: 'wf-1/run-1/up', metadata }),
    );
    expect(again).toMatchObject({ ran: false, output: expect.stringContaining('already applied') });
    const list = JSON.parse(await cluster.kubectl('-n', ns, 'get', 'jobs', '-o', 'json')).items;
    expect(list).toHaveLength(1);
    expect(list[0].spec.template.spec.containers[0].env).toEqual([
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'db', key: 'url' } } },
    ]);
  });

  it('a failing Job fails the migration with the Job condition, the exit code and what the logs say', async () => {
    const ns = await cluster.namespace('migfail');
    const failure = await failureOf(
      call((p) =>
        p.runMigration({
          task: task(ns, 'registry.test/migrate:2-exit-1', { backoffLimit: 1 }),
          idempotencyKey: 'wf-2/run-1/up',
          metadata: metadataFor('v2'),
        }),
      ),
    );
    expect(failure.type).toBe('MigrationFailed');
    expect(failure.message).toMatch(
      /migration Job .*web-migrate-[0-9a-f]{12} failed \(BackoffLimitExceeded: Job has reached the specified backoff limit\)/,
    );
    expect(failure.message).toMatch(
      joinedPattern(
        /Pod web-migrate-[0-9a-f]{12}-[a-z0-9]+: exit code 1 \(Error: simulated by KWOK stage glidepath-image-job-exit-1\); /,
        /log unavailable \(no logs found/,
      ),
    );
    // backoffLimit 1: the Job controller ran a second Pod before giving up.
    const pods = JSON.parse(await cluster.kubectl('-n', ns, 'get', 'pods', '-o', 'json')).items;
    expect(pods.map((p: { status: { phase: string } }) => p.status.phase)).toEqual(['Failed', 'Failed']);
  });
});

describe('Kubernetes access', () => {
  it('the Role of docs/kubernetes-rbac.yaml is enough: a canary and a failing migration as its ServiceAccount', async () => {
    const ns = await cluster.namespace('rbac');
    await createApp(cluster.k, ns, { replicas: 2, services: ['web-stable', 'web-canary'], route: true });
    // The documented manifests, with the ServiceAccount in the app's namespace.
    const manifests = readFileSync(path.join(__dirname, '..', '..', 'docs', 'kubernetes-rbac.yaml'), 'utf8').replace(
      /namespace: (my-app|glidepath)$/gm,
      `namespace: ${ns}`,
    );
    for (const doc of parseAllDocuments(manifests)) await cluster.k.objects.create(doc.toJS());
    const { status } = await cluster.k.core.createNamespacedServiceAccountToken({
      name: 'glidepath-worker',
      namespace: ns,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    // A kubeconfig whose current context is the admin's; the plan picks the worker's context by name.
    const server = cluster.config.getCurrentCluster()!;
    const file = path.join(os.tmpdir(), `glidepath-${ns}.kubeconfig`);
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'test', cluster: { server: server.server, 'certificate-authority': server.caFile } }],
        users: [
          { name: 'worker', user: { token: status!.token } },
          { name: 'nobody', user: { token: 'invalid' } },
        ],
        contexts: [
          { name: 'admin-ish', context: { cluster: 'test', user: 'nobody' } },
          { name: 'glidepath-worker', context: { cluster: 'test', user: 'worker', namespace: ns } },
        ],
        'current-context': 'admin-ish',
      }),
    );
    const run = caller(kubernetesPlatform(defaultKubernetesClients(), { pollIntervalMs: 250 }));
    const t = target(ns, 'v2', { ...gateway, kubeconfig: file, context: 'glidepath-worker' });
    const metadata = metadataFor('v2');

    const candidate = await run((p) => p.deployCandidate({ target: t, metadata, strategy: 'canary' }));
    await run((p) => p.waitCandidateReady({ target: t, metadata, candidate }));
    await run((p) => p.setTrafficWeight({ target: t, metadata, candidate, weight: 50 }));
    await run((p) => p.rollBack({ target: t, metadata, candidate }));
    const again = await run((p) => p.deployCandidate({ target: t, metadata, strategy: 'canary' }));
    await run((p) => p.waitCandidateReady({ target: t, metadata, candidate: again }));
    await run((p) => p.promoteCandidate({ target: t, metadata, candidate: again }));
    expect(await deployment(cluster.k, ns, 'web')).toMatchObject({ image: imageOf('v2'), ready: 2 });
    expect(await deploymentNames(cluster.k, ns)).toEqual(['web']);

    const task = {
      type: 'kubernetes' as const,
      namespace: ns,
      image: 'registry.test/migrate:3-exit-1',
      command: ['migrate'],
      timeout: '1m',
      backoffLimit: 0,
      kubeconfig: file,
      context: 'glidepath-worker',
    };
    const failure = await failureOf(run((p) => p.runMigration({ task, idempotencyKey: 'wf-rbac/up', metadata })));
    expect(failure.type).toBe('MigrationFailed');
    expect(failure.message).toMatch(/exit code 1 .*log unavailable \(no logs found/); // pods and pods/log were allowed

    // Outside the Role: another namespace is forbidden.
    const elsewhere = await failureOf(
      run((p) => p.deployCandidate({ target: { ...t, namespace: 'default' }, metadata, strategy: 'canary' })),
    );
    expect((elsewhere as unknown as { code: number }).code).toBe(403);
    rmSync(file);
  });
});
