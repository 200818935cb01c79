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
  const message = e.message ?? String(err);
  if (status === 429 || (status !== undefined && status >= 500) || e.$retryable || /Throttl|TooManyRequests/.test(name)) return err;
  if (status === 404 || NOT_FOUND.test(name)) return ApplicationFailure.nonRetryable(message, 'NotFound');
  if (status === 401 || status === 403 || ACCESS_DENIED.test(name)) return ApplicationFailure.nonRetryable(message, 'AccessDenied');
  if (status === 400 || status === 422 || INVALID.test(name)) return ApplicationFailure.nonRetryable(message, 'InvalidPlan');
  if (status === 409) return ApplicationFailure.retryable(message, 'Conflict');
  return err;
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
