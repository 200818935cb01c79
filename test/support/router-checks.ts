/**
 * A release's traffic router as its workload builds it (the one releaseCalls hands to every call after deploy),
 * and what its `verify` must say after the platform's setTrafficWeight: the weight it was given holds, with the
 * shares the platform itself reports, and no weight the router would have set differently holds.
 */
import { expect } from 'vitest';
import type { TrafficRouter } from '../../activities/traffic-router';
import type { Candidate } from '../../activities/types';
import type { Workload } from '../../activities/workload';
import type { Target } from '../../plan/targets';

/** The router `workload` makes for `candidate`, from its decoded data, as the platform calls do. */
export function routerOf<T extends Target, D, R extends TrafficRouter>(workload: Workload<T, D, R>, target: T, candidate: Candidate): R {
  return workload.router(target, workload.decode(candidate.data), candidate);
}

/** Percent of traffic to each side, as read from the platform (alias, listener, HTTPRoute, replicas, Service). */
export interface Shares {
  stable: number;
  candidate: number;
}

const rounded = (s: Shares): Shares => ({ stable: Math.round(s.stable), candidate: Math.round(s.candidate) });

/**
 * `verify(weight)` is ok and reports `real`; `verify(other)` is not ok for each of `others` (weights that would
 * send another split), and reports the same shares: what is sent does not depend on what is asked.
 */
export async function expectVerifies(router: TrafficRouter, weight: number, real: Shares, others = [0, 10, 50, 100]): Promise<void> {
  const check = await router.verify(weight);
  expect({ ok: check.ok, ...rounded(check) }, `verify(${weight})`).toEqual({ ok: true, ...rounded(real) });
  for (const other of others.filter((o) => o !== weight)) {
    const wrong = await router.verify(other);
    expect({ ok: wrong.ok, ...rounded(wrong) }, `verify(${other}) at ${weight}%`).toEqual({ ok: false, ...rounded(real) });
  }
}
