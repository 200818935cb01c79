/**
 * Who may use the codec server: callers presenting the shared token, either as `Authorization: Bearer <token>`
 * (the Temporal CLI's --codec-auth, scripts) or as the endpoint's first path segment,
 * `http://codec:8081/<token>` (a Web UI without login, which cannot add a header of its own).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const TOKEN_VARIABLE = 'GLIDEPATH_CODEC_TOKEN';

const digest = (value: string) => createHash('sha256').update(value).digest();
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

export interface AccessRequest {
  authorization?: string;
  /** The path's segments before `encode`/`decode`. */
  prefix: string[];
}

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

export function checkAccess(token: string, request: AccessRequest): AccessDecision {
  const bearer = /^Bearer\s+(.+)$/i.exec(request.authorization ?? '')?.[1]?.trim();
  if (bearer !== undefined) return same(bearer, token) ? { allowed: true } : { allowed: false, reason: 'wrong bearer token' };
  if (request.prefix.length === 1) {
    const candidate = fromPath(request.prefix[0]);
    if (candidate === undefined) return { allowed: false, reason: 'malformed token in path (bad percent-encoding)' };
    return same(candidate, token) ? { allowed: true } : { allowed: false, reason: 'wrong token in path' };
  }
  return { allowed: false, reason: 'no access token (Authorization: Bearer <token>, or /<token>/decode)' };
}

/** The path segment decoded, or undefined when its percent-encoding is broken (a caller's error, not the server's). */
function fromPath(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
