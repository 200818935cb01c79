/**
 * One place that turns platform errors into what Temporal should do with them: retry (throttling, 5xx,
 * timeouts, lost connections) or stop at once with a named type (the plan or the platform must change first).
 */
import { ApplicationFailure } from '@temporalio/common';

const NOT_FOUND = /NotFound|NoSuch|ResourceNotFound|ServiceNotFound|TargetGroupNotFound|ClusterNotFound/;
const ACCESS_DENIED = /AccessDenied|Unauthorized|Forbidden|UnrecognizedClient|InvalidClientTokenId|ExpiredToken/;
const INVALID = /Validation|InvalidParameter|InvalidRequest|ClientException/;

interface PlatformError {
  name?: string;
  body?: unknown;
  headers?: unknown;
  message?: string;
  statusCode?: number;
  code?: number | string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

export function classify(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  const e = (err ?? {}) as PlatformError;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode ?? e.statusCode ?? (typeof e.code === 'number' ? e.code : undefined);
  const kube = kubernetesApiError(e);
  if (kube) return classifyKubernetes(kube);
  const message = e.message ?? String(err);
  if (status === 429 || (status !== undefined && status >= 500) || e.$retryable || /Throttl|TooManyRequests/.test(name)) return err;
  if (status === 404 || NOT_FOUND.test(name)) return ApplicationFailure.nonRetryable(message, 'NotFound');
  if (status === 401 || status === 403 || ACCESS_DENIED.test(name)) return ApplicationFailure.nonRetryable(message, 'AccessDenied');
  if (status === 400 || status === 422 || INVALID.test(name)) return ApplicationFailure.nonRetryable(message, 'InvalidPlan');
  if (status === 409) return ApplicationFailure.retryable(message, 'Conflict');
  return err;
}

// ---- Kubernetes ----------------------------------------------------------------------------------------------

interface KubernetesApiError {
  code: number;
  /** The API's Status reason, e.g. "NotFound", "Conflict", "AlreadyExists", "Invalid", "Forbidden". */
  reason?: string;
  message: string;
}

/**
 * @kubernetes/client-node throws `ApiException` with `.code` (HTTP status) and `.body` (the API's Status object,
 * as JSON text); its own message also carries every response header, so the Status message is used instead.
 */
function kubernetesApiError(e: PlatformError): KubernetesApiError | undefined {
  if (typeof e.code !== 'number' || e.body === undefined || e.headers === undefined) return undefined;
  let body = e.body;
  if (typeof e.body === 'string') {
    try {
      body = JSON.parse(e.body);
    } catch {
      return { code: e.code, message: `Kubernetes API ${e.code}: ${e.body.slice(0, 500)}` };
    }
  }
  const status = (body ?? {}) as { kind?: string; reason?: string; message?: string };
  const text = status.message ?? (e.code === 401 ? 'Unauthorized' : `HTTP ${e.code}`);
  return { code: e.code, reason: status.reason, message: `Kubernetes API ${e.code}${status.reason ? ` ${status.reason}` : ''}: ${text}` };
}

/** 404 not found; 409 conflicts (a concurrent write, an object being deleted) retry; 422 invalid; 429/5xx retry. */
function classifyKubernetes(k: KubernetesApiError): unknown {
  if (k.code === 404) return ApplicationFailure.nonRetryable(k.message, 'NotFound');
  if (k.code === 401 || k.code === 403) return ApplicationFailure.nonRetryable(k.message, 'AccessDenied');
  if (k.code === 400 || k.code === 422) return ApplicationFailure.nonRetryable(k.message, 'InvalidPlan');
  if (k.code === 409) return ApplicationFailure.retryable(k.message, 'Conflict');
  return ApplicationFailure.retryable(k.message, k.code === 429 ? 'Throttled' : 'KubernetesApi'); // 429, 5xx, 410 Gone, ...
}

/** Wraps every function of an object so that its errors pass through `classify`. */
export function classifyErrors<T extends Record<string, (...args: never[]) => Promise<unknown>>>(fns: T): T {
  return Object.fromEntries(
    Object.entries(fns).map(([name, fn]) => [
      name,
      async (...args: never[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          throw classify(err);
        }
      },
    ]),
  ) as T;
}
