/**
 * Prometheus: a PromQL instant query over the HTTP API (`/api/v1/query`); its one number is the result. The
 * address gets the same refusal of link-local and metadata addresses as HTTP checks (guarded-request.ts).
 */
import { durationMs } from '../../plan/duration';
import type { PrometheusProvider } from '../../plan/analysis';
import { renderTemplate } from './evaluate';
import { guardedRequest } from './guarded-request';
import { type ProviderIO, type Reading, toNumber } from './reading';

interface PromSample {
  metric?: Record<string, string>;
  value?: [number, string];
}

interface PromResponse {
  status?: 'success' | 'error';
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: PromSample[] | [number, string] };
}

export async function measurePrometheus(
  provider: PrometheusProvider,
  variables: Record<string, string>,
  io: ProviderIO = {},
): Promise<Reading> {
  const query = renderTemplate(provider.query, variables);
  const url = `${renderTemplate(provider.address, variables).replace(/\/+$/, '')}/api/v1/query`;
  const res = await guardedRequest(
    url,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ query }).toString(),
      planUrl: provider.address,
      timeoutMs: durationMs(provider.timeout),
    },
    io,
  );
  let body: PromResponse;
  try {
    body = JSON.parse(res.text) as PromResponse;
  } catch {
    throw new Error(`Prometheus at ${url} answered ${res.status} with something that is not JSON: ${res.shown(res.text)}`);
  }
  if (!res.ok || body.status !== 'success') {
    throw new Error(
      `Prometheus rejected the query (${res.status}${body.errorType ? ` ${body.errorType}` : ''}): ${res.shown(body.error ?? res.text)}`,
    );
  }
  const { resultType, result } = body.data ?? {};
  let raw: string | undefined;
  if (resultType === 'scalar') {
    raw = (result as [number, string])[1];
  } else if (resultType === 'vector') {
    const samples = (result ?? []) as PromSample[];
    if (samples.length === 0)
      throw new Error('no data: the query returned no series (is the metric missing, or the label selector wrong?)');
    if (samples.length > 1) {
      const labels = samples.slice(0, 3).map((s) => JSON.stringify(s.metric ?? {}));
      throw new Error(`the query returned ${samples.length} series (${labels.join(', ')}…); aggregate it to one, e.g. with sum(...)`);
    }
    raw = samples[0].value?.[1];
  } else {
    throw new Error(`the query returned a ${resultType ?? 'missing'} result; use an instant query that yields one number`);
  }
  const value = toNumber(raw);
  if (value === undefined || Number.isNaN(value)) {
    throw new Error(`no data: the query returned ${raw ?? 'nothing'} (no traffic in the window?)`);
  }
  return { value };
}
