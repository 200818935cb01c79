/**
 * The worker's refusal of link-local and cloud metadata addresses, against a real HTTP server on 127.0.0.1: a
 * redirect is judged hop by hop, a name by the addresses the connection really uses (so DNS rebinding cannot
 * slip past), Prometheus addresses like HTTP checks; and a refusal says which setting the worker has, since a
 * CLI that allows these addresses lets the plan validate.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Resolve } from '../../activities/analysis/address-guard';
import { MAX_REDIRECTS } from '../../activities/analysis/guarded-request';
import { checksBeforeStart } from '../../plan/checks-before-start';
import { ALLOW_LINK_LOCAL_ENV } from '../../plan/link-local';
import { PlanSchema } from '../../plan/schema';
import { analysis, runAnalysis } from './support';

let server: Server;
let port: number;
let base: string;
const seen: string[] = [];

const METADATA = 'http://169.254.169.254/latest/meta-data/iam/security-credentials/';

function handle(req: IncomingMessage, res: ServerResponse, body: string) {
  seen.push(`${req.method} ${req.headers.host} ${req.url}`);
  const redirect = (status: number, location: string) => res.writeHead(status, { location }).end('HOP BODY: never shown');
  const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  switch (req.url) {
    case '/to-metadata':
      return redirect(302, METADATA);
    case '/to-mixed-name':
      return redirect(302, `http://imds.test:${port}/secret`);
    case '/secret':
      return json(200, { AccessKeyId: 'would-be-credentials' });
    case '/moved':
      return redirect(301, '/ok');
    case '/ok':
      return json(200, { status: 'ok' });
    case '/loop':
      return redirect(302, '/loop');
    case '/to-file':
      return redirect(302, 'file:///etc/passwd');
    case '/denied':
      return res.writeHead(503).end('maintenance until 10:00');
    case '/api/v1/query': // a Prometheus moved behind a prefix: 307 repeats the POST
      return redirect(307, '/prom/api/v1/query');
    case '/prom/api/v1/query':
      if (req.method !== 'POST' || new URLSearchParams(body).get('query') !== 'up') return json(400, { status: 'error', error: 'bad' });
      return json(200, { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [0, '1'] }] } });
    case '/to-metadata-prom/api/v1/query':
      return redirect(307, 'http://169.254.169.254:9090/api/v1/query');
    default:
      return json(404, { error: 'not found' });
  }
}

/** Names as the test's resolver answers them; `rebind.test` answers 127.0.0.1 once, then the metadata address. */
const resolved: string[] = [];
const resolve: Resolve = async (host) => {
  resolved.push(host);
  const names: Record<string, string[]> = {
    'svc.test': ['127.0.0.1'],
    'imds.test': ['127.0.0.1', '169.254.169.254'],
    metadata: ['127.0.0.1'],
    'rebind.test': resolved.filter((h) => h === 'rebind.test').length === 1 ? ['127.0.0.1'] : ['169.254.169.254'],
  };
  const addresses = names[host];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: 4 }));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(
  () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(r);
    }),
);
afterEach(() => {
  delete process.env[ALLOW_LINK_LOCAL_ENV];
  seen.length = 0;
  resolved.length = 0;
});

const check = (url: string, over: Record<string, unknown> = {}) =>
  analysis({
    name: 'smoke',
    metrics: [{ name: 'check', provider: { type: 'http', url, timeout: '5s' }, interval: '1s', consecutiveErrorLimit: 0, ...over }],
  });
const measure = async (url: string, over: Record<string, unknown> = {}) => runAnalysis({ resolve }, { analysis: check(url, over) });

describe('redirects', () => {
  it('a redirect to the metadata address is refused before it is requested; the hop body is never shown', async () => {
    const r = await measure(`${base}/to-metadata`);
    expect(r.outcome).toBe('failed');
    const message = r.measurements[0].message;
    expect(message).toContain(`refused to GET ${METADATA}: 169.254.169.254 is link-local`);
    expect(message).toContain(`${base}/to-metadata redirected here, which no plan check can see`);
    expect(message).not.toContain('HOP BODY');
    expect(r.message).toContain(`refused to GET ${METADATA}`); // the analysis's own failure message says it too
    expect(seen).toEqual([`GET 127.0.0.1:${port} /to-metadata`]);
  });

  it('a redirect to a name with any link-local address is refused: the server never gets the request', async () => {
    const r = await measure(`${base}/to-mixed-name`);
    expect(r.measurements[0].message).toContain(
      `refused to GET http://imds.test:${port}/secret: imds.test resolves to 169.254.169.254 is link-local`,
    );
    expect(seen).toEqual([`GET 127.0.0.1:${port} /to-mixed-name`]);
  });

  it('a redirect among allowed addresses is followed (a relative Location too)', async () => {
    const r = await measure(`${base}/moved`);
    expect(r.measurements[0]).toMatchObject({ outcome: 'passed', value: 200 });
    expect(seen).toEqual([`GET 127.0.0.1:${port} /moved`, `GET 127.0.0.1:${port} /ok`]);
  });

  it(`more than ${MAX_REDIRECTS} redirects, or one to another scheme, is an error`, async () => {
    const loop = await measure(`${base}/loop`);
    expect(loop.measurements[0]).toMatchObject({
      outcome: 'error',
      message: expect.stringContaining(`more than ${MAX_REDIRECTS} redirects`),
    });
    expect(seen).toHaveLength(MAX_REDIRECTS + 1);
    const file = await measure(`${base}/to-file`);
    expect(file.measurements[0].message).toContain('redirected to "file:///etc/passwd", which is not an http:// or https:// URL');
  });

  it("an allowed host's body is shown on a status mismatch", async () => {
    const r = await measure(`${base}/denied`);
    expect(r.measurements[0]).toMatchObject({ outcome: 'failed', value: 503, message: 'HTTP 503, expected 200: maintenance until 10:00' });
  });
});

describe('names', () => {
  it('a name is judged by the address the connection uses: a rebinding name is refused once it answers the metadata address', async () => {
    const r = await measure(`http://rebind.test:${port}/ok`, { count: 2 });
    expect(r.measurements.map((m) => m.outcome)).toEqual(['passed', 'error']);
    expect(r.measurements[1].message).toContain('rebind.test resolves to 169.254.169.254 is link-local');
    expect(r.measurements[1].message).toContain('The CLI judges only the addresses written in the plan');
    // One resolution per connection, and the connection used it: no second lookup to answer differently.
    expect(resolved).toEqual(['rebind.test', 'rebind.test']);
    expect(seen).toEqual([`GET rebind.test:${port} /ok`]);
  });

  it('a metadata name reached because the worker allows it answers, but its body is not shown', async () => {
    process.env[ALLOW_LINK_LOCAL_ENV] = 'true';
    const r = await measure(`http://metadata:${port}/denied`);
    expect(r.measurements[0]).toMatchObject({
      outcome: 'failed',
      value: 503,
      message: 'HTTP 503, expected 200: (not shown: metadata is a link-local or metadata address)',
    });
    expect(seen).toEqual([`GET metadata:${port} /denied`]);
  });
});

describe('when the CLI and the worker disagree', () => {
  const written = (url: string) =>
    PlanSchema.parse({
      apiVersion: 'glidepath/v1',
      metadata: { service: 'payments', environment: 'prod', release: 'v2' },
      target: { type: 'lambda', functionName: 'payments-api', alias: 'live', code: { s3Bucket: 'artifacts', s3Key: 'k.zip' } },
      strategy: { type: 'canary', steps: [{ analysis: { metrics: [{ name: 'check', provider: { type: 'http', url } }] } }] },
    });

  it.each<[string, string | undefined, string]>([
    ['unset', undefined, 'not set'],
    ['false', 'false', '"false"'],
  ])('a plan the CLI accepted with the setting fails on a worker where it is %s, and the failure says so', async (_, value, shown) => {
    const url = `http://metadata:${port}/ok`;
    expect(checksBeforeStart(written(url), { [ALLOW_LINK_LOCAL_ENV]: 'true' })).toEqual([]); // validates where the CLI runs
    if (value !== undefined) process.env[ALLOW_LINK_LOCAL_ENV] = value;
    const r = await measure(url);
    expect(r.outcome).toBe('failed');
    expect(r.message).toContain(
      `refused to GET ${url}: metadata is a cloud metadata service; ${ALLOW_LINK_LOCAL_ENV} is ${shown} on this worker`,
    );
    expect(r.message).toContain(
      `while the glidepath CLI accepts this plan only where ${ALLOW_LINK_LOCAL_ENV}=true is set: the CLI that ` +
        `started this run and this worker disagree. Set ${ALLOW_LINK_LOCAL_ENV}=true on every worker`,
    );
    expect(seen).toEqual([]);
  });
});

describe('prometheus addresses', () => {
  const query = (address: string) =>
    analysis({
      metrics: [
        { name: 'up', provider: { type: 'prometheus', address, query: 'up' }, failureCondition: 'result < 1', consecutiveErrorLimit: 0 },
      ],
    });

  it('are refused at a metadata address, directly or behind a redirect', async () => {
    const direct = await runAnalysis({ resolve }, { analysis: query('http://169.254.169.254:9090') });
    expect(direct.measurements[0].message).toContain(
      'refused to POST http://169.254.169.254:9090/api/v1/query: 169.254.169.254 is link-local',
    );
    const redirected = await runAnalysis({ resolve }, { analysis: query(`${base}/to-metadata-prom`) });
    expect(redirected.measurements[0].message).toContain(
      `refused to POST http://169.254.169.254:9090/api/v1/query: 169.254.169.254 is link-local (169.254.0.0/16, ` +
        `where cloud metadata services answer); ${ALLOW_LINK_LOCAL_ENV} is not set on this worker`,
    );
    expect(seen).toEqual([`POST 127.0.0.1:${port} /to-metadata-prom/api/v1/query`]);
  });

  it('behind an allowed 307 redirect still get the query, as a POST', async () => {
    const r = await runAnalysis({ resolve }, { analysis: query(`http://svc.test:${port}`) });
    expect(r.measurements[0]).toMatchObject({ outcome: 'passed', value: 1 });
    expect(seen).toEqual([`POST svc.test:${port} /api/v1/query`, `POST svc.test:${port} /prom/api/v1/query`]);
  });
});
