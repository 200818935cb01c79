/**
 * HTTP checks (smoke tests, synthetic checks): GET the URL; a status other than `expectStatus` fails the
 * measurement; with `jsonPath`, the number (or boolean) at that path of the JSON body is the result.
 * A request that gets no answer is an error.
 */
import { durationMs } from '../../plan/duration';
import type { HttpProvider } from '../../plan/analysis';
import { renderTemplate } from './evaluate';
import { type ProviderIO, type Reading, request, toNumber } from './reading';

export async function measureHttp(provider: HttpProvider, variables: Record<string, string>, io: ProviderIO = {}): Promise<Reading> {
  const url = renderTemplate(provider.url, variables);
  const res = await request(url, { method: 'GET', headers: { accept: 'application/json' }, redirect: 'follow' }, durationMs(provider.timeout), io);
  const text = await res.text();
  if (res.status !== provider.expectStatus) {
    return { verdict: 'failed', value: res.status, message: `HTTP ${res.status}, expected ${provider.expectStatus}: ${text.slice(0, 200)}` };
  }
  if (provider.jsonPath === undefined) return { verdict: 'passed', value: res.status };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`the response of ${url} is not JSON, so jsonPath "${provider.jsonPath}" cannot be read: ${text.slice(0, 200)}`);
  }
  const raw = pick(body, provider.jsonPath);
  if (raw === undefined) throw new Error(`no field "${provider.jsonPath}" in the response of ${url}`);
  const value = toNumber(raw);
  if (value === undefined) throw new Error(`field "${provider.jsonPath}" is ${JSON.stringify(raw).slice(0, 100)}, not a number or boolean`);
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
