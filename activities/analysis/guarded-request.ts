/**
 * The requests of HTTP checks and Prometheus queries, under the worker's refusal of link-local and cloud
 * metadata addresses (where the worker's own credentials are served):
 * - every hop of a redirect is judged before it is requested, at most MAX_REDIRECTS of them; a hop's body is
 *   never read;
 * - host names are judged by the addresses the connection really uses (address-guard.ts);
 * - what a link-local or metadata address answers (reachable only with GLIDEPATH_ALLOW_LINK_LOCAL_HTTP=true)
 *   never goes into a measurement's message, which lands in the history and the UI.
 * A refusal says which setting each side has, since a CLI and workers that disagree let a plan validate and
 * then fail at run time.
 */
import { Agent, fetch } from 'undici';
import { ALLOW_LINK_LOCAL_ENV, linkLocalAllowed, linkLocalUrlProblem } from '../../plan/link-local';
import { RefusedAddress, judgedLookup, systemResolve, workerSetting } from './address-guard';
import { type ProviderIO, deadline } from './reading';

/** Redirects followed before a check is an error: enough for a trailing slash or a moved path, not a loop. */
export const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface GuardedRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** The URL as the plan writes it (templates and all): the glidepath CLI judged this one when it validated. */
  planUrl: string;
  timeoutMs: number;
}

export interface Answer {
  status: number;
  ok: boolean;
  text: string;
  /** Where the answer came from, after any redirects. */
  url: string;
  /** `text` cut to `chars`, or a note in its place when a link-local or metadata address answered. */
  shown(text: string, chars?: number): string;
}

/** Why the first hop is refused, in terms of what the CLI could have seen. */
function refusal(method: string, url: string, problem: string, planUrl: string, redirectedFrom?: string): string {
  const refused = `refused to ${method} ${url}: ${problem}; ${workerSetting()}`;
  const fix = `Point the check at the service, or set ${ALLOW_LINK_LOCAL_ENV}=true on every worker if this is intended`;
  if (redirectedFrom) return `${refused}. ${redirectedFrom} redirected here, which no plan check can see. ${fix}`;
  if (linkLocalUrlProblem(planUrl))
    return (
      `${refused}, while the glidepath CLI accepts this plan ` +
      `only where ${ALLOW_LINK_LOCAL_ENV}=true is set: the CLI that started this run and this worker ` +
      `disagree. Set ${ALLOW_LINK_LOCAL_ENV}=true on every worker if this check is intended, or point it at the ` +
      `service and unset it where the CLI runs`
    );
  return `${refused}. The CLI judges only the addresses written in the plan, not what its templates and names turn into. ${fix}`;
}

export async function guardedRequest(url: string, req: GuardedRequest, io: ProviderIO): Promise<Answer> {
  const allowed = linkLocalAllowed(process.env);
  const signal = deadline(req.timeoutMs, io.signal);
  const linkLocalHosts = new Set<string>(); // reached because the worker allows it: their answers are not shown
  let hop = { url, method: req.method as string, body: req.body, from: undefined as string | undefined };
  const judge = (host: string, problem: string) => {
    if (!allowed) throw new RefusedAddress(refusal(hop.method, hop.url, problem, req.planUrl, hop.from));
    linkLocalHosts.add(host);
  };
  const agent = new Agent({ connect: { lookup: judgedLookup(io.resolve ?? systemResolve, judge) } });
  try {
    for (let redirects = 0; ; redirects++) {
      const target = new URL(hop.url);
      const literal = linkLocalUrlProblem(hop.url);
      if (literal) judge(target.hostname, literal);
      const res = await send(hop.url, agent, signal, req, hop);
      const location = REDIRECT_STATUSES.has(res.status) ? res.headers.get('location') : null;
      if (location === null) {
        const text = await res.text();
        const withheld = linkLocalHosts.has(target.hostname);
        return {
          status: res.status,
          ok: res.ok,
          text,
          url: hop.url,
          shown: (t, chars = 200) => (withheld ? `(not shown: ${target.hostname} is a link-local or metadata address)` : t.slice(0, chars)),
        };
      }
      await res.body?.cancel(); // a hop's body is never read
      const next = URL.parse(location, hop.url);
      if (!next || (next.protocol !== 'http:' && next.protocol !== 'https:'))
        throw new Error(`${hop.url} redirected to "${location.slice(0, 200)}", which is not an http:// or https:// URL`);
      if (redirects === MAX_REDIRECTS)
        throw new Error(
          `${url}: more than ${MAX_REDIRECTS} redirects (the last to ${next.href}); point the check at the address that answers`,
        );
      // As fetch does: 303, and 301/302 after a POST, continue as a GET without the body; 307 and 308 repeat the request.
      const asGet = res.status === 303 || (hop.method === 'POST' && (res.status === 301 || res.status === 302));
      hop = { url: next.href, method: asGet ? 'GET' : hop.method, body: asGet ? undefined : hop.body, from: hop.url };
    }
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

/** One hop, with a clear message for the usual ways a request fails. */
async function send(url: string, agent: Agent, signal: AbortSignal, req: GuardedRequest, hop: { method: string; body?: string }) {
  const headers = { ...req.headers };
  if (hop.body === undefined) delete headers['content-type'];
  try {
    return await fetch(url, { method: hop.method, headers, body: hop.body, redirect: 'manual', signal, dispatcher: agent });
  } catch (err) {
    const e = err as Error & { cause?: Error & { code?: string } };
    if (e instanceof RefusedAddress) throw new Error(e.message);
    if (e.cause instanceof RefusedAddress) throw new Error(e.cause.message);
    if (e.name === 'TimeoutError') throw new Error(`${url}: no answer within ${req.timeoutMs / 1000}s`);
    throw new Error(`${url}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
  }
}
