/**
 * A webhook receiver as a team would write one, on a real local HTTP server: it checks the HMAC-SHA256 of the raw
 * body against `X-Glidepath-Signature` (401 when it does not match) and keeps each delivery once by its
 * `X-Glidepath-Delivery` ID. `answer` can fail a delivery after keeping it (the sender retries: a duplicate), and
 * `hang` holds every request open without answering, as a stuck receiver does. `port` starts it where deliveries
 * already fail to connect: a receiver that comes up after being down.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { WebhookBody } from '../../activities/notify-message';

export interface Receiver {
  url: string;
  /** Deliveries kept, one per ID, in arrival order. */
  kept: Array<{ id: string; body: WebhookBody & { text?: string; blocks?: unknown[] }; headers: IncomingMessage['headers'] }>;
  /** IDs that arrived again after they were kept (and were dropped). */
  duplicates: string[];
  badSignatures: number;
  /** Requests held open right now (hang mode). */
  open(): number;
  received(): number;
  /** Resolves once a kept delivery matches. */
  waitFor(predicate: (body: WebhookBody) => boolean, timeoutMs?: number): Promise<WebhookBody>;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  /** The HMAC key; none: the receiver takes unsigned messages (Slack). */
  secret?: string;
  hang?: boolean;
  /** The status to answer a delivery with after keeping it (default 200). */
  answer?: (body: WebhookBody, firstTime: boolean) => number;
  /** Default: any free port. */
  port?: number;
}

function signed(secret: string, raw: Buffer, header: string | string[] | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
  const got = Buffer.from(typeof header === 'string' ? header : '');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const receiver: Omit<Receiver, 'url' | 'close' | 'waitFor' | 'open' | 'received'> = { kept: [], duplicates: [], badSignatures: 0 };
  const held = new Set<ServerResponse>();
  let received = 0;
  const server = createServer((req, res) => {
    received++;
    if (options.hang) {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (options.secret !== undefined && !signed(options.secret, raw, req.headers['x-glidepath-signature'])) {
        receiver.badSignatures++;
        res.writeHead(401).end('bad signature');
        return;
      }
      const body = JSON.parse(raw.toString('utf8'));
      const id = String(req.headers['x-glidepath-delivery']);
      const firstTime = !receiver.kept.some((k) => k.id === id);
      if (firstTime) receiver.kept.push({ id, body, headers: req.headers });
      else receiver.duplicates.push(id);
      res.writeHead(options.answer?.(body, firstTime) ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks/glidepath`,
    open: () => held.size,
    received: () => received,
    waitFor: async (predicate: (body: WebhookBody) => boolean, timeoutMs = 60_000) => {
      for (const deadline = Date.now() + timeoutMs; ; ) {
        const found = receiver.kept.find((k) => predicate(k.body));
        if (found) return found.body;
        if (Date.now() > deadline) throw new Error(`no such delivery; kept: ${JSON.stringify(receiver.kept.map((k) => k.body.event))}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  });
}
