/** Payloads as the codec-server contract carries them: JSON with base64 `data` and base64 metadata values. */
import type { Payload } from '@temporalio/common';

export interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

export class MalformedBody extends Error {}

export function payloadsFromJson(body: unknown): Payload[] {
  const payloads = (body as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(payloads)) throw new MalformedBody('expected a JSON body {"payloads": [...]}');
  return payloads.map((p: JsonPayload, i) => {
    if (typeof p !== 'object' || p === null) throw new MalformedBody(`payloads[${i}] is not an object`);
    const metadata: Record<string, Uint8Array> = {};
    for (const [key, value] of Object.entries(p.metadata ?? {})) {
      if (typeof value !== 'string') throw new MalformedBody(`payloads[${i}].metadata.${key} is not base64 text`);
      metadata[key] = Buffer.from(value, 'base64');
    }
    if (p.data != null && typeof p.data !== 'string') throw new MalformedBody(`payloads[${i}].data is not base64 text`);
    return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
  });
}

export function payloadsToJson(payloads: Payload[]): { payloads: JsonPayload[] } {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data ?? []).toString('base64'),
    })),
  };
}
