/**
 * Connections to Kubernetes API servers: one per kubeconfig file and context named by a plan, else the worker's
 * own (KUBECONFIG, ~/.kube/config, or the in-cluster service account). Tests pass a KubeConfig of their cluster.
 *
 * @kubernetes/client-node 2.x is an ES module; this CommonJS project loads it with `require`, which Node
 * supports for ES modules without top-level await (Node 22 and later, the engines floor of this package).
 */
import { ApplicationFailure } from '@temporalio/common';
import { CoreV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';

/** One cluster's API clients (KubernetesClients makes them for a target's connection). */
export interface ClusterClients {
  config: KubeConfig;
  /** Any object by apiVersion and kind: reads, server-side apply, patches, deletes, lists. */
  objects: KubernetesObjectApi;
  /** Pod logs. */
  core: CoreV1Api;
}

/** Where a target or migration says to connect. */
export interface KubeConnection {
  kubeconfig?: string;
  context?: string;
}

export type KubernetesClients = (connection: KubeConnection) => ClusterClients;

export function clientsFor(config: KubeConfig): ClusterClients {
  return { config, objects: KubernetesObjectApi.makeApiClient(config), core: config.makeApiClient(CoreV1Api) };
}

/** Loads the plan's kubeconfig and context, or the worker's default; one set of clients per pair. */
export function defaultKubernetesClients(): KubernetesClients {
  const cache = new Map<string, ClusterClients>();
  return (connection) => {
    const key = `${connection.kubeconfig ?? ''}\u0000${connection.context ?? ''}`;
    let clients = cache.get(key);
    if (!clients) {
      clients = clientsFor(loadConfig(connection));
      cache.set(key, clients);
    }
    return clients;
  };
}

/** The same cluster for every plan (tests): a plan's `context`, if any, still selects one of its contexts. */
export function fixedKubernetesClients(config: KubeConfig): KubernetesClients {
  const base = clientsFor(config);
  return ({ context }) => {
    if (!context || context === config.getCurrentContext()) return base;
    const other = new KubeConfig();
    other.loadFromString(config.exportConfig());
    useContext(other, context, 'the worker kubeconfig');
    return clientsFor(other);
  };
}

function loadConfig({ kubeconfig, context }: KubeConnection): KubeConfig {
  const config = new KubeConfig();
  try {
    if (kubeconfig) config.loadFromFile(kubeconfig);
    else config.loadFromDefault(); // KUBECONFIG, ~/.kube/config, then the in-cluster service account
  } catch (err) {
    throw ApplicationFailure.nonRetryable(
      `cannot load kubeconfig ${kubeconfig ?? '(worker default)'}: ${(err as Error).message}`,
      'InvalidPlan',
    );
  }
  if (context) useContext(config, context, kubeconfig ?? 'the worker kubeconfig');
  if (!config.getCurrentCluster()) {
    throw ApplicationFailure.nonRetryable(
      `kubeconfig ${kubeconfig ?? '(worker default)'} names no cluster for its current context`,
      'InvalidPlan',
    );
  }
  return config;
}

function useContext(config: KubeConfig, context: string, where: string): void {
  if (!config.getContextObject(context)) {
    const known = config.getContexts().map((c) => c.name);
    throw ApplicationFailure.nonRetryable(`context "${context}" is not in ${where}; it has: ${known.join(', ') || 'none'}`, 'InvalidPlan');
  }
  config.setCurrentContext(context);
}
