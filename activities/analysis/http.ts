/**
 * HTTP checks (smoke tests, synthetic checks): GET the URL; a status other than `expectStatus` fails the
 * measurement; with `jsonPath`, the number (or boolean) at that path of the JSON body is the result.
 * A request that gets no answer is an error.
 */
import { lookup } from 'node:dns/promises';
import { durationMs } from '../../plan/duration';
import { ALLOW_LINK_LOCAL_ENV, linkLocalAddressProblem, linkLocalAllowed, linkLocalUrlProblem } from '../../plan/link-local';
import type { HttpProvider } from '../../plan/analysis';
import { renderTemplate } from './evaluate';
import { type ProviderIO, type Reading, request, toNumber } from './reading';

export async function measureHttp(provider: HttpProvider, variables: Record<string, string>, io: ProviderIO = {}): Promise<Reading> {
  const url = renderTemplate(provider.url, variables);
  await refuseLinkLocal(url);
  const res = await request(
    url,
    { method: 'GET', headers: { accept: 'application/json' }, redirect: 'follow' },
    durationMs(provider.timeout),
    io,
  );
  const text = await res.text();
  if (res.status !== provider.expectStatus) {
    return {
      verdict: 'failed',
      value: res.status,
      message: `HTTP ${res.status}, expected ${provider.expectStatus}: ${text.slice(0, 200)}`,
    };
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

/** A check must not read the worker's cloud metadata (its credentials), by address or by a name resolving there. */
async function refuseLinkLocal(url: string): Promise<void> {
  if (linkLocalAllowed(process.env)) return;
  let problem = linkLocalUrlProblem(url);
  if (!problem) {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    const addresses = await lookup(host, { all: true }).catch(() => []);
    problem = addresses.map((a) => linkLocalAddressProblem(a.address)).find(Boolean);
    if (problem) problem = `${host} resolves to ${problem}`;
  }
  if (problem)
    throw new Error(`refused to GET ${url}: ${problem}; set ${ALLOW_LINK_LOCAL_ENV}=true on the worker if this check is intended`);
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
