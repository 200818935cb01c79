/** HTTP checks against a local server: expected status, a JSON field against a condition, and what is an error. */
import { type Server, createServer } from 'node:http';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/moto';
import { analysis, runAnalysis } from './support';

let server: Server;
let base: string;
let status = 200;
let closed: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const json = (code: number, body: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/services/payments/health') return json(status, { status: 'ok' });
    if (req.url === '/checks') return json(200, { checks: { errorRate: 0.002, ready: true }, items: [{ latencyMs: 180 }] });
    if (req.url === '/text') return res.writeHead(200).end('fine');
    if (req.url === '/slow') return setTimeout(() => json(200, {}), 3_000);
    json(404, { error: 'not found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  closed = `http://127.0.0.1:${await freePort()}/health`; // a port just closed: nothing listens there
});
afterAll(
  () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(r);
    }),
);

const check = (provider: Record<string, unknown>, over: Record<string, unknown> = {}) =>
  analysis({ name: 'smoke', metrics: [{ name: 'check', provider: { type: 'http', ...provider }, interval: '1s', ...over }] });

describe('http check', () => {
  it('the expected status passes; the URL gets the plan variables', async () => {
    const r = await runAnalysis({}, { analysis: check({ url: `${base}/services/{{service}}/health` }, { count: 2 }) });
    expect(r.outcome).toBe('passed');
    expect(r.measurements.map((m) => [m.outcome, m.value])).toEqual([
      ['passed', 200],
      ['passed', 200],
    ]);
    expect(seen).toContain('/services/payments/health');
  });

  it('another status fails the measurement', async () => {
    status = 503;
    try {
      const r = await runAnalysis({}, { analysis: check({ url: `${base}/services/{{service}}/health` }) });
      expect(r.outcome).toBe('failed');
      expect(r.measurements[0]).toMatchObject({
        outcome: 'failed',
        value: 503,
        message: expect.stringContaining('HTTP 503, expected 200'),
      });
    } finally {
      status = 200;
    }
  });

  it.each<[string, string, string, string, number]>([
    ['a JSON number within the condition passes', 'checks.errorRate', 'result > 0.01', 'passed', 0.002],
    ['a JSON number past the condition fails', 'items[0].latencyMs', 'result > 100', 'failed', 180],
    ['a boolean counts as 1 / 0', 'checks.ready', 'result == 0', 'passed', 1],
  ])('%s', async (_, jsonPath, failureCondition, outcome, value) => {
    const r = await runAnalysis({}, { analysis: check({ url: `${base}/checks`, jsonPath }, { failureCondition }) });
    expect(r.measurements[0]).toMatchObject({ outcome, value });
    expect(r.outcome).toBe(outcome);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a missing field', { url: '/checks', jsonPath: 'checks.p99' }, /no field "checks.p99"/],
    ['a body that is not JSON', { url: '/text', jsonPath: 'a' }, /is not JSON/],
    ['no answer in time', { url: '/slow', timeout: '300ms' }, /no answer within 0.3s/],
    ['nothing listening', { url: 'closed' }, /ECONNREFUSED/],
  ])('%s is an error, and errors past the limit fail', async (_, provider, message) => {
    const url = provider.url === 'closed' ? closed : `${base}${provider.url}`;
    const conditions = provider.jsonPath ? { failureCondition: 'result > 1' } : {};
    const r = await runAnalysis({}, { analysis: check({ ...provider, url }, { consecutiveErrorLimit: 1, ...conditions }) });
    expect(r.outcome).toBe('failed');
    expect(r.measurements.map((m) => m.outcome)).toEqual(['error', 'error']);
    expect(r.measurements[0].message).toMatch(message);
  });

  it('a retried attempt continues from its last heartbeat: earlier measurements are kept, not taken again', async () => {
    const a = check({ url: `${base}/services/{{service}}/health` }, { count: 4, interval: '1s' });
    const first = new MockActivityEnvironment();
    let last: unknown;
    first.on('heartbeat', (d: { measurements: unknown[] }) => {
      last = d;
      if (d.measurements.length >= 2) first.cancel(); // the worker is lost after two measurements
    });
    await expect(runAnalysis({}, { analysis: a }, first)).rejects.toThrow();
    const before = (last as { measurements: unknown[] }).measurements.length;
    expect(before).toBeGreaterThanOrEqual(2);
    const retry = new MockActivityEnvironment({ heartbeatDetails: last, attempt: 2 });
    const requestsBefore = seen.length;
    const r = await runAnalysis({}, { analysis: a }, retry);
    expect(r.outcome).toBe('passed');
    expect(r.measurements).toHaveLength(4);
    expect(seen.length - requestsBefore).toBe(4 - before); // only the missing measurements were taken
  });
});
