/**
 * HTTP checks (smoke tests, synthetic checks): GET the URL; a status other than `expectStatus` fails the
 * measurement; with `jsonPath`, the number (or boolean) at that path of the JSON body is the result.
 * A request that gets no answer is an error. Requests go through guarded-request.ts: no link-local or cloud
 * metadata address, however it is reached, unless the worker allows it.
 */
import { durationMs } from '../../plan/duration';
import type { HttpProvider } from '../../plan/analysis';
import { renderTemplate } from './evaluate';
import { guardedRequest } from './guarded-request';
import { type ProviderIO, type Reading, toNumber } from './reading';

export async function measureHttp(provider: HttpProvider, variables: Record<string, string>, io: ProviderIO = {}): Promise<Reading> {
  const url = renderTemplate(provider.url, variables);
  const res = await guardedRequest(
    url,
    { method: 'GET', headers: { accept: 'application/json' }, planUrl: provider.url, timeoutMs: durationMs(provider.timeout) },
    io,
  );
  if (res.status !== provider.expectStatus) {
    return {
      verdict: 'failed',
      value: res.status,
      message: `HTTP ${res.status}, expected ${provider.expectStatus}: ${res.shown(res.text)}`,
    };
  }
  if (provider.jsonPath === undefined) return { verdict: 'passed', value: res.status };
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    throw new Error(`the response of ${url} is not JSON, so jsonPath "${provider.jsonPath}" cannot be read: ${res.shown(res.text)}`);
  }
  const raw = pick(body, provider.jsonPath);
  if (raw === undefined) throw new Error(`no field "${provider.jsonPath}" in the response of ${url}`);
  const value = toNumber(raw);
  if (value === undefined)
    throw new Error(`field "${provider.jsonPath}" is ${res.shown(JSON.stringify(raw), 100)}, not a number or boolean`);
  return { value };
}

/** `checks.errorRate`, `items[0].value`. */
export function pick(body: unknown, path: string): unknown {
  let node = body;
  for (const part of path.split('.')) {
    const [, key, indexes] = /^([^[]+)((?:\[\d+\])*)$/.exec(part) ?? [];
    if (key === undefined || node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
    for (const [, index] of (indexes ?? '').matchAll(/\[(\d+)\]/g)) {
      if (!Array.isArray(node)) return undefined;
      node = node[Number(index)];
    }
  }
  return node;
}
