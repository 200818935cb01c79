/**
 * The worker's side of the link-local refusal (plan/link-local.ts): host names are judged where the connection
 * is made. The name is resolved once, every address it resolves to is judged, and the socket connects to
 * exactly those addresses, so a name that answers a harmless address to a check and the metadata address a
 * moment later (DNS rebinding) cannot slip past.
 */
import { lookup as systemLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { hostname } from 'node:os';
import { ALLOW_LINK_LOCAL_ENV, linkLocalAddressProblem } from '../../plan/link-local';

/** Resolves a host name to all its addresses; tests pass their own. */
export type Resolve = (host: string) => Promise<LookupAddress[]>;

export const systemResolve: Resolve = (host) => systemLookup(host, { all: true });

/** A connection refused by the guard: its message is the whole explanation. */
export class RefusedAddress extends Error {
  override name = 'RefusedAddress';
}

/** The worker's setting as messages name it, e.g. `GLIDEPATH_ALLOW_LINK_LOCAL_HTTP is not set on this worker (ip-10-0-1-7)`. */
export function workerSetting(env: Record<string, string | undefined> = process.env): string {
  const value = env[ALLOW_LINK_LOCAL_ENV];
  return `${ALLOW_LINK_LOCAL_ENV} is ${value === undefined || value === '' ? 'not set' : `"${value}"`} on this worker (${hostname()})`;
}

const familyOf = (family: unknown): 4 | 6 | undefined =>
  family === 4 || family === 'IPv4' ? 4 : family === 6 || family === 'IPv6' ? 6 : undefined;

/**
 * A `lookup` for net.connect / tls.connect. `judge` hears of each host with a link-local or metadata address
 * (with the reason) before anything connects, and throws a RefusedAddress to refuse it.
 */
export function judgedLookup(resolve: Resolve, judge: (host: string, problem: string) => void): LookupFunction {
  return (host, options, callback) => {
    const judged = async () => {
      const all = await resolve(host);
      const problem = all.map((a) => linkLocalAddressProblem(a.address)).find(Boolean);
      if (problem) judge(host, `${host} resolves to ${problem}`);
      const family = familyOf(options.family);
      const fit = family ? all.filter((a) => a.family === family) : all;
      if (fit.length === 0) throw Object.assign(new Error(`${host} has no IPv${family ?? 4} address`), { code: 'ENOTFOUND' });
      return fit;
    };
    judged().then(
      (fit) => (options.all ? callback(null, fit) : callback(null, fit[0].address, fit[0].family)),
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
