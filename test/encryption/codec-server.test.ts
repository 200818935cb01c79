/**
 * `glidepath codec-server` over real HTTP, as the Web UI calls it: a CORS preflight from the UI's origin, then
 * POST /decode with X-Namespace and base64 payloads; other origins and callers without the token are refused.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionCodec } from '../../encryption/codec';
import { payloadsFromJson, payloadsToJson } from '../../encryption/payload-json';
import { keyringOf, newKeys } from '../support/encryption';
import { freePort } from '../support/moto';

const UI = 'http://localhost:8233';
const TOKEN = 'codec-token-for-tests';
const keys = newKeys('k0', 'k1', 'k2');
let server: ChildProcess;
let base: string;
let output = '';

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const bin = path.join(__dirname, '..', '..', 'bin', 'glidepath');
  server = spawn(bin, ['codec-server', '--port', String(port), '--allowed-origin', UI], {
    env: { ...process.env, GLIDEPATH_ENCRYPTION_KEYS: `${keys.k2},${keys.k1}`, GLIDEPATH_CODEC_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (d) => (output += d));
  server.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 30_000;
  while (!output.includes('listening on')) {
    if (server.exitCode !== null || Date.now() > deadline) throw new Error(`codec server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});
afterAll(async () => {
  if (server?.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
});

/** What the UI sends: payloads as the server stored them, in JSON with base64 data and metadata. */
async function storedPayloads(keyEntries: string[], values: unknown[]) {
  const encrypted = await new EncryptionCodec(keyringOf(...keyEntries)).encode(values.map((v) => defaultPayloadConverter.toPayload(v)));
  return payloadsToJson(encrypted);
}

const plan = { service: 'payments', target: { functionName: 'payments-api', accountId: '123456789012' } };
const post = (url: string, body: unknown, headers: Record<string, string>) =>
  fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', ...headers },
  });

describe('from the Web UI origin', () => {
  it('answers the CORS preflight', async () => {
    const res = await fetch(`${base}/decode`, {
      method: 'OPTIONS',
      headers: {
        Origin: UI,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-namespace,authorization',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  });

  it('decodes with the bearer token, old and new keys alike', async () => {
    const body = {
      payloads: [
        ...(await storedPayloads([keys.k1], [plan])).payloads,
        ...(await storedPayloads([keys.k2], ['approved by alice'])).payloads,
      ],
    };
    const res = await post(`${base}/decode`, body, { Origin: UI, Authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    const decoded = payloadsFromJson(await res.json()).map((p) => defaultPayloadConverter.fromPayload(p));
    expect(decoded).toEqual([plan, 'approved by alice']);
  });

  it('decodes with the token as the endpoint path, as a UI without login is configured', async () => {
    const res = await post(`${base}/${TOKEN}/decode?preserveStorageRefs=true`, await storedPayloads([keys.k1], [plan]), { Origin: UI });
    expect(res.status).toBe(200);
    expect(payloadsFromJson(await res.json()).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([plan]);
  });

  it('encodes with the newest key (the UI sends signal and update input this way)', async () => {
    const res = await post(`${base}/encode`, payloadsToJson([defaultPayloadConverter.toPayload({ by: 'alice' })]), {
      Origin: UI,
      Authorization: `Bearer ${TOKEN}`,
    });
    expect(res.status).toBe(200);
    const encoded = payloadsFromJson(await res.json());
    expect(Buffer.from(encoded[0].metadata!['encryption-key-id']).toString()).toBe('k2');
    expect(Buffer.from(encoded[0].data!).toString()).not.toContain('alice');
    const decoded = await new EncryptionCodec(keyringOf(keys.k2)).decode(encoded);
    expect(defaultPayloadConverter.fromPayload(decoded[0])).toEqual({ by: 'alice' });
  });

  it('a payload whose key is gone reads as a text naming the key; the rest of the batch still decodes', async () => {
    const body = {
      payloads: [
        ...(await storedPayloads([keys.k1], [plan])).payloads,
        ...(await storedPayloads([keys.k0], ['approved by alice'])).payloads,
        ...(await storedPayloads([keys.k2], ['dashboards green'])).payloads,
      ],
    };
    const res = await post(`${base}/decode`, body, { Origin: UI, Authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    const decoded = payloadsFromJson(await res.json()).map((p) => defaultPayloadConverter.fromPayload(p));
    expect(decoded).toEqual([
      plan,
      'payload encrypted with key "k0", which is not configured (configured: k2, k1); add key "k0" to GLIDEPATH_ENCRYPTION_KEYS to read it',
      'dashboards green',
    ]);
    expect(JSON.stringify(decoded)).not.toContain('approved by alice');
  });
});

describe('refused', () => {
  it('another origin: no preflight, no decoding', async () => {
    const evil = 'http://evil.example';
    const preflight = await fetch(`${base}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: evil, 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const res = await post(`${base}/decode`, await storedPayloads([keys.k1], [plan]), { Origin: evil, Authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(403);
    expect(JSON.stringify(await res.json())).not.toContain('payments-api');
  });

  it.each([
    ['no token', `/decode`, {}],
    ['a wrong bearer token', `/decode`, { Authorization: 'Bearer guess' }],
    ['a wrong path token', `/guess/decode`, {}],
    ['a path token with broken percent-encoding', `/%E0%A4%A/decode`, {}],
  ])('%s', async (_, route, headers) => {
    const res = await post(`${base}${route}`, await storedPayloads([keys.k1], [plan]), { Origin: UI, ...headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI); // so the UI can show why
    expect(JSON.stringify(await res.json())).not.toContain('payments-api');
  });

  it('anything but POST /encode or /decode', async () => {
    expect((await fetch(`${base}/decode`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
    expect((await post(`${base}/other`, {}, { Authorization: `Bearer ${TOKEN}` })).status).toBe(404);
    expect((await post(`${base}/decode`, { nope: 1 }, { Authorization: `Bearer ${TOKEN}` })).status).toBe(400);
  });

  it('logs decisions without tokens or payloads', () => {
    expect(output).toContain('refused decode: no access token');
    expect(output).toContain('refused decode: malformed token in path');
    expect(output).toContain('from origin http://evil.example');
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain('payments-api');
  });
});
