/**
 * The real Kubernetes control plane of scripts/kube-cluster.sh (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler; KWOK plays the kubelets of two nodes), started once per test process and reused while it runs,
 * with the Gateway API CRDs and Glidepath's test Stages applied. Each test gets a namespace of its own, an app
 * in it as a user would create it, and readers for what the cluster does: Deployments, Service selectors and
 * EndpointSlices (which Pods a Service really sends traffic to), HTTPRoute weights, Jobs.
 *
 * Simulated by KWOK: the kubelet (Pods turn Running and Ready at once; Job Pods exit 0) and, per image tag
 * (test/fixtures/kube/stages/glidepath-image-behaviours.yaml), Pods that never turn Ready, Job Pods that exit 1,
 * and Job Pods that run 12s. Everything else (Deployment and ReplicaSet rollouts, progress deadlines, the Job
 * controller's backoff, scheduling, EndpointSlices, admission and CRD validation) is the real control plane.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  KubeConfig,
  type KubernetesObject,
  type V1Deployment,
  type V1Job,
  type V1ReplicaSet,
  type V1Service,
} from '@kubernetes/client-node';
import { type ClusterClients, clientsFor, fixedKubernetesClients } from '../../activities/kubernetes/clients';
import type { KubeContext } from '../../activities/kubernetes/context';
import { kubernetesPlatform } from '../../activities/kubernetes/kubernetes-platform';
import { list, read, routeRef } from '../../activities/kubernetes/objects';
import type { HTTPRoute } from '../../activities/kubernetes/traffic';
import type { Platform } from '../../activities/types';
import type { Metadata } from '../../plan/schema';
import type { KubernetesTarget } from '../../plan/targets';
import { eventually } from './eventually';
import { useForFile } from './file-scoped';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'kube');

export interface KubeCluster {
  kubeconfig: string;
  config: KubeConfig;
  k: ClusterClients;
  kubectl(...args: string[]): Promise<string>;
}

/**
 * For the beforeAll that starts the cluster: seconds when the binaries are cached (scripts/test.sh builds them
 * first), but a cold build of the control plane from source (scripts/kube-tools.sh) takes minutes.
 */
export const CLUSTER_START_TIMEOUT = 20 * 60_000;

let started: Promise<KubeCluster> | undefined;

/** Starts (or finds running) the test cluster; one promise per test process. */
export function kubeCluster(): Promise<KubeCluster> {
  started ??= start();
  return started;
}

async function start(): Promise<KubeCluster> {
  const t0 = Date.now();
  const up = await run(path.join(ROOT, 'scripts', 'kube-cluster.sh'), ['up'], { maxBuffer: 64 << 20 });
  const kubeconfig = up.stdout.trim().split('\n').pop()!;
  const bin = (await run(path.join(ROOT, 'scripts', 'kube-tools.sh'), ['--cached-only'])).stdout.trim().split('\n').pop()!;
  const kubectl = async (...args: string[]) =>
    (await run(path.join(bin, 'kubectl'), ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 64 << 20 })).stdout;
  await kubectl('apply', '--server-side', '--field-manager', 'glidepath-tests', '-f', path.join(FIXTURES, 'gateway-api-crds.yaml'));
  await kubectl(
    'apply',
    '--server-side',
    '--field-manager',
    'glidepath-tests',
    '-f',
    path.join(FIXTURES, 'stages', 'glidepath-image-behaviours.yaml'),
  );
  await kubectl('wait', '--for', 'condition=Established', '--timeout', '60s', 'crd/httproutes.gateway.networking.k8s.io');
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  if (process.env.GLIDEPATH_TEST_LOG_LEVEL === 'debug') console.error(`kube cluster ready in ${Date.now() - t0}ms: ${kubeconfig}`);
  return { kubeconfig, config, k: clientsFor(config), kubectl };
}

/** A fresh namespace (removed again by `dropNamespace`). */
export async function createNamespace(k: ClusterClients, prefix: string): Promise<string> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  await k.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  // Pods need the namespace's default ServiceAccount, which a controller creates.
  await eventually(
    async () => (await read(k, { apiVersion: 'v1', kind: 'ServiceAccount', namespace: name, name: 'default' })) !== undefined,
    (ok) => ok,
    'default ServiceAccount',
  );
  return name;
}

export async function dropNamespace(k: ClusterClients, name: string): Promise<void> {
  await k.objects.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).catch(() => undefined);
}

/** The test cluster as a test file holds it, with namespaces of its own that are dropped after the file's tests. */
export interface TestCluster extends KubeCluster {
  /** `createNamespace` on this cluster. */
  namespace(prefix: string): Promise<string>;
}

/**
 * For a test file's top level: the test cluster, started (or found running) before the file's tests, and the
 * namespaces made by its `namespace` dropped after them.
 */
export function useKubeCluster(): TestCluster {
  const made: string[] = [];
  return useForFile(
    async () => {
      const cluster = await kubeCluster();
      const namespace = async (prefix: string) => {
        const ns = await createNamespace(cluster.k, prefix);
        made.push(ns);
        return ns;
      };
      return { ...cluster, namespace };
    },
    ({ k }) => Promise.all(made.map((n) => dropNamespace(k, n))),
    CLUSTER_START_TIMEOUT,
  );
}

/** The Kubernetes platform as a worker builds it, on the test cluster. */
export const kubePlatformOn = (cluster: KubeCluster): Platform =>
  kubernetesPlatform(fixedKubernetesClients(cluster.config), { pollIntervalMs: 250 });

/** What the platform's workloads work with on the test cluster (as `kubePlatformOn` sets them up), to build their routers. */
export const kubeContextOn =
  (cluster: KubeCluster) =>
  (target: KubernetesTarget): KubeContext => ({ cluster: cluster.k, target, intervalMs: 250, sliceMs: 90_000 });

export const imageOf = (release: string) => `registry.test/web:${release}`;
export const metadataFor = (release: string, service = 'web'): Metadata => ({ service, environment: 'test', release });

export interface AppOptions {
  replicas?: number;
  /** Services that select the app's Pods (`app: web`), as the user created them. */
  services?: string[];
  /** An HTTPRoute `web` sending all traffic to the first Service. */
  route?: boolean;
}

/** The app as its owners run it before Glidepath: Deployment `web` (image `:v1`), Services selecting `app: web`. */
export async function createApp(
  k: ClusterClients,
  namespace: string,
  { replicas = 4, services = ['web'], route = false }: AppOptions = {},
): Promise<void> {
  const create = (o: KubernetesObject) => k.objects.create(o, undefined, undefined, 'kubectl-create');
  await create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace, labels: { app: 'web' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web', tier: 'frontend' } },
        spec: {
          containers: [
            { name: 'web', image: imageOf('v1'), ports: [{ containerPort: 8080 }] },
            { name: 'proxy', image: 'registry.test/proxy:1' },
          ],
        },
      },
    },
  } as V1Deployment);
  for (const name of services) {
    await create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    } as V1Service);
  }
  if (route) {
    await create({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web', namespace },
      spec: {
        parentRefs: [{ name: 'public' }],
        hostnames: ['web.example.test'],
        rules: [
          { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: services[0], port: 80 }] },
          { matches: [{ path: { type: 'PathPrefix', value: '/admin' } }], backendRefs: [{ name: 'admin', port: 80 }] },
        ],
      },
    } as KubernetesObject);
  }
  await eventually(
    () => deployment(k, namespace, 'web'),
    (d) => d?.ready === replicas,
    'web ready',
  );
}

export interface DeploymentView {
  replicas: number;
  ready: number;
  image: string;
  release?: string;
  track?: string;
}

export async function deployment(k: ClusterClients, namespace: string, name: string): Promise<DeploymentView | undefined> {
  const d = await read<V1Deployment>(k, { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
  if (!d) return undefined;
  const labels = d.spec?.template?.metadata?.labels ?? {};
  return {
    replicas: d.spec?.replicas ?? 1,
    ready: d.status?.readyReplicas ?? 0,
    image: d.spec?.template?.spec?.containers?.find((c) => c.name === 'web')?.image ?? '',
    release: labels['glidepath/release'],
    track: labels['glidepath/track'],
  };
}

/** Names of the namespace's Deployments. */
export async function deploymentNames(k: ClusterClients, namespace: string): Promise<string[]> {
  return (await list<V1Deployment>(k, 'apps/v1', 'Deployment', namespace)).map((d) => d.metadata!.name!).sort();
}

export async function selectorOf(k: ClusterClients, namespace: string, service: string): Promise<Record<string, string>> {
  return (await read<V1Service>(k, { apiVersion: 'v1', kind: 'Service', namespace, name: service }))?.spec?.selector ?? {};
}

interface EndpointSlice extends KubernetesObject {
  endpoints?: { conditions?: { ready?: boolean }; targetRef?: { kind?: string; name?: string } }[];
}

/**
 * Where a Service sends traffic, as the EndpointSlice controller resolved its selector: ready endpoints counted
 * by the image their Pod runs in container "web".
 */
export async function backends(k: ClusterClients, namespace: string, service: string): Promise<Record<string, number>> {
  const slices = await list<EndpointSlice>(k, 'discovery.k8s.io/v1', 'EndpointSlice', namespace, `kubernetes.io/service-name=${service}`);
  const pods = new Map(
    (await list<KubernetesObject & { spec?: { containers?: { name: string; image?: string }[] } }>(k, 'v1', 'Pod', namespace)).map((p) => [
      p.metadata!.name!,
      p,
    ]),
  );
  const counts: Record<string, number> = {};
  for (const e of slices.flatMap((s) => s.endpoints ?? [])) {
    if (!e.conditions?.ready || e.targetRef?.kind !== 'Pod') continue;
    const image = pods.get(e.targetRef.name!)?.spec?.containers?.find((c) => c.name === 'web')?.image ?? '?';
    counts[image] = (counts[image] ?? 0) + 1;
  }
  return counts;
}

/** Where the Service sends traffic (as `backends` counts it), once the EndpointSlice controller has caught up with `want`. */
export async function waitForBackends(
  k: ClusterClients,
  namespace: string,
  service: string,
  want: Record<string, number>,
): Promise<Record<string, number>> {
  const sorted = (o: Record<string, number>) => JSON.stringify(Object.fromEntries(Object.entries(o).sort()));
  return eventually(
    () => backends(k, namespace, service),
    (b) => sorted(b) === sorted(want),
    `${service} backends ${JSON.stringify(want)}`,
  );
}

/** The backendRefs of the HTTPRoute's first rule, as { service: weight }, and the rules' count. */
export async function routeBackends(k: ClusterClients, namespace: string, name = 'web'): Promise<Record<string, number>> {
  const route = await read<HTTPRoute & KubernetesObject>(k, routeRef(namespace, name));
  return Object.fromEntries((route?.spec?.rules?.[0]?.backendRefs ?? []).map((b) => [b.name, b.weight ?? 1]));
}

export async function jobs(k: ClusterClients, namespace: string): Promise<V1Job[]> {
  return list<V1Job>(k, 'batch/v1', 'Job', namespace);
}

/** The namespace's one Job, once the migration created it. */
export async function waitForMigrationJob(k: ClusterClients, namespace: string): Promise<V1Job> {
  const [job] = await eventually(
    () => jobs(k, namespace),
    (j) => j.length === 1,
    'migration Job created',
  );
  return job;
}

/** The images of every ReplicaSet the Deployment owns, sorted: one per pod template it ever ran. */
export async function replicaSetImages(k: ClusterClients, namespace: string, deployment = 'web'): Promise<(string | undefined)[]> {
  return (await list<V1ReplicaSet>(k, 'apps/v1', 'ReplicaSet', namespace))
    .filter((rs) => rs.metadata?.ownerReferences?.[0]?.name === deployment)
    .map((rs) => rs.spec?.template?.spec?.containers[0].image)
    .sort();
}

export { eventually } from './eventually';
