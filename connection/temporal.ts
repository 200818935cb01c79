/**
 * Where Temporal is: the standard environment configuration (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE and the temporal.toml profile file), as the Temporal
 * CLI reads it. Defaults to a local dev server on localhost:7233, namespace "default".
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';

export const TASK_QUEUE = process.env.GLIDEPATH_TASK_QUEUE ?? 'glidepath';

export function temporalConfig() {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  return {
    connectionOptions: { ...connectionOptions, address: connectionOptions.address ?? 'localhost:7233' },
    namespace: namespace ?? 'default',
  };
}

/** The Web UI page of a run, when TEMPORAL_UI_URL (default http://localhost:8233) says where the UI is. */
export function webUiLink(workflowId: string, namespace = temporalConfig().namespace): string {
  const base = (process.env.TEMPORAL_UI_URL ?? 'http://localhost:8233').replace(/\/$/, '');
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
