/** Short, stable digests for names, tags, idempotency tokens and the policy version. Node only (not workflow code). */
import { createHash } from 'node:crypto';

/** The first `length` hex digits of the SHA-256 of `data`. */
export const sha256Hex = (data: string | Uint8Array, length = 64) => createHash('sha256').update(data).digest('hex').slice(0, length);
