/**
 * The codec server: Temporal's codec-server HTTP contract (POST /encode and /decode with
 * {"payloads": [...]}, base64 data and metadata; the Web UI adds X-Namespace and ?preserveStorageRefs=true),
 * for the Web UI and the Temporal CLI to show decrypted payloads to people allowed to see them.
 *
 * CORS is answered for the configured UI origins only (preflight included); a request from any other origin
 * is refused, and every request needs the access token (codec-server-access.ts). A payload that cannot be
 * decrypted (its key is gone) is answered with a readable text naming its key, in its place in the batch.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { UndecryptablePayloadError } from './codec';
import { checkAccess } from './codec-server-access';
import { MalformedBody, payloadsFromJson, payloadsToJson } from './payload-json';

export interface CodecServerOptions {
  codec: PayloadCodec;
  token: string;
  /** Exact origins, e.g. http://localhost:8233: the Web UI's address as the browser sees it. */
  allowedOrigins: string[];
  port?: number;
  host?: string;
  log?: (line: string) => void;
}

export interface RunningCodecServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const ALLOWED_HEADERS = 'Content-Type, X-Namespace, Authorization, Authorization-Extras';

export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  if (!options.token) throw new Error('the codec server needs an access token: set GLIDEPATH_CODEC_TOKEN');
  const origins = new Set(options.allowedOrigins.map((o) => o.replace(/\/$/, '')));
  const log = options.log ?? (() => undefined);
  const server = createServer((req, res) => {
    handle(req, res).catch((err) => reply(res, 500, { error: `codec server: ${(err as Error).message}` }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!origins.has(origin)) {
        log(`refused ${req.method} ${redact(req.url)} from origin ${origin}`);
        return reply(res, 403, { error: `origin ${origin} is not allowed` });
      }
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    const segments = new URL(req.url ?? '/', 'http://codec').pathname.split('/').filter(Boolean);
    const operation = segments.at(-1);
    if (operation !== 'encode' && operation !== 'decode') return reply(res, 404, { error: 'POST /encode or /decode' });
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'POST') return reply(res, 405, { error: 'POST /encode or /decode' });
    const access = checkAccess(options.token, { authorization: req.headers.authorization, prefix: segments.slice(0, -1) });
    if (!access.allowed) {
      log(`refused ${operation}: ${access.reason}`);
      res.setHeader('WWW-Authenticate', 'Bearer');
      return reply(res, 401, { error: access.reason });
    }
    let payloads: ReturnType<typeof payloadsFromJson>;
    try {
      payloads = payloadsFromJson(JSON.parse(await readBody(req)));
    } catch (err) {
      return reply(res, 400, { error: err instanceof MalformedBody ? err.message : `malformed JSON: ${(err as Error).message}` });
    }
    const namespace = req.headers['x-namespace'] ?? '-';
    if (operation === 'encode') {
      const result = await options.codec.encode(payloads);
      log(`encode ${payloads.length} payload(s) for namespace ${namespace}`);
      return reply(res, 200, payloadsToJson(result));
    }
    const { decoded, unreadable } = await decodeEach(options.codec, payloads);
    log(
      `decode ${payloads.length} payload(s) for namespace ${namespace}` +
        (unreadable.length ? `; ${unreadable.length} unreadable: ${[...new Set(unreadable)].join('; ')}` : ''),
    );
    reply(res, 200, payloadsToJson(decoded));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8081, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Decodes payload by payload: one whose key is gone becomes a readable JSON string saying so and naming the key,
 * and the rest of the batch still decodes. The Web UI sends a whole page of payloads at once and shows every one
 * of them encoded when the answer is an error; this way people see the data they may read and why the rest is not.
 */
async function decodeEach(codec: PayloadCodec, payloads: Payload[]): Promise<{ decoded: Payload[]; unreadable: string[] }> {
  const unreadable: string[] = [];
  const decoded = await Promise.all(
    payloads.map(async (payload) => {
      try {
        return (await codec.decode([payload]))[0];
      } catch (err) {
        if (!(err instanceof UndecryptablePayloadError)) throw err;
        unreadable.push(err.message);
        return explanation(err.message);
      }
    }),
  );
  return { decoded, unreadable };
}

/** A json/plain payload holding `message` as a JSON string, which the UI shows as it shows any value. */
function explanation(message: string): Payload {
  return { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(message)) };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** The path without a token in it, for logs. */
function redact(url = ''): string {
  return url.replace(/^\/[^/?]+(\/(en|de)code)/, '/…$1');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new MalformedBody(`body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
